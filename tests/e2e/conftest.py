"""Starts the real stack (gateway + Rasa + action server, via scripts/run) once per test session.

It runs on spare ports with its own SQLite file, so it never disturbs a running `make run`
(tools/bench/stack.py, shared with the load benchmark).
"""

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from tools.bench.stack import Stack, StackError, start_stack, stop_stack

PERSONAL_DATA_SENT = ("900123", "Acacia")
"""Sent by the tests (a phone number, a street): never in any process's log."""


NEUTRAL_PAGE = b"<!doctype html><html lang='en'><head><title>Weather</title></head><body><h1>Weather</h1></body></html>"


class _NeutralPage(BaseHTTPRequestHandler):
    """Stands in for the neutral site quick exit goes to (BBC Weather by default): no network in tests."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(NEUTRAL_PAGE)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NeutralPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/weather"
    server.shutdown()


@pytest.fixture(scope="session")
def stack(trained_model: Path, neutral_site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        stack = start_stack(tmp_path_factory.mktemp("stack"), trained_model, {"HAVEN_EXIT_URL": neutral_site})
    except StackError as error:
        pytest.fail(str(error))
    try:
        yield stack
    finally:
        stop_stack(stack)
    logged = stack.log.read_text(errors="replace")
    for personal in PERSONAL_DATA_SENT:
        assert personal not in logged, f"{personal!r} reached the logs of gateway, Rasa or actions"


@pytest.fixture
def sender() -> str:
    """A fresh, unguessable conversation id per test."""
    return uuid.uuid4().hex
