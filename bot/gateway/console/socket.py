"""A staff console's WebSocket (/staff/socket): live queue, the survivors' messages in the conversations
this staff member holds, and their own messages and typing out. Protocol in docs/staff.md.

Authenticated by the session cookie and the Origin (a page on another site can't open it). Which
conversations it listens to follows the database: after every queue change it re-reads what this staff
member holds, so a take, a transfer in or out, or a reconnect after a restart all just work.
"""

import asyncio
import json
import logging
from typing import Any, Dict, Optional

from sanic.exceptions import WebsocketClosed
from websockets.exceptions import ConnectionClosed

from bot.gateway.console.routes import REFUSALS, queue_json
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
from bot.staff import accounts, sessions
from bot.staff.sessions import Session

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32_768
MAX_MESSAGE_CHARS = 2000


class StaffSocket:
    """One signed-in console."""

    def __init__(self, ws: Any, session: Session, service: HandoffService, token: str, idle_s: float) -> None:
        self.ws = ws
        self.session = session
        self.service = service
        self.token = token
        self.idle_s = idle_s
        self._send_lock = asyncio.Lock()
        self._listening: Dict[str, "asyncio.Task[None]"] = {}
        self._subscriptions: Dict[str, Subscription] = {}

    @property
    def account_id(self) -> int:
        return self.session.account.id

    async def serve(self) -> None:
        """Handles frames until sign-out or disconnect; with the bus down, says so clearly and closes."""
        await self.service.database.run(accounts.seen, self.account_id)
        try:
            await self._listen(QUEUE_CHANNEL, QUEUE_CHANNEL)
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

    async def _listen(self, key: str, channel: str) -> None:
        subscription = await self.service.bus.subscribe(channel)
        self._subscriptions[key] = subscription
        self._listening[key] = asyncio.ensure_future(self._relay(key, subscription))

    async def _relay(self, key: str, subscription: Subscription) -> None:
        while True:
            try:
                event = await subscription.get()
            except SubscriptionClosedError:  # not closed by this socket (it cancels this task first): the bus lost it
                await self._live_unavailable()
                return
            if key == QUEUE_CHANNEL:
                await self._queue_changed()
            else:
                await self._survivor_event(key, event)

    async def _live_unavailable(self) -> None:
        logger.error("A staff console lost its live updates: the bus is unavailable.")
        await self.send(type="error", code="live_unavailable", text=REFUSALS["live_unavailable"])

    async def _survivor_event(self, conversation: str, event: Message) -> None:
        await self.send(type="survivor", conversation=conversation, **event)

    async def _queue_changed(self) -> None:
        """Fresh queue for the console, and listen to exactly the conversations held now."""
        current = await queue_json(self.service.database, self.session.account)
        held = {handoff["conversation"] for handoff in current["mine"]}
        for conversation in held - set(self._listening):
            await self._listen(conversation, staff_channel(conversation))
        for conversation in set(self._listening) - held - {QUEUE_CHANNEL}:
            self._listening.pop(conversation).cancel()
            await self._subscriptions.pop(conversation).close()
        await self.send(type="queue", **current)

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
        conversation = frame.get("conversation")
        if not isinstance(conversation, str):
            await self.send(type="error", code="bad_request", text=REFUSALS["bad_request"])
            return True
        try:
            await self._act(kind, conversation, frame)
        except HandoffRefusedError as refused:
            await self.send(type="error", code=refused.reason, conversation=conversation,
                            text=REFUSALS[refused.reason])
        except RasaUnavailableError as error:
            logger.error("A staff message could not be added to the conversation (%s).", error)
            await self.send(type="error", code="not_delivered", conversation=conversation,
                            text=REFUSALS["not_delivered"])
        except BusUnavailableError:
            await self._live_unavailable()
        return True

    async def _act(self, kind: Any, conversation: str, frame: Dict[str, Any]) -> None:
        if kind == "message":
            text = frame.get("text")
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_MESSAGE_CHARS:
                raise HandoffRefusedError("bad_request")
            await self.service.staff_message(self.session.account, conversation, text)
            await self.send(type="sent", conversation=conversation, text=text, id=frame.get("id"))
        elif kind == "typing":
            await self.service.staff_typing(self.session.account, conversation, bool(frame.get("on")))
        else:
            raise HandoffRefusedError("bad_request")

    async def _still_signed_in(self, touch: bool = False) -> bool:
        """Idle logout and disabled accounts apply to an open socket too; a heartbeat keeps presence fresh."""
        session = await self.service.database.run(sessions.find, self.token, self.idle_s, touch)
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

