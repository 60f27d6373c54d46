"""Log lines an operator can ship: plain text (the default) or, with HAVEN_LOG_FORMAT=json, one JSON object
per line, the same shape in the gateway, the Rasa server and the action server.

The JSON formatter only formats: records are redacted when they are created (bot/privacy/log_redaction.py),
so it writes the already-redacted message, exactly what a plain line would say. Libraries (Sanic, Rasa's
coloured logs) add console handlers of their own; in JSON mode `configure_logging` takes the console over
again each time it is called, so every record leaves through one JSON handler. Imports nothing from Sanic,
Rasa or TensorFlow: each process's entry point calls it.
"""

import json
import logging
import os
import secrets
import sys
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Dict, Mapping, Optional, TextIO

LOG_FORMAT_VARIABLE = "HAVEN_LOG_FORMAT"
JSON = "json"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
PROCESSES = frozenset({"gateway", "rasa", "actions"})
REQUEST_ID: ContextVar[Optional[str]] = ContextVar("haven_request_id", default=None)
"""The current HTTP request's or socket frame's id in the gateway: random, never derived from a conversation."""
REQUEST_ID_BYTES = 6


def json_wanted(env: Optional[Mapping[str, str]] = None) -> bool:
    """HAVEN_LOG_FORMAT=json (any case); anything else, or nothing, is plain text."""
    env = os.environ if env is None else env
    return env.get(LOG_FORMAT_VARIABLE, "").strip().lower() == JSON


def new_request_id() -> str:
    """Starts a request (an HTTP request, a socket frame): its log lines share this id, and nothing else does."""
    request_id = secrets.token_hex(REQUEST_ID_BYTES)
    REQUEST_ID.set(request_id)
    return request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp, level, process, logger, message, and the request id if any."""

    def __init__(self, process: str) -> None:
        super().__init__()
        if process not in PROCESSES:
            raise ValueError(f"Unknown process {process!r}: one of {sorted(PROCESSES)}.")
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: Dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": self.process,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_text or record.exc_info:  # the text-free traceback log redaction left, if it ran
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _writes_to_console(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__,
    )


def _json_handler(process: str, level: int = logging.NOTSET) -> "logging.StreamHandler[TextIO]":
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process))
    handler.setLevel(level)
    return handler


def release_library_handlers(env: Optional[Mapping[str, str]] = None) -> None:
    """In JSON mode, console handlers a library put on its own loggers (Sanic's) go: their records reach the
    root's JSON handler instead, or the last-resort one when the library turned propagation off."""
    if not json_wanted(env):
        return
    for candidate in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(candidate, logging.Logger):
            for handler in [handler for handler in candidate.handlers if _writes_to_console(handler)]:
                candidate.removeHandler(handler)


def _take_over_console(process: str) -> None:
    root = logging.getLogger()
    if not root.handlers:
        root.setLevel(logging.INFO)  # as logging.basicConfig would; a level the process set itself stays
    for handler in [handler for handler in root.handlers if _writes_to_console(handler)]:
        root.removeHandler(handler)
    root.addHandler(_json_handler(process))
    release_library_handlers({LOG_FORMAT_VARIABLE: JSON})
    logging.lastResort = _json_handler(process, logging.WARNING)
    logging.captureWarnings(True)


def configure_logging(process: str, env: Optional[Mapping[str, str]] = None) -> None:
    """Plain text as before (a process's own set-up stays), or JSON lines for `process` (gateway, rasa or
    actions); call again after a library has set up logging of its own."""
    if json_wanted(env):
        _take_over_console(process)
    else:
        logging.basicConfig(level=logging.INFO, format=PLAIN_FORMAT)
