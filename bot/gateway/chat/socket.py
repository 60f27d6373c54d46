"""One survivor's WebSocket: frames in, assistant messages out, in order, never silent.

Frames are handled one at a time, so replies keep the order of the messages they answer. If Rasa
hasn't answered within `fallback_after_s`, the survivor gets the gateway's own fallback (the assistant's
answer to danger or to thoughts of self-harm first, for such a message) at once; Rasa's reply is still
delivered when it comes.

In handoff (the handoff action's custom payload, or the database on `resume`) the socket listens to the
conversation's bus channel for the support worker's messages; the survivor's messages still go to Rasa
(the paused tracker logs them without answering) and to the staff member, with any risk to life flagged.
A message that signals danger, or thoughts of self-harm, still gets the assistant's own answer to it at once.

Limits (`GatewayLimits`) are per conversation, not per socket, so a second socket on the same conversation
gets no fresh budget; a `resume` of an id this service never issued is charged like a new conversation.
"""

import asyncio
import contextlib
import json
import logging
import secrets
from typing import Any, Dict, List, Optional, Set

from sanic.exceptions import WebsocketClosed
from websockets.exceptions import ConnectionClosed

from bot.gateway.chat.limits import GatewayLimits
from bot.gateway.chat.outbox import Outbox
from bot.gateway.chat.protocol import (
    ClientFrame,
    ProtocolError,
    bot_frame,
    error_frame,
    frame,
    parse_frame,
    staff_frame,
)
from bot.gateway.edge import metrics
from bot.gateway.edge.security import ConversationIds
from bot.gateway.relay.bus import (
    BusUnavailableError,
    Message,
    Subscription,
    SubscriptionClosedError,
    conversation_channel,
)
from bot.gateway.relay.handoff import HandoffService
from bot.gateway.relay.rasa_client import BotMessage, RasaClient, RasaUnavailableError
from bot.risk import message_risk
from bot.settings import Settings
from bot.wording import live_chat_down_text, unavailable_messages, urgent_wording

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013
"""The WebSocket close code for "come back later": the widget reconnects after its back-off."""


