"""Emergency guidance never depends on the action server (shared/DESIGN.md, principle 1)."""

from pathlib import Path

from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig

UNREACHABLE_ACTIONS = EndpointConfig(url="http://127.0.0.1:9/webhook")


async def test_danger_is_answered_when_the_action_server_is_down(trained_model: Path, emergency_text: str) -> None:
    agent = Agent.load(str(trained_model), action_endpoint=UNREACHABLE_ACTIONS)
    replies = await agent.handle_text("he is hitting me", sender_id="actions-down")
    assert replies is not None
    assert replies[0]["text"] == emergency_text
    assert "0808 2000 247" in replies[1]["text"]
