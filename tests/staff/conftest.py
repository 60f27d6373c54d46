"""A real gateway (in front of the fake Rasa of tests/gateway/chat) with staff accounts of every role.

Accounts are made straight in the gateway's database, as `python -m bot.staff create-admin` and the
console's admin page do; the tests then only use the console's HTTP API and sockets, like a browser.
"""

import asyncio
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests
from sqlalchemy.engine import Engine
from websockets.legacy.client import connect

from bot.database.engine import make_engine
from bot.staff import accounts
from bot.staff.sessions import COOKIE
from tests.gateway.chat.conftest import fake_rasa_url, start_gateway, stop_gateway  # noqa: F401 (the fake Rasa fixture)

PASSWORD = "correct horse battery"
ACCOUNTS = {"ash": ("Sam", "support_worker"), "bob": ("Jo", "support_worker"), "cam": ("Kit", "supervisor"),
            "dee": ("Admin", "admin")}
"""username: (display name, role). Survivors see the display name, never the username."""
WAIT_S = 15.0


@dataclass
class Console:
    url: str
    engine: Engine
    ids: Dict[str, int]

    def signed_in(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A browser-like session: signed in, sending Origin and the CSRF token as the console does."""
        session = requests.Session()
        session.headers["Origin"] = self.url
        response = session.post(f"{self.url}/staff/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        session.headers["X-CSRF-Token"] = response.json()["csrf"]
        return session

    def api(self, session: requests.Session, method: str, path: str, timeout: float = WAIT_S,
            **kwargs: Any) -> requests.Response:
        return session.request(method, f"{self.url}/staff/api/{path}", timeout=timeout, **kwargs)


def staff_socket(console: Console, session: requests.Session) -> Any:
    """The console's socket as the signed-in browser opens it: session cookie, the console's own Origin."""
    return connect(console.url.replace("http", "ws") + "/staff/socket", origin=console.url,  # type: ignore[arg-type]
                   extra_headers={"Cookie": f"{COOKIE}={session.cookies[COOKIE]}"})


async def next_frame(ws: Any, kind: str, wait_s: float = WAIT_S, **matching: Any) -> Dict[str, Any]:
    """The next frame of `kind` (with the given fields), skipping others; fails after `wait_s`."""
    async def find() -> Dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind and all(frame.get(key) == value for key, value in matching.items()):
                return frame
    return await asyncio.wait_for(find(), wait_s)


@contextmanager
def running_console(rasa_url: str, work: Path, **settings: str) -> Iterator[Console]:
    """A gateway (with `settings` as HAVEN_* overrides; sign-in failures barely limited unless they say) and its
    database with ACCOUNTS in it."""
    log = work / "gateway.log"
    process = start_gateway(rasa_url, log, **{"HAVEN_STAFF_LOGIN_FAILURES": "1000", **settings})
    engine = make_engine(f"sqlite:///{work / 'haven.db'}")
    ids = {name: accounts.create(engine, name, shown, role, PASSWORD).id for name, (shown, role) in ACCOUNTS.items()}
    try:
        yield Console(process.base_url, engine, ids)  # type: ignore[attr-defined]
    finally:
        stop_gateway(process, log)
        engine.dispose()


@pytest.fixture(scope="session")
def console(fake_rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:  # noqa: F811
    with running_console(fake_rasa_url, tmp_path_factory.mktemp("console")) as started:
        yield started