class SurvivorSocket:
    """The protocol of docs/protocol.md for one connected widget."""

    def __init__(
        self,
        ws: Any,
        rasa: RasaClient,
        settings: Settings,
        outbox: Outbox,
        client: str = "",
        limits: Optional[GatewayLimits] = None,
        handoff: Optional[HandoffService] = None,
        ids: Optional[ConversationIds] = None,
    ) -> None:
        """Without `limits` and `ids` (a test's lone socket), limits of its own and a secret of its own."""
        self.ws = ws
        self.rasa = rasa
        self.settings = settings
        self.outbox = outbox
        self.conversation: Optional[str] = None
        self.gone = False
        self.client = client
        self.limits = limits or GatewayLimits.from_settings(settings)
        self.ids = ids or ConversationIds(secrets.token_bytes(32))
        self.handoff = handoff
        self.in_handoff = False
        self._subscription: Optional[Subscription] = None
        self._listener: Optional["asyncio.Task[None]"] = None
        self._position = 0
        self._staff_shown: Set[Any] = set()
        """The `sent_at` of staff messages sent on this socket from the outbox or the replay: not again live."""
        self._logging: Optional["asyncio.Future[None]"] = None

    async def serve(self) -> None:
        """Handles frames until the survivor ends the conversation or disconnects."""
        metrics.SOCKETS_OPEN.inc()
        try:
            while not self.gone:
                raw = await self.ws.recv()
                if raw is None:
                    return
                parsed = parse_frame(raw, self.settings.max_frame_bytes, self.settings.max_message_chars)
                if not await self._handle(parsed):
                    return
        finally:
            metrics.SOCKETS_OPEN.dec()
            await self._stop_listening()

    async def _send(self, text: str) -> None:
        """Sends a frame; once the survivor has gone, nothing more is sent."""
        if self.gone:
            return
        try:
            await self.ws.send(text)
        except (WebsocketClosed, ConnectionClosed):
            self.gone = True

    async def _deliver(self, text: str) -> None:
        """Sends an assistant message, or keeps it for the survivor's return if they have gone."""
        await self._send(text)
        if self.gone and self.conversation is not None:
            await self.outbox.keep(self.conversation, text)
            logger.info("Kept a reply for a survivor who left mid-answer.")

    async def _handle(self, parsed: Any) -> bool:
        """One frame; with the bus down (scale-out, Redis unreachable), the live chat with staff can't work,
        so the survivor is told kindly and given the helpline, and the assistant carries on."""
        try:
            return await self._dispatch(parsed)
        except BusUnavailableError:
            logger.error("A survivor's live chat with staff failed: the bus is unavailable.")
            await self._back_to_the_assistant()
            return True

    async def _back_to_the_assistant(self) -> None:
        """Without the bus no support worker can reach this survivor: say so, give the helpline, and let the
        assistant answer again rather than leave them waiting for a person who can't come."""
        if self.in_handoff and self.handoff is not None and self.conversation is not None:
            self.in_handoff = False
            await self.handoff.abandon(self.conversation)
            await self._send(frame("handoff", state="cancelled"))
        await self._deliver(bot_frame(live_chat_down_text()))

    async def _dispatch(self, parsed: Any) -> bool:
        if isinstance(parsed, ProtocolError):
            await self._send(error_frame(parsed.code))
            if parsed.code == "bad_conversation":
                await self._start()
            return True
        frame_: ClientFrame = parsed
        if frame_.type == "end":
            await self._leave_handoff("ended")
            await self._send(frame("ended"))
            return False
        if frame_.type == "start":
            await self._start()
        elif frame_.type == "resume":
            return await self._resume(frame_.conversation, frame_.staff_seen)
        elif frame_.type == "cancel_handoff":
            await self._leave_handoff("cancelled")
        elif frame_.type == "typing":
            await self._typing(frame_.on)
        else:
            await self._message(frame_.text)
        return True

    async def _resume(self, conversation: str, staff_seen: Optional[int]) -> bool:
        """Carries on a conversation after a page change. Resumed too often, the socket is closed for the
        widget to come back after its back-off (each resume reads the database); an id this service never
        issued (made up, or from before ids were signed) is charged to the address like a new conversation."""
        if not self.limits.resumes.allow(conversation):
            logger.warning("Closed a survivor socket: its conversation was resumed too often.")
            await self.ws.close(code=TRY_AGAIN_LATER)
            return False
        if not self.ids.issued(conversation) and not await self._new_conversation_allowed():
            return True
        self.conversation = conversation
        await self._send(frame("resumed", conversation=conversation))
        for kept in await self.outbox.take(conversation):
            await self._deliver(kept)
            self._note_staff_shown(json.loads(kept))
        await self._rejoin_handoff(staff_seen)
        return True

    async def _typing(self, on: bool) -> None:
        """Passed to the support worker during a handoff, within the conversation's typing limit (the widget
        never reaches it; beyond it only an indicator is lost)."""
        if not (self.in_handoff and self.handoff is not None and self.conversation is not None):
            return
        if self.limits.typing.allow(self.conversation):
            await self.handoff.survivor_event(self.conversation, {"event": "typing", "on": on})

    async def _rejoin_handoff(self, staff_seen: Optional[int]) -> None:
        """After a page change or a gateway restart: the database says whether a person is coming or here,
        and the support worker's messages sent while the widget was away follow (see _replay_staff)."""
        if self.handoff is None or self.conversation is None:
            return
        state = await self.handoff.rejoin_state(self.conversation)
        if state is None:
            return
        await self._enter_handoff(listen=False)
        if state.waiting:
            await self._send_position(state.position)
        else:
            await self._send(frame("handoff", state="joined", name=state.staff_name))
        self._start_listening(staff_seen)
        await self.handoff.survivor_event(self.conversation, {"event": "back"})

    async def _replay_staff(self, seen: int) -> None:
        """The staff messages beyond the `seen` the widget has shown, from the tracker (shared by every
        gateway instance), less those just delivered from the outbox. Runs subscribed, before listening: a
        message sent meanwhile waits in the subscription and is skipped there if the tracker already had
        it, so each is shown once, in order."""
        assert self.handoff is not None and self.conversation is not None
        try:
            stored = await self.handoff.staff_messages(self.conversation)
        except RasaUnavailableError as error:
            logger.warning("Could not replay staff messages on resume: Rasa unavailable (%s).", error)
            return
        missed = [message for message in stored[seen:] if message.sent_at not in self._staff_shown]
        for message in missed:
            await self._deliver(staff_frame(message.text, message.name, message.sent_at))
            self._shown(message.sent_at)
        if missed:
            logger.info("Replayed %d staff message(s) sent while the survivor was between pages.", len(missed))

    def _note_staff_shown(self, sent: Dict[str, Any]) -> None:
        """A staff frame kept while the survivor was away and now delivered is seen: no replay of it."""
        if sent.get("type") == "staff":
            self._shown(sent.get("sent_at"))

    def _shown(self, sent_at: Any) -> None:
        """Only a real mark counts: a message without one (sent before marks existed) is never skipped."""
        if sent_at is not None:
            self._staff_shown.add(sent_at)

    async def _enter_handoff(self, listen: bool = True) -> None:
        self.in_handoff = True
        self._position = 0
        if self._subscription is None and self.handoff is not None and self.conversation is not None:
            self._subscription = await self.handoff.bus.subscribe(conversation_channel(self.conversation))
        if listen:
            self._start_listening()

    def _start_listening(self, staff_seen: Optional[int] = None) -> None:
        """Relays the conversation's events from now on; first, with `staff_seen`, the staff messages missed."""
        if self._listener is None and self._subscription is not None:
            self._listener = asyncio.ensure_future(self._listen(self._subscription, staff_seen))

    async def _leave_handoff(self, reason: str) -> None:
        """The survivor cancelled or ended the chat: the staff member is told, the assistant resumes."""
        if self.handoff is None or self.conversation is None or not self.in_handoff:
            return
        self.in_handoff = False
        await self.handoff.survivor_left(self.conversation, reason)
        if reason == "cancelled":
            await self._send(frame("handoff", state="cancelled"))

    async def _stop_listening(self) -> None:
        if self.in_handoff and self.handoff is not None and self.conversation is not None:
            with contextlib.suppress(BusUnavailableError):  # already logged by the bus; the survivor has gone
                await self.handoff.survivor_event(self.conversation, {"event": "away"})
        if self._listener is not None:
            self._listener.cancel()
        if self._subscription is not None:
            await self._subscription.close()

    async def _listen(self, subscription: Subscription, staff_seen: Optional[int]) -> None:
        """Relays the conversation's bus events (staff messages, queue place, joined/left) as frames. The
        replay runs here, not in the frame loop, so a slow Rasa holds up none of the survivor's messages."""
        if staff_seen is not None:
            await self._replay_staff(staff_seen)
        while True:
            try:
                event = await subscription.get()
            except SubscriptionClosedError:
                return
            await self._relay(event)

    async def _relay(self, event: Message) -> None:
        kind = event.get("event")
        if kind == "position":
            await self._send_position(int(event.get("position", 0)))
        elif kind == "joined":
            await self._send(frame("handoff", state="joined", name=str(event.get("name", ""))))
        elif kind == "staff":
            if event.get("sent_at") not in self._staff_shown:
                await self._deliver(staff_frame(str(event.get("text", "")), str(event.get("name", "")),
                                                event.get("sent_at")))
        elif kind == "staff_typing":
            await self._send(frame("staff_typing", on=bool(event.get("on"))))
        elif kind in ("handed_back", "ended"):
            self.in_handoff = False
            await self._deliver(frame("handoff", state=kind))
        elif kind == "bot":
            await self._deliver(bot_frame(str(event.get("text", "")), event.get("buttons") or []))

    async def _send_position(self, position: int) -> None:
        """A place in the queue, only when it changed (no repeated "you're number 2")."""
        if self.in_handoff and position and position != self._position:
            self._position = position
            await self._send(frame("handoff", state="queued", position=position))

    async def _start(self) -> bool:
        """Starts a conversation, unless this address has started too many lately (then says so, kindly)."""
        if not await self._new_conversation_allowed():
            return False
        self.conversation = self.ids.new()
        await self._send(frame("started", conversation=self.conversation))
        return True

    async def _new_conversation_allowed(self) -> bool:
        """Charges a new conversation to this address; over its limit, says so kindly, with the helpline."""
        new_conversations = self.limits.new_conversations
        if new_conversations.allow(self.client):
            return True
        retry_after = new_conversations.retry_after(self.client)
        logger.warning("Refused a new conversation: too many from one address (retry in %d s).", retry_after)
        metrics.refused("conversations")
        await self._send(error_frame("too_many_chats", retry_after=retry_after))
        return False

    async def _message(self, text: str) -> None:
        if self.conversation is None and not await self._start():
            return
        assert self.conversation is not None
        if not await self.limits.messages.allow(self.conversation):
            metrics.refused("messages")
            await self._send(error_frame("too_fast"))
            return
        metrics.MESSAGES.inc()
        if self.in_handoff:
            await self._message_in_handoff(self.conversation, text)
            return
        # The answer outlives this socket: if the survivor leaves mid-answer, the socket's task is
        # cancelled, but the answer still completes and goes to the outbox for their return.
        await asyncio.shield(asyncio.ensure_future(self._answer(self.conversation, text)))

    async def _message_in_handoff(self, conversation: str, text: str) -> None:
        """To the support worker at once, flagged with any risk to life, and to Rasa, whose paused tracker
        logs it without answering: so no "the assistant said nothing" fallback, but a risk to life gets the
        assistant's own answer to it here, first."""
        assert self.handoff is not None
        risk = message_risk(text)
        await self._send(frame("received"))
        wording = urgent_wording(risk)
        if wording:
            metrics.answered(wording)
            await self._deliver(bot_frame(wording))
        self._logging = asyncio.ensure_future(self._log_in_tracker(self._logging, conversation, text))
        await self.handoff.survivor_message(conversation, text, risk)

    async def _log_in_tracker(self, previous: Optional["asyncio.Future[None]"], conversation: str, text: str) -> None:
        """Into the tracker in the order sent, without holding up the chat if Rasa is slow."""
        if previous is not None:
            await asyncio.wait([previous])
        try:
            for reply in await self.rasa.send(conversation, text):
                await self._deliver_reply(reply)
        except RasaUnavailableError as error:
            metrics.RASA_ERRORS.inc()
            logger.warning("A message during handoff did not reach Rasa's tracker (%s).", error)

    async def _answer(self, conversation: str, text: str) -> None:
        await self._send(frame("typing", on=True))
        for reply in await self._replies(conversation, text):
            await self._deliver_reply(reply)
        await self._send(frame("typing", on=False))

    async def _deliver_reply(self, reply: BotMessage) -> None:
        """An assistant message, or the handoff action's payload: the survivor is now in the queue."""
        if reply.custom.get("handoff") == "queued" and self.handoff is not None:
            metrics.handoff_queued()
            await self._enter_handoff()
            await self._send_position(int(reply.custom.get("position") or 1))
            await self.handoff.queue_changed()
        elif reply.text or reply.buttons:
            metrics.answered(reply.text)
            await self._deliver(bot_frame(reply.text, reply.buttons))

    @metrics.timed(metrics.ANSWER_SECONDS)
    async def _replies(self, conversation: str, text: str) -> List[BotMessage]:
        """Rasa's replies; the fallback goes out first if Rasa is slow, down or says nothing."""
        pending = asyncio.ensure_future(self.rasa.send(conversation, text))
        try:
            replies = await asyncio.wait_for(asyncio.shield(pending), self.settings.fallback_after_s)
        except asyncio.TimeoutError:
            logger.warning("Rasa did not answer within %.1f s; sent the fallback.", self.settings.fallback_after_s)
            await self._fallback(text)
            return await self._late(pending)
        except RasaUnavailableError as error:
            metrics.RASA_ERRORS.inc()
            logger.warning("Rasa unavailable (%s); sent the fallback.", error)
            await self._fallback(text)
            return []
        if not replies:
            logger.warning("Rasa answered with no messages; sent the fallback.")
            await self._fallback(text)
        return replies

    async def _late(self, pending: "asyncio.Future[List[BotMessage]]") -> List[BotMessage]:
        try:
            return await pending
        except RasaUnavailableError as error:
            metrics.RASA_ERRORS.inc()
            logger.warning("Rasa's late reply failed (%s).", error)
            return []

    async def _fallback(self, text: str) -> None:
        metrics.FALLBACKS.inc()
        for message in unavailable_messages(text):
            metrics.answered(message)
            await self._deliver(bot_frame(message))

