"""`make shell` (scripts/shell) runs a second Rasa whose REST channel has no authentication: it listens on
loopback only, and what is typed to it stays out of the survivors' database (security review 2026-12-03,
finding 16). The real script, with the trained model and an action server of its own."""

import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import List, Set

import requests

from tests.conftest import ROOT
from tools.bench import free_port

START_TIMEOUT_S = 300
LOOPBACK_HEX = "0100007F"
"""127.0.0.1 as /proc/net/tcp writes it."""
LISTEN = "0A"


def _listening_addresses(port: int) -> List[str]:
    """The local addresses (hex, as /proc/net/tcp and tcp6 write them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].rpartition(":")
            if int(hex_port, 16) == port and fields[3] == LISTEN:
                found.append(address)
    return found


def _shell_stores() -> Set[Path]:
    return set((ROOT / "var").glob("shell.*"))


def _events_of(database: Path, sender: str) -> int:
    with sqlite3.connect(database) as connection:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
            return 0
        return int(connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0])


def _answer(url: str, sender: str, shell: "subprocess.Popen[bytes]", log: Path) -> list:
    """The shell Rasa's answer to "hello", once it has loaded its model."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert shell.poll() is None, f"make shell stopped:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            reply = requests.post(url, json={"sender": sender, "message": "hello"}, timeout=30)
            return list(reply.json())
        except requests.RequestException:
            time.sleep(2)
    raise AssertionError(f"make shell did not answer within {START_TIMEOUT_S} s")


def test_the_shell_listens_on_loopback_and_keeps_its_chat_out_of_the_survivors_database(
    trained_model: Path, tmp_path: Path
) -> None:
    port, survivors = free_port(), tmp_path / "haven.db"
    env = {
        **os.environ,
        "HAVEN_SHELL_PORT": str(port),
        "HAVEN_ACTIONS_PORT": str(free_port()),
        "HAVEN_ACTIONS_SECRET": uuid.uuid4().hex,
        "HAVEN_DATABASE_URL": f"sqlite:///{survivors}",
        "HAVEN_MODEL": str(trained_model),
    }
    sender, stores_before, log = uuid.uuid4().hex, _shell_stores(), tmp_path / "shell.log"
    with log.open("wb") as out:
        shell = subprocess.Popen(
            [str(ROOT / "scripts" / "shell")], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        assert _answer(f"http://127.0.0.1:{port}/webhooks/rest/webhook", sender, shell, log), "the shell answers"
        assert set(_listening_addresses(port)) == {LOOPBACK_HEX}, "only 127.0.0.1, never every interface"
        assert _events_of(survivors, sender) == 0, "the shell's chat is not stored with the survivors'"
        own_stores = _shell_stores() - stores_before
        assert own_stores, "the shell keeps its chat in a store of its own under var/"
    finally:
        os.killpg(shell.pid, signal.SIGTERM)
        shell.wait(timeout=60)
    assert not own_stores & _shell_stores(), "the shell's own store is deleted when it ends"
