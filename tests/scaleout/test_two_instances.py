"""A survivor moving between gateway instances (and so between Rasa instances) loses nothing: every message
once, in order, each followed by its replies, in one transcript that either Rasa reads the same."""

import asyncio
import json
from typing import List, Optional

from websockets.legacy.client import connect

from bot.privacy.redaction import redact
from tests.gateway.chat.conftest import bot_texts, frames_until, say, ws_url
from tests.scaleout.conftest import TwoInstances, open_chat

WAIT_S = 90.0
MESSAGES = [
    "is this chat private",
    "how do i check my partner's past",
    "how do i get a protection order",
    "are you a bot",
]


def _as_stored(texts: List[str]) -> List[str]:
    """The assistant's messages as the tracker store keeps them (redacted like everything it stores)."""
    return [redact(text) for text in texts]


async def test_a_survivor_alternating_between_instances_keeps_one_ordered_transcript(
    two_instances: TwoInstances,
) -> None:
    conversation: Optional[str] = None
    received: List[List[str]] = []
    for number, text in enumerate(MESSAGES):
        async with connect(ws_url(two_instances.gateways[number % 2])) as ws:
            conversation = await open_chat(ws, conversation)
            received.append(_as_stored(bot_texts(await say(ws, text, wait_s=WAIT_S))))
            assert received[-1], f"no answer to message {number + 1}"
    assert conversation is not None
    for rasa in two_instances.rasas:
        assert two_instances.transcript(rasa, conversation) == list(zip(MESSAGES, received, strict=False))


async def test_replies_kept_while_the_survivor_changed_page_reach_them_on_the_other_instance(
    two_instances: TwoInstances,
) -> None:
    async with connect(ws_url(two_instances.gateways[0])) as ws:
        conversation = await open_chat(ws, None)
        await ws.send(json.dumps({"type": "message", "text": MESSAGES[0]}))
        assert json.loads(await ws.recv()) == {"type": "typing", "on": True}
    replies: List[str] = []
    for _ in range(int(WAIT_S)):  # the answer is stored once Rasa has finished the turn
        turns = two_instances.transcript(two_instances.rasas[1], conversation)
        replies = turns[0][1] if turns else []
        if replies:
            break
        await asyncio.sleep(1)
    await asyncio.sleep(1)
    async with connect(ws_url(two_instances.gateways[1])) as ws:
        await open_chat(ws, conversation)
        kept = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in replies]
        assert _as_stored([frame["text"] for frame in kept]) == replies
        await ws.send(json.dumps({"type": "message", "text": MESSAGES[3]}))
        assert (await frames_until(ws, "bot", wait_s=WAIT_S))[-1]["text"]
    assert [text for text, _ in two_instances.transcript(two_instances.rasas[0], conversation)][:2] == [
        MESSAGES[0],
        MESSAGES[3],
    ]


async def test_messages_sent_at_once_through_both_instances_are_answered_one_turn_at_a_time(
    two_instances: TwoInstances,
) -> None:
    """Rasa's lock store in Redis: two Rasa instances take turns on one conversation, never interleave."""
    first_gateway, second_gateway = (ws_url(gateway) for gateway in two_instances.gateways)
    async with connect(first_gateway) as first, connect(second_gateway) as second:
        conversation = await open_chat(first, None)
        await open_chat(second, conversation)
        answers = await asyncio.gather(
            say(first, MESSAGES[1], wait_s=WAIT_S), say(second, MESSAGES[2], wait_s=WAIT_S)
        )
    turns = two_instances.transcript(two_instances.rasas[0], conversation)
    assert sorted(text for text, _ in turns) == sorted(MESSAGES[1:3]), "each message once"
    expected = {MESSAGES[1]: bot_texts(answers[0]), MESSAGES[2]: bot_texts(answers[1])}
    assert dict(turns) == {text: _as_stored(replies) for text, replies in expected.items()}
