"""Starts the real stack (gateway + Rasa + action server, via scripts/run) once per test session.

It runs on spare ports with its own SQLite file, so it never disturbs a running `make run`.
"""

import os
import secrets
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import requests

from bot.bench import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 240
PERSONAL_DATA_SENT = ("900123", "Acacia")
"""Sent by the tests (a phone number, a street): never in any process's log."""



@dataclass
class Stack:
    rasa_url: str
    actions_url: str
    gateway_url: str
    token: str
    log: Path
    db: Path

    def stored_events(self, conversation: str) -> int:
        """How many events the tracker store holds for `conversation`."""
        with sqlite3.connect(self.db) as connection:
            row = connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (conversation,)).fetchone()
        return int(row[0])

    def say(self, sender: str, message: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return list(response.json())

    def texts(self, sender: str, message: str) -> List[str]:
        return [str(reply.get("text", "")) for reply in self.say(sender, message)]

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = requests.get(
            f"{self.rasa_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        return dict(response.json())


def _wait_until_ready(stack: Stack, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The stack exited early; see {stack.log}:\n{stack.log.read_text()[-3000:]}")
        try:
            status = requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=2)
            actions = requests.get(f"{stack.actions_url}/health", timeout=2)
            gateway = requests.get(f"{stack.gateway_url}/health", timeout=2)
            if status.ok and status.json().get("model_file") and actions.ok and gateway.ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"The stack did not start within {START_TIMEOUT_S} s; see {stack.log}")


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
    work = tmp_path_factory.mktemp("stack")
    rasa_port, actions_port, gateway_port = free_port(), free_port(), free_port()
    token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "HAVEN_RASA_PORT": str(rasa_port),
        "HAVEN_ACTIONS_PORT": str(actions_port),
        "HAVEN_GATEWAY_PORT": str(gateway_port),
        "HAVEN_EXIT_URL": neutral_site,
        "HAVEN_RASA_TOKEN": token,
        "HAVEN_DATABASE_URL": f"sqlite:///{work / 'haven.db'}",
        "HAVEN_MODEL": str(trained_model),
    }
    stack = Stack(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{actions_port}",
        f"http://127.0.0.1:{gateway_port}",
        token,
        work / "stack.log",
        work / "haven.db",
    )
    with stack.log.open("wb") as log:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "run")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ready(stack, process)
        yield stack
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    logged = stack.log.read_text(errors="replace")
    for personal in PERSONAL_DATA_SENT:
        assert personal not in logged, f"{personal!r} reached the logs of gateway, Rasa or actions"


@pytest.fixture
def sender() -> str:
    """A fresh, unguessable conversation id per test."""
    return uuid.uuid4().hex
