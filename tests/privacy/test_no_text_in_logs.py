"""No log line holds what a survivor wrote, however a library logs it (security review 2026-12-03, finding 3):
a traceback (with chained exceptions), Rasa's structured failure line with the frames' locals, a warning,
an exception nobody caught. tests/e2e/test_private_by_default.py checks the same on a running stack."""

import io
import json
import logging
import sys
import threading
import warnings
from typing import Any, Iterator

import pytest
import structlog
from rasa.shared.utils.io import raise_warning
from rasa.utils.log_utils import configure_structlog

from bot.gateway.chat.protocol import KIND_ERRORS, ClientFrame, ProtocolError, parse_frame
from bot.privacy import log_redaction

WORDS = "he keeps the spare key under the heron statue by the quillowick shed"
MARKER = "quillowick"
"""A word no log line has any other reason to hold (not a name or a number, which redaction may catch)."""


@pytest.fixture
def hygiene() -> Iterator[None]:
    """log_redaction.install() for one test; everything it changes is put back afterwards."""
    saved = (logging.getLogRecordFactory(), warnings.formatwarning, sys.excepthook, threading.excepthook)
    structlog_config = structlog.get_config()
    log_redaction.install()
    yield
    logging.setLogRecordFactory(saved[0])
    warnings.formatwarning, sys.excepthook, threading.excepthook = saved[1:]
    structlog.configure(**structlog_config)


def _parse(text: str) -> int:
    return int(text)  # its ValueError quotes the text


def _fail_quoting(text: str) -> None:
    try:
        _parse(text)
    except ValueError as error:
        raise RuntimeError(f"could not handle {text!r}") from error


class _FormatsExceptionItself(logging.Formatter):
    """A formatter that formats `exc_info` itself, as a JSON formatter might, rather than using `exc_text`."""

    def format(self, record: logging.LogRecord) -> str:
        formatted = record.getMessage()
        return formatted + (self.formatException(record.exc_info) if record.exc_info else "")


def _logged_failure(formatter: logging.Formatter) -> str:
    """What a library's `logger.exception` writes, through `formatter`, when handling WORDS failed."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    library = logging.getLogger("some.library")
    library.addHandler(handler)
    try:
        _fail_quoting(WORDS)
    except RuntimeError:
        library.exception("Handling a message failed.")
    finally:
        library.removeHandler(handler)
    return out.getvalue()


def test_a_traceback_keeps_its_frames_and_types_but_no_message(hygiene: None) -> None:
    logged = _logged_failure(logging.Formatter())
    assert MARKER not in logged
    assert "Handling a message failed." in logged
    assert "in _parse" in logged and "in _fail_quoting" in logged, "where it failed is kept"
    assert "ValueError" in logged and "RuntimeError" in logged and "direct cause" in logged


def test_a_formatter_that_formats_the_exception_itself_gets_none_to_format(hygiene: None) -> None:
    logged = _logged_failure(_FormatsExceptionItself())
    assert logged.startswith("Handling a message failed.")
    assert MARKER not in logged


def _turn_failing(text: str) -> None:
    """What rasa/core/channels/rest.py does when a turn fails, with the text in a local variable."""
    try:
        _parse(text)
    except ValueError:
        structlog.get_logger().exception("rest.message.received.failure", text=text)


def test_rasa_structured_failure_line_keeps_neither_the_text_nor_the_frames_locals(
    hygiene: None, caplog: pytest.LogCaptureFixture
) -> None:
    configure_structlog(logging.INFO)  # as Rasa's command line does: JSON lines with locals in tracebacks
    log_redaction.withhold_structlog_fields()  # as python -m bot.assistant does right after
    with caplog.at_level(logging.INFO):
        _turn_failing(WORDS)
    assert "rest.message.received.failure" in caplog.text
    assert "ValueError" in caplog.text and "_turn_failing" in caplog.text
    assert MARKER not in caplog.text


def test_withholding_twice_adds_the_processor_once(hygiene: None) -> None:
    log_redaction.withhold_structlog_fields()
    processors = structlog.get_config()["processors"]
    assert processors.count(log_redaction.withhold_fields) == 1


def test_a_warning_quoting_a_message_is_logged_without_it(hygiene: None, caplog: pytest.LogCaptureFixture) -> None:
    logging.captureWarnings(True)
    try:
        with warnings.catch_warnings(), caplog.at_level(logging.WARNING):
            warnings.simplefilter("always")
            raise_warning(f"Failed to parse arguments in line '/{WORDS}'.")  # Rasa, on a message starting "/"
    finally:
        logging.captureWarnings(False)
    assert "UserWarning" in caplog.text
    assert MARKER not in caplog.text


def test_an_exception_nobody_caught_is_logged_without_its_message(
    hygiene: None, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        _parse(WORDS)
    except ValueError as error:
        uncaught: Any = error
    with caplog.at_level(logging.CRITICAL):
        sys.excepthook(type(uncaught), uncaught, uncaught.__traceback__)
    assert "nobody caught" in caplog.text and "ValueError" in caplog.text
    assert MARKER not in caplog.text


def _message(text: str) -> object:
    return parse_frame(json.dumps({"type": "message", "text": text}), 32_768, 2000)


@pytest.mark.parametrize("text", [f"{WORDS} \ud800", "\udfff", "half an emoji \ud83d"])
def test_text_utf8_cannot_carry_never_reaches_rasa(text: str) -> None:
    """Rasa failed on a lone surrogate and logged the message: the gateway refuses it, kindly."""
    assert _message(text) == ProtocolError("bad_text")
    assert KIND_ERRORS["bad_text"].startswith("Sorry") and "still in the box" in KIND_ERRORS["bad_text"]


def test_a_whole_emoji_is_text_like_any_other() -> None:
    assert _message("thank you \ud83d\ude00") == ClientFrame("message", text="thank you \U0001f600")
