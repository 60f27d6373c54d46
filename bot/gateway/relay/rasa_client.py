"""The one place that talks HTTP to Rasa: its REST channel (survivor turns, with the conversation id as
sender) and its token-protected HTTP API (handoff: staff messages appended as events, resume, reading a
transcript)."""

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp

logger = logging.getLogger(__name__)

REST_WEBHOOK = "/webhooks/rest/webhook"


class RasaUnavailableError(Exception):
    """Rasa could not be reached, failed, or answered with something that isn't a reply list."""


@dataclass(frozen=True)
class BotMessage:
    """One message from the assistant, as the widget shows it."""

    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    custom: Dict[str, Any] = field(default_factory=dict)
    """A custom payload for the gateway itself (e.g. `{"handoff": "queued"}`), never shown as text."""

    @classmethod
    def from_rasa(cls, reply: Dict[str, Any]) -> Optional["BotMessage"]:
        """Keeps text and well-formed buttons; anything else in a reply is not for the survivor."""
        text = reply.get("text")
        buttons = [
            {"title": str(button["title"]), "payload": str(button["payload"])}
            for button in reply.get("buttons") or []
            if isinstance(button, dict) and button.get("title") and button.get("payload")
        ]
        custom: Dict[str, Any] = reply["custom"] if isinstance(reply.get("custom"), dict) else {}
        if not isinstance(text, str) and not buttons and not custom:
            return None
        return cls(text=text if isinstance(text, str) else "", buttons=buttons, custom=custom)


class RasaClient:
    """Sends survivor messages to Rasa and returns its replies, in order."""

    def __init__(self, base_url: str, timeout_s: float, token: str = "") -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        """Opens the HTTP session (one per gateway process, reused for every message)."""
        self._session = aiohttp.ClientSession(timeout=self.timeout)

    async def close(self) -> None:
        """Closes the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, conversation_id: str, text: str) -> List[BotMessage]:
        """The assistant's replies to `text` in `conversation_id`; raises RasaUnavailableError."""
        replies = await self._call("POST", REST_WEBHOOK, {"sender": conversation_id, "message": text})
        if not isinstance(replies, list):
            raise RasaUnavailableError("Rasa's reply was not a list.")
        return _messages(replies)

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Adds events to the conversation's tracker (staff messages as `bot` events, `resume`)."""
        await self._call("POST", f"/conversations/{conversation_id}/tracker/events", events, api=True)

    async def trigger_intent(self, conversation_id: str, intent: str) -> List[BotMessage]:
        """Runs the assistant as if the survivor had said `intent`; its replies, for the gateway to relay."""
        answer = await self._call("POST", f"/conversations/{conversation_id}/trigger_intent", {"name": intent},
                                  api=True)
        replies = answer.get("messages") if isinstance(answer, dict) else None
        return _messages(replies if isinstance(replies, list) else [])

    async def transcript(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The conversation's events as stored (redacted by the tracker store)."""
        tracker = await self._call("GET", f"/conversations/{conversation_id}/tracker", None, api=True)
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [event for event in events or [] if isinstance(event, dict)]

    async def _call(self, method: str, path: str, body: Any, api: bool = False) -> Any:
        """One request to Rasa; the HTTP API ones carry the token. Raises RasaUnavailableError."""
        if self._session is None:
            raise RasaUnavailableError("The Rasa client is not started.")
        params = {"token": self.token} if api else None
        try:
            async with self._session.request(method, self.base_url + path, json=body, params=params) as response:
                if response.status != 200:
                    raise RasaUnavailableError(f"Rasa answered HTTP {response.status}.")
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailableError(type(error).__name__) from error


def _messages(replies: List[Any]) -> List[BotMessage]:
    return [message for reply in replies if isinstance(reply, dict) and (message := BotMessage.from_rasa(reply))]
