"""/ready on real gateway processes: PostgreSQL and Redis up or down, Rasa's authenticated status and the action
server's health from stand-ins the tests can break, hang or stop. /health stays 200 throughout."""

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests
from aiohttp import web

from bot.gateway.ops.health import CACHE_S, CHECK_TIMEOUT_S, action_server_health_url
from tests.gateway.chat.conftest import FAKE_RASA_TOKEN, ServerOnAThread, start_gateway, stop_gateway
from tests.scaleout.conftest import create_test_database, drop_test_database
from tools.bench import free_port

METRICS_TOKEN = "metrics-" + uuid.uuid4().hex
BOUND_S = CHECK_TIMEOUT_S + 1.5
"""/ready answers within one check's timeout (they run at once), plus a process's own time."""


class Dependency(ServerOnAThread):
    """Rasa's `/status` and the action server's `/health` on a thread of their own; `mode` says how they
    answer (up, no_model, error, hang), `stop()` takes them down as a crash would."""

    def __init__(self) -> None:
        self.mode = "up"
        self.status_calls = 0
        super().__init__()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/status", self._status)
        app.router.add_get("/health", self._health)

    async def _status(self, request: web.Request) -> web.Response:
        self.status_calls += 1
        if request.query.get("token") != FAKE_RASA_TOKEN:
            raise web.HTTPUnauthorized()
        return await self._answer({"model_file": "haven.tar.gz"})

    async def _health(self, _: web.Request) -> web.Response:
        return await self._answer({"status": "ok"})

    async def _answer(self, ready: Dict[str, str]) -> web.Response:
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "error":
            return web.Response(status=500)
        return web.json_response({"model_file": None} if self.mode == "no_model" else ready)



def ready(gateway: str) -> requests.Response:
    """/ready once any earlier answer has expired."""
    time.sleep(CACHE_S + 0.1)
    started = time.monotonic()
    response = requests.get(f"{gateway}/ready", timeout=30)
    assert time.monotonic() - started < BOUND_S, "/ready must never hang"
    assert requests.get(f"{gateway}/health", timeout=5).status_code == 200, "alive whatever is down"
    return response


def failed(gateway: str) -> Any:
    response = ready(gateway)
    assert response.status_code == (200 if not response.json()["failed"] else 503)
    assert set(response.json()) == {"ready", "failed"}
    return response.json()["failed"]


@pytest.fixture(scope="module")
def rasa() -> Dependency:
    return Dependency()


@pytest.fixture(scope="module")
def actions() -> Dependency:
    return Dependency()


@pytest.fixture(scope="module")
def gateway(rasa: Dependency, actions: Dependency, redis_url: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:
    """A gateway on PostgreSQL and Redis, behind a proxy (SANIC_PROXIES_COUNT=1), with a metrics token."""
    name = f"haven_ready_{uuid.uuid4().hex[:10]}"
    database_url = create_test_database(name)
    log = tmp_path_factory.mktemp("ready") / "gateway.log"
    process = start_gateway(
        rasa.url, log, HAVEN_DATABASE_URL=database_url, HAVEN_REDIS_URL=redis_url,
        HAVEN_REDIS_PREFIX=f"haven-test-{uuid.uuid4().hex[:12]}:", HAVEN_ACTION_ENDPOINT=f"{actions.url}/webhook",
        HAVEN_METRICS_TOKEN=METRICS_TOKEN, SANIC_PROXIES_COUNT="1",
    )
    yield process.base_url  # type: ignore[attr-defined]
    stop_gateway(process, log)
    drop_test_database(name)


def test_ready_when_everything_answers_and_the_answer_holds_no_secret(gateway: str) -> None:
    response = ready(gateway)
    assert response.status_code == 200 and response.json() == {"ready": True, "failed": []}
    for secret in (FAKE_RASA_TOKEN, "postgresql", "redis://", "http", "127.0.0.1"):
        assert secret not in response.text


def test_a_probe_storm_asks_rasa_once(gateway: str, rasa: Dependency) -> None:
    ready(gateway)
    calls = rasa.status_calls
    for _ in range(20):
        requests.get(f"{gateway}/ready", timeout=10)
    assert rasa.status_calls - calls <= 1


@pytest.mark.parametrize("mode", ["no_model", "error", "hang"])
def test_rasa_without_a_model_failing_or_hanging_is_not_ready(gateway: str, rasa: Dependency, mode: str) -> None:
    rasa.mode = mode
    try:
        assert failed(gateway) == ["rasa"]
    finally:
        rasa.mode = "up"
    assert failed(gateway) == []


def test_the_action_server_failing_is_not_ready(gateway: str, actions: Dependency) -> None:
    actions.mode = "error"
    try:
        assert failed(gateway) == ["actions"]
    finally:
        actions.mode = "up"


def test_metrics_behind_a_proxy_need_the_token(gateway: str) -> None:
    assert requests.get(f"{gateway}/metrics", timeout=5).status_code == 403, "behind a proxy, loopback is no proof"
    wrong = {"Authorization": "Bearer nope"}
    assert requests.get(f"{gateway}/metrics", headers=wrong, timeout=5).status_code == 403
    right = {"Authorization": f"Bearer {METRICS_TOKEN}", "X-Forwarded-For": "203.0.113.9"}
    response = requests.get(f"{gateway}/metrics", headers=right, timeout=5)
    assert response.status_code == 200 and "haven_messages_total" in response.text


def test_rasa_and_the_action_server_stopped_are_not_ready(gateway: str, rasa: Dependency,
                                                          actions: Dependency) -> None:
    """Last in this module: the stand-ins stay down."""
    actions.stop()
    assert failed(gateway) == ["actions"]
    rasa.stop()
    assert failed(gateway) == ["actions", "rasa"]


def test_the_database_and_redis_down_are_not_ready(tmp_path: Path) -> None:
    """Nothing listens where the database and Redis should be; Rasa and the action server are up. Without a
    token and without a proxy, a scrape straight from this machine is allowed."""
    rasa, actions = Dependency(), Dependency()
    log = tmp_path / "gateway.log"
    process = start_gateway(
        rasa.url, log, HAVEN_DATABASE_URL=f"postgresql://haven:pw@127.0.0.1:{free_port()}/haven",
        HAVEN_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", HAVEN_ACTION_ENDPOINT=f"{actions.url}/webhook",
    )
    try:
        gateway = process.base_url  # type: ignore[attr-defined]
        response = ready(gateway)
        assert response.status_code == 503 and response.json() == {"ready": False, "failed": ["database", "redis"]}
        assert "pw" not in response.text and "haven:" not in response.text
        assert requests.get(f"{gateway}/metrics", timeout=5).status_code == 200
    finally:
        stop_gateway(process, log)
        rasa.stop()
        actions.stop()


def test_the_action_servers_health_sits_beside_its_webhook() -> None:
    assert action_server_health_url("http://10.0.0.31:5055/webhook") == "http://10.0.0.31:5055/health"
    assert action_server_health_url("http://actions.internal/webhook/") == "http://actions.internal/health"
    assert action_server_health_url("http://actions.internal:5055") == "http://actions.internal:5055/health"
