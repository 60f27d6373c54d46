"""The action server never serves the actions without its guard (security review 2026-12-03, finding 15).

rasa_sdk imports the `rasa_sdk_plugins` package inside `except ModuleNotFoundError` and logs a failure at
DEBUG only, so a missing dependency of the plugin used to start an action server that anyone could call.
Here a real `rasa run actions`, started as scripts/run starts it, finds a `rasa_sdk_plugins` whose import
fails that way (it comes first on the path: the server's working folder); it must stop instead of serving.
"""

import os
import subprocess
import time
from pathlib import Path
from typing import Any, Dict

import requests

from actions.guard import SECRET_ENV
from tests.conftest import ROOT
from tools.bench import free_port

START_TIMEOUT_S = 120
BROKEN_PLUGIN = "import haven_dependency_that_is_not_installed  # noqa: F401\n"
CALL: Dict[str, Any] = {"next_action": "action_request_handoff", "tracker": {"sender_id": "a" * 32}}


def _serves(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=1).ok
    except requests.RequestException:
        return False


def test_an_action_server_whose_guard_cannot_load_refuses_to_start(tmp_path: Path) -> None:
    plugin = tmp_path / "rasa_sdk_plugins"
    plugin.mkdir()
    (plugin / "__init__.py").write_text(BROKEN_PLUGIN, encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, SECRET_ENV: "rasa-only-5b1e", "SANIC_HOST": "127.0.0.1"}
    log = tmp_path / "actions.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while server.poll() is None and time.monotonic() < deadline and not _serves(url):
            time.sleep(0.5)
        if server.poll() is None and _serves(url):
            unguarded = requests.post(f"{url}/webhook", json=CALL, timeout=10).status_code
            raise AssertionError(f"The action server started unguarded (a call without the secret: {unguarded})")
        assert server.wait(timeout=30) == 1
    finally:
        server.kill()
        server.wait()
    assert "guard did not load" in log.read_text(errors="replace")
