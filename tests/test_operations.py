"""The three programs as an operator runs them with HAVEN_LOG_FORMAT=json: a real Rasa server with the trained
model, the real action server and a gateway in front of them. /ready is the gateway's view of Rasa and the
action server; a danger message through the real assistant is counted; every program writes JSON lines."""

import asyncio
import json
import os
import re
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from websockets.legacy.client import connect

from bot.wording import emergency_wording
from tests.conftest import ROOT, start_action_server
from tests.gateway.chat.conftest import start_gateway, stop_gateway
from tests.gateway.test_metrics import JSON_LOGS, json_lines_after_start
from tests.scaleout.conftest import _wait_for_rasa
from tools.bench import free_port

RASA_SDK_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO +rasa_sdk\.(endpoint|executor) +- "
                            r"(Starting action endpoint server|Registered function for|Starting plugins)")
"""What rasa_sdk logs before it starts its plugins, where Haven's code first runs in the action server."""


class Programs(NamedTuple):
    gateway: str
    rasa: "subprocess.Popen[bytes]"
    actions: "subprocess.Popen[bytes]"
    logs: Dict[str, Path]


def _start_rasa(port: int, env: Dict[str, str], log: Path, model: Path) -> "subprocess.Popen[bytes]":
    command = [
        str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.assistant", "run", "--model", str(model),
        "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def programs(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Programs]:
    work = tmp_path_factory.mktemp("operations")
    logs = {name: work / f"{name}.log" for name in ("gateway", "rasa", "actions")}
    token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    actions_port, rasa_port = free_port(), free_port()
    settings = {
        **JSON_LOGS, "HAVEN_DATABASE_URL": f"sqlite:///{work / 'haven.db'}", "HAVEN_RASA_TOKEN": token,
        "HAVEN_ACTIONS_SECRET": secret, "HAVEN_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook",
    }
    actions, _ = start_action_server(actions_port, secret, logs["actions"], **settings)
    rasa = _start_rasa(rasa_port, {**os.environ, **settings}, logs["rasa"], trained_model)
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    gateway = None
    try:
        _wait_for_rasa(rasa_url, token, rasa, logs["rasa"])
        gateway = start_gateway(rasa_url, logs["gateway"], **settings, HAVEN_FALLBACK_AFTER_S="20")
        yield Programs(gateway.base_url, rasa, actions, logs)  # type: ignore[attr-defined]
    finally:
        if gateway is not None:
            stop_gateway(gateway, logs["gateway"])
        _stop(rasa)
        _stop(actions)


def _danger_count(gateway: str) -> float:
    text = requests.get(f"{gateway}/metrics", timeout=10).text
    return next(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                if sample.name == "haven_urgent_answers_total" and sample.labels == {"risk": "danger"})


async def _say(gateway: str, text: str) -> List[str]:
    async with connect(gateway.replace("http", "ws") + "/chat/socket") as ws:
        await ws.send(json.dumps({"type": "message", "text": text}))
        said: List[Dict[str, Any]] = []
        while not (said and said[-1] == {"type": "typing", "on": False}):
            said.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))
    return [frame["text"] for frame in said if frame["type"] == "bot"]


def test_ready_through_the_gateway_and_a_danger_answer_from_rasa_is_counted(programs: Programs) -> None:
    response = requests.get(f"{programs.gateway}/ready", timeout=10)
    assert response.status_code == 200, response.text
    before = _danger_count(programs.gateway)
    texts = asyncio.run(_say(programs.gateway, "he is hitting me"))
    assert texts[0] == emergency_wording(), "the assistant's own answer, not the gateway's fallback"
    assert _danger_count(programs.gateway) == before + 1


def test_every_program_writes_json_lines(programs: Programs) -> None:
    requests.get(f"{programs.gateway}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    time.sleep(1)
    expected = {"gateway": "Starting worker", "rasa": "server is up and running",  # "Rasa" redacted as a name
                "actions": "Action endpoint is up and running"}
    for name, log in programs.logs.items():
        lines = log.read_text(encoding="utf-8").splitlines()
        if name == "actions":
            lines = [line for line in lines if not RASA_SDK_START.match(line)]
        entries = json_lines_after_start(lines)
        assert {entry["process"] for entry in entries} == {name}
        assert any(expected[name] in entry["message"] for entry in entries), f"{name}: {lines[-5:]}"
        assert "hitting" not in log.read_text(encoding="utf-8"), f"a survivor's words in the {name} log"


def test_the_action_server_and_rasa_stopped_are_not_ready(programs: Programs) -> None:
    """Last: it stops them."""
    _stop(programs.actions)
    time.sleep(2.5)
    response = requests.get(f"{programs.gateway}/ready", timeout=10)
    assert (response.status_code, response.json()["failed"]) == (503, ["actions"])
    _stop(programs.rasa)
    time.sleep(2.5)
    assert requests.get(f"{programs.gateway}/ready", timeout=10).json()["failed"] == ["actions", "rasa"]
