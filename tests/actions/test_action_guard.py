"""Only Rasa may call the action server: a real `rasa run actions`, as scripts/run starts it."""

from types import SimpleNamespace
from typing import Any, Dict, Iterator

import pytest
import requests

from actions.guard import SECRET_HEADER, allowed
from tests.conftest import start_action_server
from tools.bench import free_port

SECRET = "rasa-only-7f3a"
CALL: Dict[str, Any] = {
    "next_action": "action_request_handoff",
    "sender_id": "a" * 32,
    "version": "3.6.2",
    "domain": {},
    "tracker": {
        "sender_id": "a" * 32,
        "slots": {},
        "latest_message": {"text": "can I talk to a person", "intent": {"name": "request_human"}, "entities": []},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
}


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    process, url = start_action_server(free_port(), SECRET, log)
    yield url
    process.terminate()
    process.wait(timeout=20)
    assert "talk to a person" not in log.read_text(), "no message text in the action server's logs"


def test_a_call_without_the_secret_is_refused(action_server: str) -> None:
    refused = requests.post(f"{action_server}/webhook", json=CALL, timeout=10)
    assert refused.status_code == 403
    assert refused.json() == {"error": "forbidden"}, "no detail for whoever tried"
    wrong = requests.post(f"{action_server}/webhook", json=CALL, headers={SECRET_HEADER: "guess"}, timeout=10)
    assert wrong.status_code == 403


def test_rasa_with_the_secret_gets_its_answer(action_server: str) -> None:
    answer = requests.post(f"{action_server}/webhook", json=CALL, headers={SECRET_HEADER: SECRET}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["responses"], "the handoff action answers honestly"


def test_health_stays_open_for_monitoring(action_server: str) -> None:
    assert requests.get(f"{action_server}/health", timeout=5).json() == {"status": "ok"}


def _request(ip: str, headers: Dict[str, str], path: str = "/webhook") -> Any:
    return SimpleNamespace(ip=ip, headers=headers, path=path)


def test_without_a_configured_secret_only_this_machine_may_call() -> None:
    assert allowed(_request("127.0.0.1", {}), "")
    assert allowed(_request("::1", {}), "")
    assert not allowed(_request("10.1.2.3", {}), "")
    assert not allowed(_request("not an address", {}), "")
    assert not allowed(_request("127.0.0.1", {}), SECRET), "with a secret, loopback alone is not enough"
