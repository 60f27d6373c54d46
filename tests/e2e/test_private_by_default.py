"""What a survivor tells Haven stays out of every log, and nobody else on the machine can read it or the
secrets that guard it: the real stack, as `make run` starts it (security review 2026-12-03, findings 3, 4).

Failures are driven in each process with a survivor's message carrying a word nothing else would log:
Rasa failing on the message (a lone surrogate) and warning about one that starts with "/", an action
failing on it (through Rasa, and called directly), and the gateway refusing it (a lone surrogate, bytes
that are not UTF-8, too long). Then every log file the stack wrote is searched for that word.
"""

import asyncio
import json
import os
import secrets
import stat
import string
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
from websockets.client import connect

from actions.guard import SECRET_HEADER
from bot.settings import ROOT
from tools.bench.stack import Stack

MARKER = "quillowick" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
"""Letters only, lower case: no redaction pattern (a number, a name) would hide it, only not logging it."""
WORDS = f"he keeps the spare key under the heron statue by the {MARKER} shed"
LONE_SURROGATE = "\ud800"
NOT_UTF8 = b"\xff\xfe"
FRAME_WAIT_S = 15


def _tracker_call(sender: str) -> Dict[str, Any]:
    """An action call as Rasa makes it, for "show more" in a conversation whose slot holds the words."""
    latest = {"text": "show me more", "intent": {"name": "show_more", "confidence": 1.0}, "entities": []}
    return {
        "next_action": "action_find_services",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"services_shown": WORDS, "location": "leeds"},
            "latest_message": latest,
            "events": [{"event": "user", "text": WORDS}, {"event": "user", "text": "show me more"}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _rasa_fails_and_warns(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    assert stack.say(sender, f"{WORDS} {LONE_SURROGATE}") == [], "Rasa failed on the message"
    stack.say(sender, f"/{WORDS}")
    stack.say(sender, '/greet{"place": "' + WORDS + '"')


def _an_action_fails_through_rasa(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.say(sender, f"{WORDS}, is there help in leeds")
    slots = [{"event": "slot", "name": "services_shown", "value": WORDS}, {"event": "slot", "name": "location",
                                                                          "value": "leeds"}]
    added = requests.post(
        f"{stack.rasa_url}/conversations/{sender}/tracker/events", params={"token": stack.token}, json=slots, timeout=30
    )
    added.raise_for_status()
    stack.say(sender, "/show_more")  # int(the slot) fails in action_find_services


def _an_action_fails_when_called(stack: Stack) -> int:
    call = _tracker_call(uuid.uuid4().hex)
    headers = {SECRET_HEADER: stack.actions_secret}
    return requests.post(f"{stack.actions_url}/webhook", json=call, headers=headers, timeout=30).status_code


async def _error_code(ws: Any, frame: Any) -> str:
    await ws.send(frame)
    while True:
        answer = json.loads(await asyncio.wait_for(ws.recv(), FRAME_WAIT_S))
        if answer["type"] == "error":
            return str(answer["code"])


async def _gateway_refuses(stack: Stack) -> List[str]:
    async with connect(stack.gateway_url.replace("http://", "ws://") + "/chat/socket") as ws:
        await ws.send(json.dumps({"type": "start"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), FRAME_WAIT_S))["type"] == "started"
        return [
            await _error_code(ws, json.dumps({"type": "message", "text": f"{WORDS} {LONE_SURROGATE}"})),
            await _error_code(ws, json.dumps({"type": "message", "text": WORDS}).encode() + NOT_UTF8),
            await _error_code(ws, json.dumps({"type": "message", "text": f"{WORDS} " * 100})),
        ]


def _logs(stack: Stack) -> Dict[str, str]:
    """Every file the stack wrote in its folder except the database: its processes' logs."""
    return {
        path.name: path.read_text(errors="replace")
        for path in stack.log.parent.rglob("*")
        if path.is_file() and not path.name.startswith(stack.db.name)
    }


@pytest.fixture(scope="module")
def logs_after_failures(stack: Stack) -> Dict[str, str]:
    _rasa_fails_and_warns(stack)
    _an_action_fails_through_rasa(stack)
    assert _an_action_fails_when_called(stack) == 500
    assert asyncio.run(_gateway_refuses(stack)) == ["bad_text", "bad_message", "too_long"]
    time.sleep(1)  # every handler flushes each line; this is for the processes' schedulers
    return _logs(stack)


def test_no_log_line_of_any_process_holds_what_the_survivor_wrote(logs_after_failures: Dict[str, str]) -> None:
    everything = "\n".join(logs_after_failures.values())
    assert "rest.message.received.failure" in everything, "Rasa failed on the message, and said so"
    assert "Exception occurred during execution of request" in everything, "the action failed, and said so"
    assert "UserWarning" in everything, "Rasa warned about the messages starting with /"
    leaked = {name: text.count(MARKER) for name, text in logs_after_failures.items() if MARKER in text}
    assert leaked == {}, f"the survivor's words reached {leaked}"


def _stack_processes(stack: Stack) -> Dict[int, bytes]:
    """Every process scripts/run started (its session: start_stack gives it one), with its command line."""
    assert stack.process is not None
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == stack.process.pid:
                    found[int(entry.name)] = (entry / "cmdline").read_bytes()
            except (OSError, ProcessLookupError):
                continue
    return found


def test_no_process_has_a_secret_on_its_command_line(stack: Stack) -> None:
    processes = _stack_processes(stack)
    commands = b"\n".join(processes.values())
    assert b"bot.assistant" in commands and b"actions" in commands and b"-m\x00bot" in commands, "all found"
    for secret in (stack.token, stack.actions_secret):
        assert secret.encode() not in commands, "a secret on a command line: `ps` shows it to every local account"
    status = requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=10)
    assert status.ok, "Rasa has the token all the same"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_var_are_the_owners_only(stack: Stack) -> None:
    stack.say(uuid.uuid4().hex, "hello")  # a write, so the -wal and -shm files exist
    companions = [stack.db.with_name(stack.db.name + suffix) for suffix in ("-wal", "-shm")]
    assert {path.name: _mode(path) for path in [stack.db, *companions]} == {
        path.name: 0o600 for path in [stack.db, *companions]
    }
    assert _mode(ROOT / "var") == 0o700, "var/ (the database, the secrets): nobody else may even list it"
