"""A real gateway process in front of a fake Rasa whose behaviour each test picks by message text.

Fake Rasa: "slow ..." answers after SLOW_S seconds, "broken ..." answers HTTP 500, "silent ..."
answers with no messages, "handoff ..." answers as action_request_handoff does when a person is
available (the test queues the conversation in the database first); anything else is echoed back with
a button. Once a conversation is paused (by "handoff ...", until a `resume` event) it answers nothing,
as Rasa does. Its HTTP API (token FAKE_RASA_TOKEN) records appended events and answers trigger_intent.
"""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

import pytest
import requests
from aiohttp import web
from sqlalchemy.engine import Engine
from websockets.legacy.client import connect

from bot.database import migrate
from bot.database.engine import make_engine
from bot.handoff import queue
from bot.risk import Risk
from bot.settings import ROOT
from bot.staff import accounts
from tools.bench import free_port

SLOW_S = 5.0
TEST_ID_SECRET = "test-conversation-id-secret"
"""Every test gateway signs ids alike (as a deployment's instances do), and none writes var/id-secret."""
HELD_CONVERSATION = "c" * 32
"""The conversation a support worker holds in `held_conversation`'s database."""
FAKE_RASA_TOKEN = "fake-rasa-token"
HANDED_BACK_GREETING = "Hello. I'm Haven's automated assistant, not a person."
EVENTS: Dict[str, List[Dict[str, Any]]] = {}
"""Every event the fake Rasa has logged, per conversation (user messages, appended events)."""


def _paused(conversation: str) -> bool:
    paused = False
    for event in EVENTS.get(conversation, []):
        if event["event"] in ("pause", "resume"):
            paused = event["event"] == "pause"
    return paused


async def _webhook(request: web.Request) -> web.Response:
    body = await request.json()
    text: str = body["message"]
    log = EVENTS.setdefault(body["sender"], [])
    log.append({"event": "user", "text": text})
    if _paused(body["sender"]):
        return web.json_response([])
    if text.startswith("handoff"):
        log.append({"event": "pause"})
        return web.json_response([{"text": "A support worker will join this chat."},
                                  {"custom": {"handoff": "queued", "position": 1}}])
    if text.startswith("slow"):
        await asyncio.sleep(SLOW_S)
    if text.startswith("broken"):
        return web.Response(status=500, text="boom")
    replies: List[Dict[str, Any]] = (
        []
        if text.startswith("silent")
        else [
            {
                "recipient_id": body["sender"],
                "text": f"echo: {text}",
                "buttons": [{"title": "Yes", "payload": "/affirm"}],
            }
        ]
    )
    return web.json_response(replies)


def _authorised(request: web.Request) -> None:
    if request.query.get("token") != FAKE_RASA_TOKEN:
        raise web.HTTPUnauthorized()


async def _append_events(request: web.Request) -> web.Response:
    _authorised(request)
    EVENTS.setdefault(request.match_info["conversation"], []).extend(await request.json())
    return web.json_response({})


async def _trigger_intent(request: web.Request) -> web.Response:
    _authorised(request)
    body = await request.json()
    EVENTS.setdefault(request.match_info["conversation"], []).append({"event": "user", "text": f"/{body['name']}"})
    return web.json_response({"tracker": {}, "messages": [{"text": HANDED_BACK_GREETING}]})


async def _tracker(request: web.Request) -> web.Response:
    _authorised(request)
    return web.json_response({"events": EVENTS.get(request.match_info["conversation"], [])})


class ServerOnAThread:
    """A stand-in HTTP server (aiohttp) on its own thread and loop, serving what `add_routes` adds;
    `stop()` takes it down as a crashed server would go."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._runner: Any = None
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        ready.wait(10)

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _serve(self, ready: threading.Event) -> None:
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)


class FakeRasa(ServerOnAThread):
    """The fake Rasa: its REST channel and the HTTP API calls the gateway makes."""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/rest/webhook", _webhook)
        app.router.add_post("/conversations/{conversation}/tracker/events", _append_events)
        app.router.add_post("/conversations/{conversation}/trigger_intent", _trigger_intent)
        app.router.add_get("/conversations/{conversation}/tracker", _tracker)


def ws_url(gateway: str) -> str:
    """The survivor socket's address on a gateway (http://host:port)."""
    return gateway.replace("http://", "ws://") + "/chat/socket"


async def frames_until(ws: Any, kind: str, limit: int = 20, wait_s: float = 15) -> List[Dict[str, Any]]:
    """Frames received up to and including the first of type `kind`."""
    frames: List[Dict[str, Any]] = []
    while len(frames) < limit:
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), wait_s)))
        if frames[-1]["type"] == kind:
            return frames
    raise AssertionError(f"no {kind} frame in {frames}")


async def say(ws: Any, text: str, wait_s: float = 15) -> List[Dict[str, Any]]:
    """Sends a message; the frames that answer it, up to the end of typing."""
    await ws.send(json.dumps({"type": "message", "text": text}))
    frames = await frames_until(ws, "typing", wait_s=wait_s)
    while not (frames[-1]["type"] == "typing" and frames[-1]["on"] is False):
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), wait_s)))
    return frames


