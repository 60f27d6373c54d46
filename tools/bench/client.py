"""A survivor's widget as the benchmarks drive it: the gateway's socket protocol (docs/protocol.md),
and the same turn sent straight to Rasa's REST channel for comparison.

One turn is timed from sending the message to the last frame of its answer: the `typing` off frame on
the socket, the end of the HTTP response on the REST channel. Both are what a survivor waits for.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, List, Optional

import aiohttp
from websockets.legacy.client import WebSocketClientProtocol, connect

from bot.wording import unavailable_messages

REPLY_TIMEOUT_S = 40.0
"""Longer than the gateway's HAVEN_RASA_TIMEOUT_S (30 s): a reply later than that counts as lost."""
MAX_FRAME_BYTES = 2**20
REST_WEBHOOK = "/webhooks/rest/webhook"
FALLBACK_AFTER_S = 3.0
"""The gateway's HAVEN_FALLBACK_AFTER_S default: its own fallback never comes sooner."""


@dataclass
class Turn:
    """One message and its answer, as the survivor saw it."""

    seconds: float = 0.0
    """From sending to the whole answer (the last reply, or the end of typing)."""
    first_reply_seconds: Optional[float] = None
    answers: List[str] = field(default_factory=list)
    fallbacks: int = 0
    """Replies that were the gateway's own never-silent fallback rather than the assistant's. For a danger
    message the fallback is the assistant's own emergency wording, so only its timing tells them apart."""
    error: Optional[str] = None
    """An `error` frame's code (too_fast, ...), "timeout", or an HTTP failure."""

    @property
    def answered(self) -> bool:
        return self.error is None and bool(self.answers)


class WidgetClient:
    """One survivor's socket to the gateway: `async with WidgetClient(url) as widget: await widget.say(...)`."""

    def __init__(self, gateway_url: str, fallback_after_s: float = FALLBACK_AFTER_S) -> None:
        self.url = gateway_url.replace("http://", "ws://", 1) + "/chat/socket"
        self.fallback_after_s = fallback_after_s
        self.conversation: Optional[str] = None
        self._ws: Optional[WebSocketClientProtocol] = None

    async def __aenter__(self) -> "WidgetClient":
        self._ws = await connect(self.url, max_size=MAX_FRAME_BYTES)
        return self

    async def __aexit__(self, *_: Any) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def _frame(self) -> Any:
        assert self._ws is not None, "use WidgetClient as an async context manager"
        return json.loads(await asyncio.wait_for(self._ws.recv(), REPLY_TIMEOUT_S))

    async def start(self) -> str:
        """Begins a new conversation and returns its id."""
        assert self._ws is not None, "use WidgetClient as an async context manager"
        await self._ws.send(json.dumps({"type": "start"}))
        data = await self._frame()
        if data.get("type") != "started":
            raise RuntimeError(f"The gateway did not start a conversation: {data.get('code', data.get('type'))}")
        self.conversation = str(data["conversation"])
        return self.conversation

    async def say(self, text: str) -> Turn:
        """Sends `text` and reads frames until the assistant stops typing."""
        assert self._ws is not None, "use WidgetClient as an async context manager"
        fallback = set(unavailable_messages(text))
        turn = Turn()
        sent_at = time.monotonic()
        await self._ws.send(json.dumps({"type": "message", "text": text}))
        try:
            while True:
                data = await self._frame()
                if data["type"] == "bot":
                    elapsed = time.monotonic() - sent_at
                    if turn.first_reply_seconds is None:
                        turn.first_reply_seconds = elapsed
                    if data["text"] in fallback and elapsed >= self.fallback_after_s:
                        turn.fallbacks += 1
                    else:
                        turn.answers.append(data["text"])
                elif data["type"] == "typing" and data["on"] is False:
                    break
                elif data["type"] == "error":
                    turn.error = str(data["code"])
                    break
        except asyncio.TimeoutError:
            turn.error = "timeout"
        turn.seconds = time.monotonic() - sent_at
        return turn


async def say_to_rasa(session: aiohttp.ClientSession, rasa_url: str, sender: str, text: str) -> Turn:
    """The same turn straight at Rasa's REST channel, as the gateway sends it."""
    turn = Turn()
    sent_at = time.monotonic()
    try:
        async with session.post(rasa_url + REST_WEBHOOK, json={"sender": sender, "message": text}) as response:
            replies = await response.json() if response.status == 200 else None
            if replies is None:
                turn.error = f"http {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        turn.error = type(error).__name__
        replies = None
    turn.seconds = turn.first_reply_seconds = time.monotonic() - sent_at
    if isinstance(replies, list):
        turn.answers = [str(reply.get("text", "")) for reply in replies if isinstance(reply, dict)]
    return turn
