"""Logs never keep personal data: every log record's message is redacted when it is created.

Installed by each Haven process at start (the gateway, the action server, and Rasa through the
tracker store). Haven's own code logs no message text at all; this catches what a library might log.
"""

import logging
import threading
from typing import Any

from bot.privacy.redaction import redact

logger = logging.getLogger(__name__)

_inside = threading.local()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """The record with its message redacted (and its arguments folded in, so nothing bypasses it)."""
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


def install() -> None:
    """Redacts every log record created from now on in this process (calling it again changes nothing)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "haven_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.haven_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
