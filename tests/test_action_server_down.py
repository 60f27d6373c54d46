"""Emergency guidance never depends on the action server (shared/DESIGN.md, principle 1)."""

import uuid
from pathlib import Path

from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig

from actions.guard import SECRET_HEADER
from tests.conftest import start_action_server
from tools.bench import free_port

UNREACHABLE_ACTIONS = EndpointConfig(url="http://127.0.0.1:9/webhook")


async def test_danger_is_answered_when_the_action_server_is_down(trained_model: Path, emergency_text: str) -> None:
    agent = Agent.load(str(trained_model), action_endpoint=UNREACHABLE_ACTIONS)
    replies = await agent.handle_text("he is hitting me", sender_id="actions-down")
    assert replies is not None
    assert replies[0]["text"] == emergency_text
    assert "0808 2000 247" in replies[1]["text"]


async def test_the_conversation_carries_on_when_the_action_server_comes_back(
    trained_model: Path, tmp_path: Path
) -> None:
    port, secret, sender = free_port(), "back-again", uuid.uuid4().hex
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/webhook", headers={SECRET_HEADER: secret})
    agent = Agent.load(str(trained_model), action_endpoint=endpoint)
    while_down = await agent.handle_text("is there a refuge near SE15 4AB", sender_id=sender)
    assert not any("can't search for local services" in str(reply.get("text")) for reply in while_down or [])
    process, _ = start_action_server(port, secret, tmp_path / "actions.log")
    try:
        replies = await agent.handle_text("is there a refuge near SE15 4AB", sender_id=sender)
    finally:
        process.terminate()
        process.wait(timeout=20)
    texts = " ".join(str(reply.get("text")) for reply in replies or [])
    assert "can't search for local services" in texts and "0808 2000 247" in texts, texts
