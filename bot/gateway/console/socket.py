"""A staff console's WebSocket (/staff/socket): live queue, the survivors' messages in the conversations
this staff member holds, and their own messages and typing out. Protocol in docs/staff.md.

Authenticated by the session cookie and the Origin (a page on another site can't open it). Which
conversations it listens to follows the database: after every queue change it re-reads what this staff
member holds, so a take, a transfer in or out, or a reconnect after a restart all just work. Frames name a
conversation by its handoff's id, never by the conversation id (the credential for the survivor's chat).
"""

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional

from sanic.exceptions import WebsocketClosed
from websockets.exceptions import ConnectionClosed

from bot.gateway.console.routes import REFUSALS, held_conversation, queue_json
from bot.gateway.relay.bus import (
    QUEUE_CHANNEL,
    BusUnavailableError,
    Message,
    Subscription,
    SubscriptionClosedError,
    staff_channel,
)
from bot.gateway.relay.handoff import HandoffRefusedError, HandoffService
from bot.gateway.relay.rasa_client import RasaUnavailableError
from bot.handoff import queue
from bot.handoff.queue import Handoff
from bot.staff import accounts, sessions
from bot.staff.sessions import Limits, Session

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32_768
MAX_MESSAGE_CHARS = 2000


class StaffSocket:
    """One signed-in console."""

    def __init__(self, ws: Any, session: Session, service: HandoffService, token: str, limits: Limits) -> None:
        self.ws = ws
        self.session = session
        self.service = service
        self.token = token
        self.limits = limits
        self._send_lock = asyncio.Lock()
        self._listening: Dict[Optional[int], "asyncio.Task[None]"] = {}
        self._subscriptions: Dict[Optional[int], Subscription] = {}
        """Keyed by the id of each handoff held (its conversation's staff channel), and None for the queue."""

    @property
    def account_id(self) -> int:
        return self.session.account.id

    async def serve(self) -> None:
        """Handles frames until sign-out or disconnect; with the bus down, says so clearly and closes."""
        await self.service.database.run(accounts.seen, self.account_id)
        try:
            await self._listen(None, QUEUE_CHANNEL)
            await self._queue_changed()
            while True:
                raw = await self.ws.recv()
                if raw is None or not await self._handle(raw):
                    return
        except BusUnavailableError:
            await self._live_unavailable()
        finally:
            for task in self._listening.values():
                task.cancel()
            for subscription in self._subscriptions.values():
                await subscription.close()

    async def send(self, **fields: Any) -> None:
        async with self._send_lock:
            try:
                await self.ws.send(json.dumps(fields, ensure_ascii=False))
            except (WebsocketClosed, ConnectionClosed):
                logger.debug("A staff socket closed while sending.")

    async def _listen(self, handoff_id: Optional[int], channel: str) -> None:
        subscription = await self.service.bus.subscribe(channel)
        self._subscriptions[handoff_id] = subscription
        self._listening[handoff_id] = asyncio.ensure_future(self._relay(handoff_id, subscription))

    async def _relay(self, handoff_id: Optional[int], subscription: Subscription) -> None:
        while True:
            try:
                event = await subscription.get()
            except SubscriptionClosedError:  # not closed by this socket (it cancels this task first): the bus lost it
                await self._live_unavailable()
                return
            if handoff_id is None:
                await self._queue_changed()
            else:
                await self._survivor_event(handoff_id, event)

    async def _live_unavailable(self) -> None:
        logger.error("A staff console lost its live updates: the bus is unavailable.")
        await self.send(type="error", code="live_unavailable", text=REFUSALS["live_unavailable"])

    async def _survivor_event(self, handoff_id: int, event: Message) -> None:
        await self.send(type="survivor", handoff=handoff_id, **event)

    async def _queue_changed(self) -> None:
        """Fresh queue for the console, and listen to exactly the conversations held now."""
        waiting: List[Handoff] = await self.service.database.run(queue.waiting)
        mine: List[Handoff] = await self.service.database.run(queue.held_by, self.account_id)
        for handoff in mine:
            if handoff.id not in self._listening:
                await self._listen(handoff.id, staff_channel(handoff.conversation))
        for handoff_id in set(self._listening) - {handoff.id for handoff in mine} - {None}:
            self._listening.pop(handoff_id).cancel()
            await self._subscriptions.pop(handoff_id).close()
        await self.send(type="queue", **queue_json(waiting, mine))

    async def _handle(self, raw: Any) -> bool:
        """One frame from the console; False when the session has ended (the socket closes)."""
        frame = _decode(raw)
        if frame is None:
            await self.send(type="error", code="bad_request", text=REFUSALS["bad_request"])
            return True
        kind = frame.get("type")
        if kind == "ping":
            return await self._still_signed_in()
        if not await self._still_signed_in(touch=True):
            return False
        handoff_id = frame.get("handoff")
        if kind not in ("message", "typing") or not isinstance(handoff_id, int):
            await self.send(type="error", code="bad_request", text=REFUSALS["bad_request"])
            return True
        try:
            await self._act(kind, handoff_id, frame)
        except HandoffRefusedError as refused:
            await self.send(type="error", code=refused.reason, handoff=handoff_id, text=REFUSALS[refused.reason])
        except RasaUnavailableError as error:
            logger.error("A staff message could not be added to the conversation (%s).", error)
            await self.send(type="error", code="not_delivered", handoff=handoff_id, text=REFUSALS["not_delivered"])
        except BusUnavailableError:
            await self._live_unavailable()
        return True

    async def _act(self, kind: str, handoff_id: int, frame: Dict[str, Any]) -> None:
        """A message or typing in a conversation this staff member holds (refused otherwise: not_yours)."""
        text = frame.get("text")
        if kind == "message" and (not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS):
            raise HandoffRefusedError("bad_request")
        conversation = await held_conversation(self.service.database, self.session.account, handoff_id)
        if kind == "message":
            await self.service.staff_message(self.session.account, conversation, str(text))
            await self.send(type="sent", handoff=handoff_id, text=text, id=frame.get("id"))
        else:
            await self.service.staff_typing(self.session.account, conversation, bool(frame.get("on")))

    async def _still_signed_in(self, touch: bool = False) -> bool:
        """Idle logout, the session's lifetime and disabled accounts apply to an open socket too; a heartbeat
        keeps presence fresh."""
        session = await self.service.database.run(sessions.find, self.token, self.limits, touch)
        if session is None:
            await self.send(type="signed_out", text=REFUSALS["signed_out"])
            await self.service.database.run(accounts.set_presence, self.account_id, "away")
            return False
        await self.service.database.run(accounts.seen, self.account_id)
        return True


def _decode(raw: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(raw, str | bytes) or len(raw) > MAX_FRAME_BYTES:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None

