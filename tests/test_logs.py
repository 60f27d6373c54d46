"""bot/logs.py: the JSON line's fields, that it writes the record as redaction left it, and that JSON mode takes
the console back from handlers a library added. (Each program's own log: tests/test_operations.py.)"""

import contextvars
import io
import json
import logging
import sys
import warnings
from typing import Any, Dict, Iterator

import pytest

from bot import logs
from bot.privacy.log_redaction import redact_record

JSON_ENV = {logs.LOG_FORMAT_VARIABLE: "JSON"}


def record(message: str, *args: Any, exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("bot.gateway.test", logging.WARNING, __file__, 1, message, args, exc_info)


def formatted(entry: logging.LogRecord, process: str = "gateway") -> Dict[str, Any]:
    line = logs.JsonFormatter(process).format(entry)
    assert "\n" not in line, "one line per record"
    return dict(json.loads(line))


def test_a_line_has_the_fields_an_operator_ships() -> None:
    entry = formatted(record("Rasa answered HTTP %d.", 500))
    assert entry["level"] == "WARNING" and entry["process"] == "gateway" and entry["logger"] == "bot.gateway.test"
    assert entry["message"] == "Rasa answered HTTP 500."
    assert entry["timestamp"].endswith("+00:00") and "T" in entry["timestamp"]
    assert "request_id" not in entry, "none outside a request"


def test_a_request_id_is_on_every_line_of_its_request_and_only_there() -> None:
    def in_a_request() -> str:
        request_id = logs.new_request_id()
        assert formatted(record("one"))["request_id"] == request_id
        return request_id

    first = contextvars.copy_context().run(in_a_request)
    second = contextvars.copy_context().run(in_a_request)
    assert first != second and len(first) == 12
    assert "request_id" not in formatted(record("outside"))


def test_an_exception_stays_inside_the_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        entry = formatted(record("failed", exc_info=sys.exc_info()))
    assert "ValueError: boom" in entry["exception"]


def test_an_exception_is_written_as_log_redaction_left_it_without_its_message() -> None:
    """log_redaction keeps only the text-free traceback (exc_text): the JSON line writes that, never the error."""
    survivor_text = "my name is Sarah and he hit me"
    try:
        raise ValueError(survivor_text)  # the traceback shows this source line: the name must not be in it
    except ValueError:
        redacted = redact_record(record("failed", exc_info=sys.exc_info()))
    entry = formatted(redacted)
    assert "ValueError" in entry["exception"] and "Traceback" in entry["exception"]
    assert "Sarah" not in json.dumps(entry) and "hit me" not in json.dumps(entry)


def test_the_line_says_what_redaction_left_like_the_plain_line() -> None:
    """Redaction happens when a record is created (log_redaction's factory); the formatter adds nothing back."""
    redacted = redact_record(record("Call me on %s", "07700 900123"))
    assert "900123" not in formatted(redacted)["message"]
    assert formatted(redacted)["message"] == logging.Formatter("%(message)s").format(redacted)


def test_only_the_three_programs_name_themselves() -> None:
    with pytest.raises(ValueError):
        logs.JsonFormatter("purge")


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Each test's changes to the logging set-up are undone."""
    root = logging.getLogger()
    handlers, level, last_resort = list(root.handlers), root.level, logging.lastResort
    library = logging.getLogger("haven.test.library")
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.lastResort = last_resort
    library.handlers.clear()
    library.propagate = True
    logging.captureWarnings(False)


@pytest.mark.usefixtures("clean_logging")
def test_json_mode_takes_the_console_back_from_a_library(capsys: pytest.CaptureFixture[str]) -> None:
    library = logging.getLogger("haven.test.library")
    library.addHandler(logging.StreamHandler(sys.stdout))  # as Sanic does for its own loggers
    library.setLevel(logging.INFO)
    logs.configure_logging("rasa", JSON_ENV)
    library.info("Starting worker [1]")
    captured = capsys.readouterr()
    assert captured.out == "", "the library's own console handler is gone"
    line = [line for line in captured.err.splitlines() if "Starting worker" in line]
    assert len(line) == 1 and json.loads(line[0])["process"] == "rasa"
    consoles = [handler for handler in logging.getLogger().handlers if isinstance(handler, logging.StreamHandler)
                and getattr(handler, "stream", None) is sys.stderr]
    assert len(consoles) == 1 and isinstance(consoles[0].formatter, logs.JsonFormatter)


@pytest.mark.usefixtures("clean_logging")
def test_json_mode_formats_warnings_and_the_last_resort_too(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("actions", JSON_ENV)
    assert logging.lastResort is not None and isinstance(logging.lastResort.formatter, logs.JsonFormatter)
    assert logging.lastResort.level == logging.WARNING
    stream = io.StringIO()
    logging.lastResort.setStream(stream)
    quiet = logging.getLogger("haven.test.library")
    quiet.propagate = False
    quiet.warning("no handler of its own")
    assert json.loads(stream.getvalue())["message"] == "no handler of its own"
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("an old API", DeprecationWarning, stacklevel=1)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    # Once log redaction is installed (bot/privacy/log_redaction.py) a warning keeps its kind, not its text.
    assert [entry["logger"] for entry in lines if "DeprecationWarning" in entry["message"]] == ["py.warnings"]


def test_plain_text_stays_the_default() -> None:
    assert not logs.json_wanted({})
    assert not logs.json_wanted({logs.LOG_FORMAT_VARIABLE: "text"})
    assert logs.json_wanted({logs.LOG_FORMAT_VARIABLE: " Json "})
