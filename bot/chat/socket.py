"""One survivor's WebSocket: frames in, assistant messages out, in order, never silent.

Frames are handled one at a time, so replies keep the order of the messages they answer. If Rasa
hasn't answered within `fallback_after_s`, the survivor gets the gateway's own fallback (emergency
wording for a danger message) at once; Rasa's reply is still delivered when it comes.
"""

import asyncio
import logging
import secrets
from typing import Any, List, Optional, Tuple

from sanic.exceptions import WebsocketClosed
from websockets.exceptions import ConnectionClosed

from bot.chat.fallback import unavailable_messages
from bot.chat.limits import KeyedRateLimit, RateLimit
from bot.chat.outbox import Outbox
from bot.chat.protocol import ClientFrame, ProtocolError, bot_frame, error_frame, frame, parse_frame
from bot.rasa_client import BotMessage, RasaClient, RasaUnavailableError
from bot.settings import Settings

logger = logging.getLogger(__name__)


def new_conversation_id() -> str:
    """128 random bits as 32 hex characters: unguessable, so a conversation is its own key."""
    return secrets.token_hex(16)


class SurvivorSocket:
    """The protocol of docs/protocol.md for one connected widget."""

    def __init__(
        self,
        ws: Any,
        rasa: RasaClient,
        settings: Settings,
        outbox: Outbox,
        client: str = "",
        new_conversations: Optional[KeyedRateLimit] = None,
    ) -> None:
        self.ws = ws
        self.rasa = rasa
        self.settings = settings
        self.outbox = outbox
        self.conversation: Optional[str] = None
        self.gone = False
        self.rate = RateLimit(settings.rate_messages, settings.rate_seconds)
        self.client = client
        self.new_conversations = (
            KeyedRateLimit(settings.rate_conversations, settings.rate_conversations_seconds)
            if new_conversations is None
            else new_conversations
        )

    async def serve(self) -> None:
        """Handles frames until the survivor ends the conversation or disconnects."""
        while not self.gone:
            raw = await self.ws.recv()
            if raw is None:
                return
            parsed = parse_frame(raw, self.settings.max_frame_bytes, self.settings.max_message_chars)
            if not await self._handle(parsed):
                return

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
        if isinstance(parsed, ProtocolError):
            await self._send(error_frame(parsed.code))
            if parsed.code == "bad_conversation":
                await self._start()
            return True
        frame_: ClientFrame = parsed
        if frame_.type == "end":
            await self._send(frame("ended"))
            return False
        if frame_.type == "start":
            await self._start()
        elif frame_.type == "resume":
            self.conversation = frame_.conversation
            await self._send(frame("resumed", conversation=self.conversation))
            for kept in await self.outbox.take(self.conversation):
                await self._deliver(kept)
        else:
            await self._message(frame_.text)
        return True

    async def _start(self) -> bool:
        """Starts a conversation, unless this address has started too many lately (then says so, kindly)."""
        if not self.new_conversations.allow(self.client):
            retry_after = self.new_conversations.retry_after(self.client)
            logger.warning("Refused a new conversation: too many from one address (retry in %d s).", retry_after)
            await self._send(error_frame("too_many_chats", retry_after=retry_after))
            return False
        self.conversation = new_conversation_id()
        await self._send(frame("started", conversation=self.conversation))
        return True

    async def _message(self, text: str) -> None:
        if not self.rate.allow():
            await self._send(error_frame("too_fast"))
            return
        if self.conversation is None and not await self._start():
            return
        assert self.conversation is not None
        # The answer outlives this socket: if the survivor leaves mid-answer, the socket's task is
        # cancelled, but the answer still completes and goes to the outbox for their return.
        await asyncio.shield(asyncio.ensure_future(self._answer(self.conversation, text)))

    async def _answer(self, conversation: str, text: str) -> None:
        await self._send(frame("typing", on=True))
        for reply in await self._replies(conversation, text):
            await self._deliver(bot_frame(reply.text, reply.buttons))
        await self._send(frame("typing", on=False))

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
            logger.warning("Rasa's late reply failed (%s).", error)
            return []

    async def _fallback(self, text: str) -> None:
        for message in unavailable_messages(text):
            await self._deliver(bot_frame(message))


def origin_allowed(origin: Optional[str], host: str, allowed: Tuple[str, ...]) -> bool:
    """A browser may connect from the gateway's own pages or a configured charity site."""
    if not origin:
        return True
    return origin.split("://", 1)[-1] == host or origin in allowed
