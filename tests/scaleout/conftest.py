"""The scale-out layout in miniature: two gateways, two Rasa instances, one action server, one PostgreSQL
database and one Redis (docs/deployment.md).

Gateway A talks to Rasa 1, gateway B (two Sanic workers) to Rasa 2. Everything shares a PostgreSQL
database of the layout's own (created here, dropped afterwards) and a Redis key prefix of its own: Rasa's
lock store and the gateways' bus and outbox. Started once for the tests of this folder and stopped after
them, the two Rasa processes in parallel (each costs ~1.5 GB and 20–40 s). `two_instances` exposes both
gateways, both Rasa servers and the database: a survivor moving between instances
(test_two_instances.py), and a support worker on the other instance (test_staff_on_other_instance.py).
"""

import json
import os
import secrets
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import requests
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from tests.conftest import ROOT, needs_server, start_action_server
from tests.gateway.chat.conftest import start_gateway, stop_gateway
from tools.bench import free_port

POSTGRES_ADMIN_URL = os.environ.get("HAVEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
RASA_START_TIMEOUT_S = 300

Turn = Tuple[str, List[str]]


@dataclass
class TwoInstances:
    """Addresses of the layout. gateways[i] talks to rasas[i]."""

    gateways: Tuple[str, str]
    rasas: Tuple[str, str]
    token: str
    database_url: str
    redis_url: str
    redis_prefix: str

    def events(self, rasa: str, conversation: str) -> List[Dict[str, Any]]:
        """The conversation's tracker events as Rasa `rasa` reads them from the shared store (its HTTP API)."""
        response = requests.get(
            f"{rasa}/conversations/{conversation}/tracker", params={"token": self.token}, timeout=30
        )
        response.raise_for_status()
        return list(response.json()["events"])

    def transcript(self, rasa: str, conversation: str) -> List[Turn]:
        """Each user message with the assistant's messages that followed it."""
        turns: List[Turn] = []
        for event in self.events(rasa, conversation):
            if event["event"] == "user":
                turns.append((event["text"], []))
            elif event["event"] == "bot" and turns:
                turns[-1][1].append(event["text"])
        return turns


async def open_chat(ws: Any, conversation: Optional[str]) -> str:
    """Starts a conversation, or resumes it as the widget does after a page change."""
    if conversation is None:
        await ws.send(json.dumps({"type": "start"}))
        return str(json.loads(await ws.recv())["conversation"])
    await ws.send(json.dumps({"type": "resume", "conversation": conversation}))
    assert json.loads(await ws.recv()) == {"type": "resumed", "conversation": conversation}
    return conversation


def _admin() -> sa.engine.Engine:
    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_test_database(name: str) -> str:
    """A PostgreSQL database of this module's own, with Rasa's tables made before two Rasas race to."""
    admin = _admin()
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        needs_server(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({type(error.orig).__name__})")
    finally:
        admin.dispose()
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()
    return url


def drop_test_database(name: str) -> None:
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _start_rasa(port: int, env: Dict[str, str], log: Path) -> "subprocess.Popen[bytes]":
    """The Rasa server as scripts/run starts it with HAVEN_REDIS_URL set (endpoints-scaleout.yml)."""
    command = [
        str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.assistant", "run",
        "--model", env["HAVEN_MODEL"], "--enable-api",  # the token: HAVEN_RASA_TOKEN, never on the command line
        "--interface", "127.0.0.1", "--port", str(port),
        "--credentials", "credentials.yml", "--endpoints", "endpoints-scaleout.yml",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for_rasa(url: str, token: str, process: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + RASA_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Rasa exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            status = requests.get(f"{url}/status", params={"token": token}, timeout=2)
            if status.ok and status.json().get("model_file"):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"Rasa did not start within {RASA_START_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="package")
def two_instances(
    trained_model: Path, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoInstances]:
    work = tmp_path_factory.mktemp("scaleout")
    name = f"haven_scaleout_{uuid.uuid4().hex[:10]}"
    database_url = create_test_database(name)
    actions_port, secret = free_port(), secrets.token_urlsafe(24)
    prefix = f"haven-test-{uuid.uuid4().hex[:12]}:"
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "HAVEN_DATABASE_URL": database_url,
        "HAVEN_REDIS_URL": redis_url,
        "HAVEN_REDIS_PREFIX": prefix,
        "HAVEN_RASA_TOKEN": secrets.token_urlsafe(24),
        "HAVEN_ACTIONS_SECRET": secret,
        "HAVEN_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook",
        "HAVEN_MODEL": str(trained_model),
    }
    started: List[Any] = []
    try:
        rasa_ports = (free_port(), free_port())
        rasas = [_start_rasa(port, env, work / f"rasa-{port}.log") for port in rasa_ports]
        started.extend(rasas)
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.directory", "seed", "--if-empty"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=120,
        )
        action_server, _ = start_action_server(  # the directory and the handoff queue are in the shared database
            actions_port, secret, work / "actions.log", HAVEN_DATABASE_URL=database_url
        )
        started.append(action_server)
        rasa_urls = (f"http://127.0.0.1:{rasa_ports[0]}", f"http://127.0.0.1:{rasa_ports[1]}")
        gateway_settings = {
            "HAVEN_DATABASE_URL": database_url,
            "HAVEN_REDIS_URL": redis_url,
            "HAVEN_REDIS_PREFIX": prefix,
            "HAVEN_RASA_TOKEN": env["HAVEN_RASA_TOKEN"],  # staff messages and hand-backs use Rasa's HTTP API
            "HAVEN_FALLBACK_AFTER_S": "60",  # the real answers, however busy the test machine
            "HAVEN_RASA_TIMEOUT_S": "90",
        }
        logs = (work / "gateway-a.log", work / "gateway-b.log")
        gateways = (
            start_gateway(rasa_urls[0], logs[0], **gateway_settings),
            start_gateway(rasa_urls[1], logs[1], SANIC_WORKERS="2", **gateway_settings),
        )
        started.extend(gateways)
        for port, rasa in zip(rasa_ports, rasas, strict=False):
            _wait_for_rasa(f"http://127.0.0.1:{port}", env["HAVEN_RASA_TOKEN"], rasa, work / f"rasa-{port}.log")
        yield TwoInstances(
            (gateways[0].base_url, gateways[1].base_url),  # type: ignore[attr-defined]
            rasa_urls,
            env["HAVEN_RASA_TOKEN"],
            database_url,
            redis_url,
            prefix,
        )
        for gateway, log in zip(gateways, logs, strict=False):
            stop_gateway(gateway, log)
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)
        drop_test_database(name)
