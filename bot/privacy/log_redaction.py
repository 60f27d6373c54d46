"""No log line of any Haven process holds what a survivor wrote (docs/privacy.md).

Installed by each process at start: the gateway (bot/__main__.py), Rasa (bot/assistant/patches.py, and
bot/assistant/__main__.py once Rasa has set up its structured logs) and the action server (actions/guard.py).
Haven's own code logs no message text; libraries do, in four ways, each covered:
- a log record's message: personal data in it is redacted (bot/privacy/redaction.py);
- an exception's traceback: it keeps its frames and each exception's type, never the exception's message
  or any local variable. A library's exception can quote the text (`int('my name is ...')`, an action
  server's error answer quoting the whole conversation). The record carries it ready formatted
  (`exc_text`, which every formatter appends) and no longer the exception itself, so no formatter can
  format it again with its message;
- Rasa's structured log lines (structlog): only fields known to hold no text are kept; Rasa puts the
  message in `text` when a turn fails, and renders the frames' local variables with the traceback;
- a warning: written as its category and place, without its text, whether printed or logged (Rasa's
  warning about a message that starts with "/" quotes the whole message). An exception nobody caught is
  logged like any other.
"""

import logging
import sys
import threading
import traceback
import warnings
from types import TracebackType
from typing import Any, Iterator, MutableMapping, Optional, Tuple, Type

import structlog

from bot.privacy.redaction import redact

logger = logging.getLogger(__name__)

ExcInfo = Tuple[Type[BaseException], BaseException, Optional[TracebackType]]
WITHHELD = "[withheld]"
"""What a structured log field that may hold a survivor's words shows instead."""
STRUCTLOG_FIELDS_KEPT = frozenset(
    {"event", "event_key", "event_info", "level", "log_level", "timestamp", "logger", "filename", "url", "host",
     "action_name", "topic", "key", "placeholder_key"}
)
"""Rasa's structured fields that name what happened, never what was said. Numbers and flags are kept too."""
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"
NO_MESSAGE = " (its message is not logged: it may quote what a survivor wrote)\n"

_inside = threading.local()


def _type_name(kind: Optional[Type[BaseException]]) -> str:
    if kind is None:
        return "Exception"
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _traceback_lines(error: traceback.TracebackException) -> Iterator[str]:
    if error.__cause__ is not None:
        yield from _traceback_lines(error.__cause__)
        yield CAUSE
    elif error.__context__ is not None and not error.__suppress_context__:
        yield from _traceback_lines(error.__context__)
        yield CONTEXT
    if error.stack:
        yield "Traceback (most recent call last):\n"
        yield from error.stack.format()
    yield _type_name(error.exc_type) + NO_MESSAGE


def traceback_without_text(exc_info: ExcInfo) -> str:
    """The traceback as Python prints it (chained exceptions too), without messages or local variables."""
    error = traceback.TracebackException(*exc_info, capture_locals=False)
    return "".join(_traceback_lines(error)).rstrip("\n")


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message redacted (and its arguments folded in, so nothing bypasses it), and its
    traceback, if any, formatted without text in place of the exception."""
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = traceback_without_text(record.exc_info)
    record.exc_info = None
    if getattr(_inside, "redacting", False):
        return record  # a record logged by the redactor itself while it loads: no survivor text
    _inside.redacting = True
    try:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
    except (TypeError, ValueError):
        logger.debug("A log record whose message could not be formatted was left as it is.")
    finally:
        _inside.redacting = False
    return record


def _exc_info(value: Any) -> Optional[ExcInfo]:
    """structlog's `exc_info` field (an exception, a tuple, or True for the one being handled) as a tuple."""
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple):
        return value if value[1] is not None else None
    return sys.exc_info() if value and sys.exc_info()[1] is not None else None  # type: ignore[return-value]


def withhold_fields(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor, first in the chain: every field that may hold text is withheld, and an exception
    is rendered without text. `exc_info` is left False, so no later processor renders it again with locals."""
    exc_info = _exc_info(event_dict.pop("exc_info", None))
    for key, value in event_dict.items():
        if key not in STRUCTLOG_FIELDS_KEPT and not isinstance(value, int | float | type(None)):
            event_dict[key] = WITHHELD
    if exc_info is not None:
        event_dict["exception"] = traceback_without_text(exc_info)
    event_dict["exc_info"] = False
    return event_dict


def withhold_structlog_fields() -> None:
    """Puts `withhold_fields` first in structlog's processors. Rasa sets its own when its command line starts,
    so its entry point calls this again right after (calling it twice changes nothing)."""
    processors = list(structlog.get_config()["processors"])
    if processors[:1] != [withhold_fields]:
        structlog.configure(processors=[withhold_fields, *processors])


def format_warning_without_text(
    message: Any, category: Type[Warning], filename: str, lineno: int, line: Optional[str] = None
) -> str:
    """Replaces `warnings.formatwarning`, which both printing a warning and logging it use (and Rasa's own
    warnings wrap): where and what kind of warning, not its text."""
    return f"{filename}:{lineno}: {category.__name__} (its text is not logged: it may quote what a survivor wrote)\n"


def _log_uncaught(kind: Type[BaseException], error: BaseException, trace: Optional[TracebackType]) -> None:
    logger.critical("An exception nobody caught stopped this process.", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        logger.critical("An exception nobody caught stopped a thread.",
                        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def install() -> None:
    """Keeps survivors' words out of every log line made from now on in this process (calling it again
    changes nothing)."""
    warnings.formatwarning = format_warning_without_text
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    withhold_structlog_fields()
    previous = logging.getLogRecordFactory()
    if getattr(previous, "haven_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.haven_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
