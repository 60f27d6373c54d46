"""Every frame a client can send gets a frame or a kind error, never an exception."""

import json

import pytest

from bot.chat.protocol import KIND_ERRORS, ClientFrame, ProtocolError, bot_frame, error_frame, parse_frame

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
        ("{" * 40_000, "bad_message"),
    ],
)
def test_bad_frames_get_a_code(raw: object, code: str) -> None:
    assert _parse(raw) == ProtocolError(code)


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