def bot_texts(frames: List[Dict[str, Any]]) -> List[str]:
    return [frame["text"] for frame in frames if frame["type"] == "bot"]


SLOW_REPLY = "slow reply while i change page"


@asynccontextmanager
async def back_after_a_slow_reply(gateway: str) -> AsyncIterator[Tuple[Any, str, List[Dict[str, Any]]]]:
    """A survivor asks, leaves the page before the answer comes, and comes back to the same chat.

    Yields the resumed socket, the conversation id and the two frames kept for them meanwhile (the
    gateway's holding message, then the slow answer)."""
    async with connect(ws_url(gateway)) as ws:
        await ws.send(json.dumps({"type": "start"}))
        conversation = str(json.loads(await ws.recv())["conversation"])
        await ws.send(json.dumps({"type": "message", "text": SLOW_REPLY}))
        assert json.loads(await ws.recv()) == {"type": "typing", "on": True}
    await asyncio.sleep(SLOW_S + 1)
    async with connect(ws_url(gateway)) as ws:
        await ws.send(json.dumps({"type": "resume", "conversation": conversation}))
        assert json.loads(await ws.recv())["type"] == "resumed"
        kept = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(2)]
        yield ws, conversation, kept


@pytest.fixture(scope="session")
def fake_rasa_url() -> str:
    return FakeRasa().url


def start_gateway(rasa_url: str, log: Path, **settings: str) -> "subprocess.Popen[bytes]":
    """A gateway process; `settings` override HAVEN_* variables (e.g. HAVEN_DATABASE_URL=...). Its database
    (conversations, handoff, staff) is a fresh SQLite file beside the log unless a test gives one."""
    port = free_port()
    database = log.parent / "haven.db"
    env = {
        **os.environ,
        "HAVEN_GATEWAY_PORT": str(port),
        "HAVEN_RASA_URL": rasa_url,
        "HAVEN_RASA_TOKEN": FAKE_RASA_TOKEN,
        "HAVEN_DATABASE_URL": f"sqlite:///{database}",
        "HAVEN_RATE_MESSAGES": "8",
        "HAVEN_RATE_SECONDS": "10",
        "HAVEN_RATE_CONVERSATIONS": "1000",
        "HAVEN_ID_SECRET": TEST_ID_SECRET,
        **settings,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    process.base_url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{process.base_url}/health", timeout=1).ok:  # type: ignore[attr-defined]
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"The gateway did not start:\n{log.read_text()[-3000:]}")


def stop_gateway(process: "subprocess.Popen[bytes]", log: Path) -> None:
    process.terminate()
    process.wait(timeout=10)
    assert "echo:" not in log.read_text(), "message text must never reach the gateway's logs"


@pytest.fixture(scope="session")
def gateway(fake_rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway in front of the fake Rasa: its base URL (http://127.0.0.1:PORT)."""
    log = tmp_path_factory.mktemp("gateway") / "gateway.log"
    process = start_gateway(fake_rasa_url, log)
    yield process.base_url  # type: ignore[attr-defined]
    stop_gateway(process, log)


@pytest.fixture
def gateway_with_own_rasa(tmp_path: Path) -> Iterator[Tuple[str, FakeRasa]]:
    """A gateway in front of its own fake Rasa, which the test may stop."""
    log = tmp_path / "gateway.log"
    rasa = FakeRasa()
    process = start_gateway(rasa.url, log)
    yield process.base_url, rasa  # type: ignore[attr-defined]
    stop_gateway(process, log)


@pytest.fixture
def gateway_without_rasa(tmp_path: Path) -> Iterator[str]:
    """A gateway whose Rasa is not running at all (nothing listens on its port)."""
    log = tmp_path / "gateway.log"
    process = start_gateway(f"http://127.0.0.1:{free_port()}", log)
    yield process.base_url  # type: ignore[attr-defined]
    stop_gateway(process, log)


class ScriptedWidget:
    """A stand-in for the widget's socket in-process: sends `frames` in order, records every frame it gets,
    then waits until told to go."""

    def __init__(self, *frames: Dict[str, Any]) -> None:
        self.frames: List[str] = [json.dumps(frame) for frame in frames]
        self.sent: List[Dict[str, Any]] = []
        self.leave = asyncio.Event()
        self.close_code: Optional[int] = None

    async def recv(self) -> Any:
        if self.frames:
            return self.frames.pop(0)
        await self.leave.wait()
        return None

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.close_code = code
        self.leave.set()

    def staff_texts(self) -> List[str]:
        return [frame["text"] for frame in self.sent if frame["type"] == "staff"]


@pytest.fixture
def held_conversation(tmp_path: Path) -> Iterator[Engine]:
    """A database where a support worker holds HELD_CONVERSATION."""
    engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
    migrate.upgrade(engine)
    sam = accounts.create(engine, "ash", "Sam", "support_worker", "a long enough password")
    queue.request(engine, HELD_CONVERSATION, Risk.NONE, "preview")
    handoff = queue.open_handoff(engine, HELD_CONVERSATION)
    assert handoff is not None and queue.take(engine, handoff, sam.id)
    yield engine
    engine.dispose()
