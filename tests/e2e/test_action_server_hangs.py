"""Through the gateway: an action server that accepts Rasa's call and never answers costs the survivor one
answer, not the conversation.

The real stack (scripts/run: the gateway, Rasa as `python -m bot.assistant run`), with Rasa's action endpoint
on a server that hangs. Rasa gives the call up after HAVEN_ACTION_TIMEOUT_S (its default here) and says sorry
with the helpline; meanwhile the gateway has answered at 3 s. The survivor's next message is then answered by
Rasa itself. Before, Rasa waited 300 s with the conversation locked, and the next message got only the
gateway's fallback.
"""

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from websockets.legacy.client import connect

from bot.assistant.action_failure import failed_action_text
from bot.settings import Settings
from tests.assistant.conftest import HangingActionServer
from tests.gateway.chat.conftest import bot_texts, frames_until, ws_url
from tools.bench.stack import Stack, StackError, start_stack, stop_stack

LIMIT_S = Settings().action_timeout_s
SLACK_S = 15.0
"""On top of the limit, for a busy test machine; the gateway itself gives up on Rasa only after 30 s."""
FOLLOWING_ANSWER = "called coercive control"
"""In the assistant's answer to "what is coercive control" (data/nlu/)."""


@pytest.fixture(scope="module")
def hung_actions(
    trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tuple[Stack, HangingActionServer]]:
    """The real stack, its action endpoint on a server that hangs."""
    with HangingActionServer() as hanging:
        try:
            stack = start_stack(
                tmp_path_factory.mktemp("hung-actions"), trained_model, {"HAVEN_ACTION_ENDPOINT": hanging.url}
            )
        except StackError as error:
            pytest.fail(str(error))
        try:
            yield stack, hanging
        finally:
            stop_stack(stack)


async def _until_two_turns_end(ws: Any, deadline: float) -> List[Dict[str, Any]]:
    """Frames until typing stops twice (the end of both turns), or the deadline."""
    frames: List[Dict[str, Any]] = []
    while sum(frame == {"type": "typing", "on": False} for frame in frames) < 2:
        try:
            frames.extend(await frames_until(ws, "typing", wait_s=max(0.0, deadline - time.monotonic())))
        except asyncio.TimeoutError:
            raise AssertionError(f"both turns not answered within {LIMIT_S + SLACK_S:g} s: {frames}") from None
    return frames


async def test_the_next_message_is_answered_by_rasa_after_an_action_server_hangs(
    hung_actions: Tuple[Stack, HangingActionServer],
) -> None:
    stack, hanging = hung_actions
    async with connect(ws_url(stack.gateway_url)) as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"type": "message", "text": "is there a refuge near SE15"}))
        holding = bot_texts(await frames_until(ws, "bot", wait_s=LIMIT_S))
        assert "0808 2000 247" in holding[0], "the gateway's own answer while Rasa waits"
        await ws.send(json.dumps({"type": "message", "text": "what is coercive control"}))
        texts = bot_texts(await _until_two_turns_end(ws, started + LIMIT_S + SLACK_S))
    assert hanging.connections, "Rasa called the action server, which hung"
    assert failed_action_text() in texts, f"Rasa's own answer to the failed action: {texts}"
    answers = [text for text in texts if FOLLOWING_ANSWER in text]
    assert answers, f"Rasa answered the next message itself, not only the gateway: {texts}"
    assert texts.index(failed_action_text()) < texts.index(answers[0])
