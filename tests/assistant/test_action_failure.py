"""The action server's time limit and the kind end of a failed action, on Rasa's own RemoteAction
(bot/assistant/action_failure.py). The whole turn, in Rasa and through the gateway, is in
tests/test_action_server_down.py and tests/e2e/test_action_server_hangs.py."""

import asyncio
import time
from typing import AsyncIterator, List

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.assistant import action_failure
from bot.assistant.action_failure import ActionTimeoutError, KindWhenFailing, failed_action_text
from bot.settings import ROOT
from tests.assistant.conftest import HangingActionServer

ACTION = "action_find_services"
REJECTED = {"action_name": ACTION, "error": "not now"}
"""What rasa_sdk answers, with HTTP 400, for an action that rejects to run."""


@pytest.fixture
def rasa_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own methods again after the test, whatever it installs."""
    monkeypatch.setattr(RemoteAction, "run", action_failure.RASA_REMOTE_RUN)
    monkeypatch.setattr(MessageProcessor, "_run_action", action_failure.RASA_RUN_ACTION)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


async def _answering(request: web.Request) -> web.Response:
    """An action server answering with the status its path asks for."""
    if request.match_info["status"] == "400":
        return web.json_response(REJECTED, status=400)
    return web.Response(status=500, text="boom")


@pytest.fixture
async def action_server() -> AsyncIterator[str]:
    """Its base URL: `<url>/400/webhook` rejects the action, `<url>/500/webhook` fails."""
    app = web.Application()
    app.router.add_post("/{status}/webhook", _answering)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def _run(action: RemoteAction | KindWhenFailing, domain: Domain) -> List[Event]:
    tracker = DialogueStateTracker.from_events("a" * 32, [], slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await asyncio.wait_for(action.run(CollectingOutputChannel(), nlg, tracker, domain), 30)


async def test_the_installed_limit_comes_from_haven_action_timeout_s(
    rasa_put_back: None, monkeypatch: pytest.MonkeyPatch, domain: Domain
) -> None:
    monkeypatch.setenv("HAVEN_ACTION_TIMEOUT_S", "0.5")
    action_failure.install()
    with HangingActionServer() as hanging:
        started = time.monotonic()
        with pytest.raises(ActionTimeoutError, match="within 0.5 s"):
            await _run(RemoteAction(ACTION, EndpointConfig(url=hanging.url)), domain)
    assert 0.5 <= time.monotonic() - started < 3
    assert hanging.connections == 1


async def test_a_failed_action_ends_the_turn_with_the_helpline(action_server: str, domain: Domain) -> None:
    events = await _run(KindWhenFailing(RemoteAction(ACTION, EndpointConfig(url=f"{action_server}/500/webhook"))),
                        domain)
    assert [type(event) for event in events] == [BotUttered, FollowupAction]
    assert isinstance(events[0], BotUttered) and events[0].text == failed_action_text()
    assert isinstance(events[1], FollowupAction) and events[1].action_name == "action_listen"


async def test_a_rejection_is_rasas_own_flow_not_a_failure(action_server: str, domain: Domain) -> None:
    """Rasa predicts another action after a rejection (a form declining a message): it must reach Rasa."""
    action = KindWhenFailing(RemoteAction(ACTION, EndpointConfig(url=f"{action_server}/400/webhook")))
    with pytest.raises(ActionExecutionRejection):
        await _run(action, domain)


def test_installing_twice_changes_nothing(rasa_put_back: None) -> None:
    action_failure.install()
    installed = RemoteAction.run
    action_failure.install()
    assert RemoteAction.run is installed is not action_failure.RASA_REMOTE_RUN
