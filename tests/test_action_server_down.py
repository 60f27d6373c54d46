"""An action server that is down (refuses connections) or hung (accepts them and never answers): emergency
guidance never depends on it, a turn that needs it ends within HAVEN_ACTION_TIMEOUT_S in a kind message with
the helpline, never in silence, and the conversation carries on (shared/DESIGN.md, principles 1 and 5).

Rasa runs here with Haven's patches installed as its entry point installs them (`python -m bot.assistant`);
tests/e2e/test_action_server_hangs.py shows the same through the gateway.
"""

import asyncio
import contextlib
import time
import uuid
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor
from rasa.utils.endpoints import EndpointConfig

from actions.guard import SECRET_HEADER
from bot.assistant import action_failure, patches
from bot.assistant.action_failure import failed_action_text
from tests.assistant.conftest import HangingActionServer
from tests.conftest import start_action_server
from tools.bench import free_port

LIMIT_S = 4.0
"""HAVEN_ACTION_TIMEOUT_S here: short, but above a real action call on a busy test machine."""
REFUSED = "http://127.0.0.1:9/webhook"
"""Nothing listens on the discard port: every connection is refused."""
NEEDS_ACTIONS = {
    "local services": "is there a refuge near SE15 4AB",  # action_find_services
    "a person": "can I talk to a person",  # action_request_handoff
    "a safety plan": "I want to make a safety plan",  # the form, validated by the action server
}
COERCIVE_CONTROL = "what is coercive control"


@pytest.fixture
def as_haven_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Haven's patches, installed as the entry point installs them (with LIMIT_S); Rasa's own put back after."""
    monkeypatch.setenv("HAVEN_ACTION_TIMEOUT_S", str(LIMIT_S))
    monkeypatch.setattr(RemoteAction, "run", action_failure.RASA_REMOTE_RUN)
    monkeypatch.setattr(MessageProcessor, "_run_action", action_failure.RASA_RUN_ACTION)
    patches.install()


def _use_action_server(agent: Agent, monkeypatch: pytest.MonkeyPatch, endpoint: EndpointConfig) -> None:
    """Points the session's agent at `endpoint` for this test only."""
    assert agent.processor is not None
    monkeypatch.setattr(agent.processor, "action_endpoint", endpoint)


@pytest.fixture(params=["refused", "hanging"])
def action_server_down(
    request: pytest.FixtureRequest, agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Optional[HangingActionServer]]:
    """The agent's action server refuses connections, or accepts them and hangs (then it is yielded)."""
    with contextlib.ExitStack() as servers:
        hanging = servers.enter_context(HangingActionServer()) if request.param == "hanging" else None
        _use_action_server(agent, monkeypatch, EndpointConfig(url=hanging.url if hanging else REFUSED))
        yield hanging


async def _texts(agent: Agent, text: str, sender: str) -> List[str]:
    """The assistant's messages, waited for a little longer than the limit (Rasa's own is 300 s)."""
    replies = await asyncio.wait_for(agent.handle_text(text, sender_id=sender), LIMIT_S + 10)
    return [str(reply.get("text")) for reply in replies or []]


async def test_danger_is_answered_when_the_action_server_is_down(
    agent: Agent, as_haven_runs_it: None, action_server_down: Optional[HangingActionServer], emergency_text: str
) -> None:
    replies = await _texts(agent, "he is hitting me", uuid.uuid4().hex)
    assert replies[0] == emergency_text
    assert "0808 2000 247" in replies[1]


@pytest.mark.parametrize("message", NEEDS_ACTIONS.values(), ids=NEEDS_ACTIONS.keys())
async def test_a_turn_that_needs_the_action_server_ends_kindly_and_the_next_is_answered(
    agent: Agent, as_haven_runs_it: None, action_server_down: Optional[HangingActionServer], message: str
) -> None:
    sender, started = uuid.uuid4().hex, time.monotonic()
    replies = await _texts(agent, message, sender)
    assert replies and replies[-1] == failed_action_text(), replies
    assert replies.count(failed_action_text()) == 1, "one apology: the turn ends there"
    assert "0808 2000 247" in replies[-1] and "999" in replies[-1]
    assert time.monotonic() - started < LIMIT_S + 3, "given up on within the limit"
    if action_server_down is not None:
        assert action_server_down.connections, "Rasa called the hung action server"
    following = await _texts(agent, COERCIVE_CONTROL, sender)
    assert "called coercive control" in following[0], following


async def test_the_conversation_carries_on_when_the_action_server_comes_back(
    agent: Agent, as_haven_runs_it: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port, secret, sender = free_port(), "back-again", uuid.uuid4().hex
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={SECRET_HEADER: secret})
    _use_action_server(agent, monkeypatch, endpoint)
    assert await _texts(agent, "is there a refuge near SE15 4AB", sender) == [failed_action_text()]
    process, _ = start_action_server(port, secret, tmp_path / "actions.log")
    try:
        replies = await _texts(agent, "is there a refuge near SE15 4AB", sender)
    finally:
        process.terminate()
        process.wait(timeout=20)
    texts = " ".join(replies)
    assert "can't search for local services" in texts and "0808 2000 247" in texts, texts
