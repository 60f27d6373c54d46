"""Parsing survivor frames and building gateway frames (docs/protocol.md).

Every way a frame can be wrong maps to an error code and a kind sentence the widget shows as-is;
nothing a client sends can raise past this module.
"""

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, TypeGuard, Union

from bot.wording import helpline_line

logger = logging.getLogger(__name__)

CONVERSATION_ID = re.compile("[0-9a-f]{32}")
"""A conversation id's shape, matched whole (fullmatch: `$` would let a trailing newline through)."""
CLIENT_TYPES = ("start", "resume", "message", "end", "typing", "cancel_handoff")
MAX_STAFF_SEEN = 100_000
"""More staff messages than any one conversation holds: a larger `staff_seen` is not a count but garbage."""

KIND_ERRORS: Dict[str, str] = {
    "too_long": "Sorry, that message is too long for me. Could you split it into shorter messages? "
    "Your text is still in the box.",
    "too_fast": "Sorry, that was a lot of messages at once. Please wait a few seconds and send it again. "
    "Your text is still in the box.",
    "bad_message": "Sorry, something went wrong sending that. Please try again.",
    "bad_conversation": "Sorry, I couldn't find that conversation, so we're starting a new one.",
    "empty": "It looks like that message was empty. Type your message and send it when you're ready.",
    "bad_text": "Sorry, some characters in that message couldn't be read (perhaps an emoji or a symbol). "
    "Could you send it again without them? Your text is still in the box.",
    "too_many_chats": "Sorry, a lot of chats have been started from this connection, so I can't start a new one "
    "just now. Please try again in a few minutes. " + helpline_line(),
    "too_many_connections": "Sorry, a lot of chats are open from this connection just now, so I can't connect "
    "you at the moment. I'll keep trying. " + helpline_line(),
}


@dataclass(frozen=True)
class ClientFrame:
    """A valid frame from the widget."""

    type: str
    text: str = ""
    conversation: str = ""
    on: bool = False
    staff_seen: Optional[int] = None
    """On `resume`: how many support worker messages the widget has shown (None: it didn't say, no replay)."""


@dataclass(frozen=True)
class ProtocolError:
    """What was wrong with a frame, as an error code from KIND_ERRORS."""

    code: str


def _decode(raw: Union[str, bytes], max_bytes: int) -> Optional[Dict[str, Any]]:
    if len(raw) > max_bytes:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays, e.g. "[[[[..."
        return None
    return data if isinstance(data, dict) else None


def is_conversation_id(value: Any) -> TypeGuard[str]:
    """32 lowercase hex characters and nothing else."""
    return isinstance(value, str) and CONVERSATION_ID.fullmatch(value) is not None


def _is_unicode(text: str) -> bool:
    """Text UTF-8 can carry: a lone surrogate ("\\ud800", which JSON allows) made Rasa fail on the message
    and log it (security review 2026-12-03, finding 3)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_count(value: Any) -> bool:
    """A non-negative int within MAX_STAFF_SEEN (JSON `true` is a bool, not a count)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_STAFF_SEEN


def _message(text: Any, max_chars: int) -> Union[ClientFrame, ProtocolError]:
    """A `message` frame with its text checked."""
    if not isinstance(text, str):
        return ProtocolError("bad_message")
    if not text.strip():
        return ProtocolError("empty")
    if not _is_unicode(text):
        return ProtocolError("bad_text")
    if len(text) > max_chars:
        return ProtocolError("too_long")
    return ClientFrame("message", text=text)


def parse_frame(raw: Union[str, bytes], max_bytes: int, max_chars: int) -> Union[ClientFrame, ProtocolError]:
    """The frame `raw` as a ClientFrame, or the ProtocolError explaining what is wrong."""
    data = _decode(raw, max_bytes)
    if data is None or data.get("type") not in CLIENT_TYPES:
        return ProtocolError("bad_message")
    kind = data["type"]
    if kind == "message":
        return _message(data.get("text"), max_chars)
    if kind == "resume":
        conversation = data.get("conversation")
        if not is_conversation_id(conversation):
            return ProtocolError("bad_conversation")
        staff_seen = data.get("staff_seen")
        if staff_seen is not None and not _is_count(staff_seen):
            return ProtocolError("bad_message")
        return ClientFrame("resume", conversation=conversation, staff_seen=staff_seen)
    if kind == "typing":
        on = data.get("on")
        return ClientFrame("typing", on=on) if isinstance(on, bool) else ProtocolError("bad_message")
    return ClientFrame(kind)


def frame(kind: str, **fields: Any) -> str:
    """A gateway frame as JSON text."""
    return json.dumps({"type": kind, **fields}, ensure_ascii=False)


def error_frame(code: str, **fields: Any) -> str:
    """An error frame with its kind sentence (and any extra fields, such as `retry_after`)."""
    return frame("error", code=code, text=KIND_ERRORS[code], **fields)


def bot_frame(text: str, buttons: Optional[List[Dict[str, str]]] = None) -> str:
    """One assistant message."""
    return frame("bot", text=text, buttons=buttons or [])


def staff_frame(text: str, name: str, sent_at: Any) -> str:
    """One support worker message; `sent_at` (its tracker timestamp) tells the gateway it was shown already."""
    return frame("staff", text=text, name=name, sent_at=sent_at)
