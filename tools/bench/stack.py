"""The real stack (gateway + Rasa + action server, via scripts/run) on free loopback ports.

Shared by the load benchmark (`python -m tools.bench.load`) and the end-to-end tests (tests/e2e/), so
both measure and test the processes exactly as `make run` starts them. It runs with its own SQLite
file, so it never disturbs a running `make run` or another stack.
"""

import logging
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import requests

from bot.settings import ROOT
from tools.bench import free_port

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 240
RASA_SERVER_MARK = "--enable-api"
"""Only the `rasa run` server's command line has it (the action server's is `rasa run actions`)."""
RASA_LOG_TIME = r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) INFO +"
MODEL_LOADING = re.compile(RASA_LOG_TIME + r"rasa\.core\.processor +- Loading model", re.MULTILINE)
SERVER_UP = re.compile(RASA_LOG_TIME + r"root +- Rasa server is up and running", re.MULTILINE)


def model_load_seconds(log: str) -> Optional[float]:
    """How long the Rasa server took from starting to load its model to serving, from its log lines
    (whole seconds), or None if the log doesn't show both."""
    loading, up = MODEL_LOADING.search(log), SERVER_UP.search(log)
    if loading is None or up is None:
        return None
    started, ready = (datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S") for match in (loading, up))
    return (ready - started).total_seconds()


class StackError(RuntimeError):
    """The stack exited early or did not become ready in time."""


@dataclass
class Stack:
    """A running stack's addresses, token and files."""

    rasa_url: str
    actions_url: str
    gateway_url: str
    token: str
    log: Path
    db: Path
    actions_secret: str = ""
    process: Optional["subprocess.Popen[bytes]"] = None

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

    def rasa_pid(self) -> Optional[int]:
        """The `rasa run` server's process id (scripts/run starts it in the stack's process group)."""
        if self.process is None:
            return None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.getpgid(int(entry.name)) != self.process.pid:
                    continue
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, ProcessLookupError):
                continue
            if RASA_SERVER_MARK.encode() in command:
                return int(entry.name)
        return None

    def ready(self) -> bool:
        """Rasa has loaded its model and all three processes answer."""
        try:
            status = requests.get(f"{self.rasa_url}/status", params={"token": self.token}, timeout=2)
            actions = requests.get(f"{self.actions_url}/health", timeout=2)
            gateway = requests.get(f"{self.gateway_url}/health", timeout=2)
        except requests.RequestException:
            return False
        return status.ok and bool(status.json().get("model_file")) and actions.ok and gateway.ok


def start_stack(work: Path, model: Path, env: Optional[Mapping[str, str]] = None) -> Stack:
    """Starts scripts/run in `work` (its log and SQLite file live there) and waits until it is ready.
    `env` adds to or overrides the environment (e.g. a looser rate limit for a benchmark)."""
    work.mkdir(parents=True, exist_ok=True)
    rasa_port, actions_port, gateway_port = free_port(), free_port(), free_port()
    # A URL-safe token starts with "-" one time in 64, which `rasa run --auth-token TOKEN` once took for an
    # option and refused to start; every stack's token starts with one, so that stays fixed.
    token = "-" + secrets.token_urlsafe(24)
    actions_secret = secrets.token_urlsafe(24)
    database = work / "haven.db"
    stack = Stack(
        f"http://127.0.0.1:{rasa_port}",
        f"http://127.0.0.1:{actions_port}",
        f"http://127.0.0.1:{gateway_port}",
        token,
        work / "stack.log",
        database,
        actions_secret,
    )
    full_env = {
        **os.environ,
        "HAVEN_RASA_PORT": str(rasa_port),
        "HAVEN_ACTIONS_PORT": str(actions_port),
        "HAVEN_GATEWAY_PORT": str(gateway_port),
        "HAVEN_RASA_TOKEN": token,
        "HAVEN_ACTIONS_SECRET": actions_secret,
        "HAVEN_DATABASE_URL": f"sqlite:///{database}",
        "HAVEN_MODEL": str(model),
        **(env or {}),
    }
    with stack.log.open("wb") as log:
        stack.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run")],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_ready(stack)
    except StackError:
        stop_stack(stack)
        raise
    return stack


def _wait_until_ready(stack: Stack) -> None:
    assert stack.process is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise StackError(f"The stack exited early; see {stack.log}:\n{stack.log.read_text()[-3000:]}")
        if stack.ready():
            return
        time.sleep(1)
    raise StackError(f"The stack did not start within {START_TIMEOUT_S} s; see {stack.log}")


def stop_stack(stack: Stack) -> None:
    """Stops every process of the stack (scripts/run stops its children on TERM)."""
    if stack.process is None or stack.process.poll() is not None:
        return
    try:
        os.killpg(stack.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    stack.process.wait(timeout=30)
