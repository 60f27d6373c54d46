"""Every frame a client can send gets a frame or a kind error, never an exception."""

import asyncio
import json
from typing import Any, Dict, List, Optional, Union

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.gateway.chat.outbox import MemoryOutbox
from bot.gateway.chat.protocol import (
    KIND_ERRORS,
    MAX_STAFF_SEEN,
    ClientFrame,
    ProtocolError,
    bot_frame,
    error_frame,
    parse_frame,
)
from bot.gateway.chat.socket import SurvivorSocket
from bot.gateway.relay.rasa_client import BotMessage
from bot.settings import Settings

MAX_BYTES, MAX_CHARS = 32_768, 2000


def _parse(raw: object) -> object:
    return parse_frame(raw if isinstance(raw, str | bytes) else json.dumps(raw), MAX_BYTES, MAX_CHARS)


def test_valid_frames() -> None:
    assert _parse({"type": "start"}) == ClientFrame("start")
    assert _parse({"type": "message", "text": "hello"}) == ClientFrame("message", text="hello")
    assert _parse({"type": "resume", "conversation": "a" * 32}) == ClientFrame("resume", conversation="a" * 32)
    assert _parse({"type": "end"}) == ClientFrame("end")


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "bad_message"),
        (b"\xff\xfe\x00", "bad_message"),
        ("[1, 2]", "bad_message"),
        ("null", "bad_message"),
        ({"type": "launch_missiles"}, "bad_message"),
        ({"type": "message", "text": 42}, "bad_message"),
        ({"type": "message"}, "bad_message"),
        ({"type": "message", "text": "   "}, "empty"),
        ({"type": "message", "text": "x" * (MAX_CHARS + 1)}, "too_long"),
        ({"type": "resume", "conversation": "../../etc/passwd"}, "bad_conversation"),
        ({"type": "resume", "conversation": "A" * 32}, "bad_conversation"),
        ({"type": "resume", "conversation": "a" * 32 + "\n"}, "bad_conversation"),
        ({"type": "resume", "conversation": "a" * 32, "staff_seen": "3"}, "bad_message"),
        ({"type": "resume", "conversation": "a" * 32, "staff_seen": -1}, "bad_message"),
        ({"type": "resume", "conversation": "a" * 32, "staff_seen": 2.5}, "bad_message"),
        ({"type": "resume", "conversation": "a" * 32, "staff_seen": True}, "bad_message"),
        ({"type": "resume", "conversation": "a" * 32, "staff_seen": MAX_STAFF_SEEN + 1}, "bad_message"),
        ("{" * 40_000, "bad_message"),
    ],
)
def test_bad_frames_get_a_code(raw: object, code: str) -> None:
    assert _parse(raw) == ProtocolError(code)


@pytest.mark.parametrize("seen", [0, 3, MAX_STAFF_SEEN])
def test_a_resume_says_how_many_staff_messages_the_widget_has_shown(seen: int) -> None:
    parsed = _parse({"type": "resume", "conversation": "a" * 32, "staff_seen": seen})
    assert parsed == ClientFrame("resume", conversation="a" * 32, staff_seen=seen)


@pytest.mark.parametrize("char", ["é", "ع", "😀"])
def test_a_full_length_message_in_any_script_fits_in_a_frame(char: str) -> None:
    text = char * MAX_CHARS if len(char.encode("utf-16-le")) == 2 else char * (MAX_CHARS // 2)
    assert _parse({"type": "message", "text": text}) == ClientFrame("message", text=text)


def test_every_error_is_a_kind_sentence_without_blame() -> None:
    for code, text in KIND_ERRORS.items():
        assert json.loads(error_frame(code)) == {"type": "error", "code": code, "text": text}
        assert "invalid" not in text.lower() and text.startswith(("Sorry", "It looks like"))


def test_bot_frames_carry_text_and_buttons_as_data() -> None:
    sent = json.loads(bot_frame("<b>hi</b>", [{"title": "Yes", "payload": "/affirm"}]))
    assert sent == {"type": "bot", "text": "<b>hi</b>", "buttons": [{"title": "Yes", "payload": "/affirm"}]}


# ---- properties: nothing a client sends can crash the gateway or reach the survivor as a stack trace ----

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
FRAMES = st.fixed_dictionaries(
    {"type": st.sampled_from(["start", "resume", "message", "end", "", "MESSAGE"])},
    optional={"text": JSON_VALUES, "conversation": JSON_VALUES, "staff_seen": JSON_VALUES},
)
GATEWAY_TYPES = {"started", "resumed", "typing", "bot", "error", "ended"}


def _outcome_is_clean(parsed: object) -> None:
    assert isinstance(parsed, ClientFrame | ProtocolError)
    if isinstance(parsed, ProtocolError):
        assert parsed.code in KIND_ERRORS


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300) | st.text(max_size=300))
def test_any_bytes_or_text_parse_to_a_frame_or_a_kind_error(raw: Union[bytes, str]) -> None:
    _outcome_is_clean(parse_frame(raw, MAX_BYTES, MAX_CHARS))


@settings(max_examples=300, deadline=None)
@given(frame=FRAMES)
def test_any_json_shaped_frame_parses_to_a_frame_or_a_kind_error(frame: Dict[str, Any]) -> None:
    _outcome_is_clean(_parse(frame))


def test_deeply_nested_json_is_a_kind_error_not_a_crash() -> None:
    assert _parse("[" * 30_000) == ProtocolError("bad_message")
    assert _parse('{"a":' * 10_000) == ProtocolError("bad_message")


class _Socket:
    """A WebSocket stand-in: hands over the given frames, records what the gateway sends back."""

    def __init__(self, frames: List[Union[bytes, str]]) -> None:
        self.frames = list(frames)
        self.sent: List[str] = []

    async def recv(self) -> Optional[Union[bytes, str]]:
        return self.frames.pop(0) if self.frames else None

    async def send(self, text: str) -> None:
        self.sent.append(text)


class _Rasa:
    async def send(self, conversation: str, text: str) -> List[BotMessage]:
        return [BotMessage(text="an answer")]


@settings(max_examples=150, deadline=None)
@given(frames=st.lists(st.binary(max_size=100) | st.text(max_size=100) | FRAMES.map(json.dumps), max_size=6))
def test_the_socket_answers_any_sequence_of_frames_with_clean_frames(frames: List[Union[bytes, str]]) -> None:
    ws = _Socket(frames)
    survivor = SurvivorSocket(ws, _Rasa(), Settings(), MemoryOutbox())  # type: ignore[arg-type]
    asyncio.new_event_loop().run_until_complete(survivor.serve())
    for sent in ws.sent:
        answer = json.loads(sent)
        assert answer["type"] in GATEWAY_TYPES
        assert "Traceback" not in sent and "Error" not in answer.get("text", "")
