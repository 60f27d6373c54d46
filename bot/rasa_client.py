"""The one place that talks HTTP to Rasa: its REST channel, with the conversation id as sender."""

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

    @classmethod
    def from_rasa(cls, reply: Dict[str, Any]) -> Optional["BotMessage"]:
        """Keeps text and well-formed buttons; anything else in a reply is not for the survivor."""
        text = reply.get("text")
        buttons = [
            {"title": str(button["title"]), "payload": str(button["payload"])}
            for button in reply.get("buttons") or []
            if isinstance(button, dict) and button.get("title") and button.get("payload")
        ]
        if not isinstance(text, str) and not buttons:
            return None
        return cls(text=text if isinstance(text, str) else "", buttons=buttons)


class RasaClient:
    """Sends survivor messages to Rasa and returns its replies, in order."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url
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
        if self._session is None:
            raise RasaUnavailableError("The Rasa client is not started.")
        body = {"sender": conversation_id, "message": text}
        try:
            async with self._session.post(self.base_url + REST_WEBHOOK, json=body) as response:
                if response.status != 200:
                    raise RasaUnavailableError(f"Rasa answered HTTP {response.status}.")
                replies = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailableError(type(error).__name__) from error
        if not isinstance(replies, list):
            raise RasaUnavailableError("Rasa's reply was not a list.")
        return [message for reply in replies if isinstance(reply, dict) and (message := BotMessage.from_rasa(reply))]
