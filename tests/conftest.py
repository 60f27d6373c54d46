"""Shared fixtures: the trained model, loaded once per test session."""

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests
import yaml
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.settings import ROOT

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODEL = ROOT / "models" / "haven.tar.gz"
NLU_FILES = (ROOT / "data" / "nlu.yml", ROOT / "data" / "nlu")
"""The training examples: general intents in data/nlu.yml, topics (and their answers) in data/nlu/."""
REDIS_URL = os.environ.get("HAVEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def nlu_training_data() -> TrainingData:
    """Every training example and topic answer, as `rasa train` reads them from data/."""
    general, *topics = (load_data(str(path)) for path in NLU_FILES)
    return general.merge(*topics)


def needs_server(reason: str) -> None:
    """A test that needs a real server which isn't there: it fails in CI, where it must run, else skips."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs it: {reason}")
    pytest.skip(f"{reason} (these tests always run in CI)")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis (HAVEN_TEST_REDIS_URL, default 127.0.0.1:6379 db 0)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        needs_server(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    return REDIS_URL


@pytest.fixture
def redis_prefix() -> str:
    """A key and channel prefix of this test's own, so tests (and other runs) sharing Redis never meet."""
    return f"haven-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session")
def event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the session, so the session-scoped agent can be used from every test."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` (make test does it first).")
    return MODEL


@pytest.fixture(scope="session")
async def agent(trained_model: Path) -> Agent:
    """The trained model, loaded once for every in-process test of it."""
    return Agent.load(str(trained_model))


@pytest.fixture(scope="session")
def domain_responses() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


@pytest.fixture(scope="session")
def emergency_text(domain_responses: Dict[str, Any]) -> str:
    return str(domain_responses["utter_emergency"][0]["text"])


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
"""Debian's chromium, never a downloaded browser; background networking off (no network here)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A real headless Chromium, started once per test module. Not once per session: while Playwright's
    sync API is running it holds the thread's event loop, so async tests in later modules could not run."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (make test installs Debian's chromium with apt-get)."
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def record_dialogs(page: Any) -> list:
    """Dismisses every alert/confirm the page opens and records it: an XSS test fails on any."""
    opened: list = []

    def dismiss(dialog: Any) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def start_action_server(
    port: int, secret: str, log: Path, **settings: str
) -> Tuple["subprocess.Popen[bytes]", str]:
    """`rasa run actions` as scripts/run starts it (with the shared secret); waits until it answers.
    `settings` override HAVEN_* variables, e.g. HAVEN_DATABASE_URL: the database its actions read and write."""
    env = {**os.environ, "HAVEN_ACTIONS_SECRET": secret, "SANIC_HOST": "127.0.0.1", **settings}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return process, url
        except requests.RequestException:
            time.sleep(0.5)
    process.kill()
    pytest.fail(f"The action server did not start:\n{log.read_text()[-3000:]}")
