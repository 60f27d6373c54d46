"""A support worker signed in on the OTHER gateway instance takes a survivor's conversation and chats:
every message reaches the other side through the Redis bus, the survivor can change page (and instance)
mid-handoff, and after the hand-back the assistant answers again. Nothing is lost, order is kept, and
either Rasa reads one transcript: the survivor's messages once each, the worker's as the assistant's
messages carrying the worker's display name (never the username), pause and resume."""

import asyncio
import json
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from websockets.legacy.client import connect

from actions.handoff import queued_text
from bot.database.engine import make_engine
from bot.privacy.redaction import redact
from bot.staff import accounts
from bot.staff.references import reference
from tests.gateway.chat.conftest import bot_texts, say, ws_url
from tests.scaleout.conftest import TwoInstances, open_chat
from tests.staff.conftest import PASSWORD, Console, next_frame, staff_socket

WAIT_S = 90.0
"""Real Rasa servers on a shared 2-core machine: generous, and only ever the limit of a wait on a frame."""
USERNAME, DISPLAY_NAME, ROLE = "kestrel7", "Sam", "support_worker"
REQUEST = "/request_human"
"""The payload of the "Talk to a person" button."""
STAFF_SAYS = ["Hello, I'm Sam, a support worker. I'm here to listen.", "Thank you for telling me. Take your time."]
SURVIVOR_SAYS = ["I don't feel safe at home any more", "he checks my phone every night"]
AFTERWARDS = "is this chat private"

Line = Tuple[str, ...]


@pytest.fixture
def console_b(two_instances: TwoInstances) -> Iterator[Console]:
    """The staff console of gateway B, with one support worker's account in the shared database."""
    engine = make_engine(two_instances.database_url)
    account = accounts.create(engine, USERNAME, DISPLAY_NAME, ROLE, PASSWORD)
    yield Console(two_instances.gateways[1], engine, {USERNAME: account.id})
    engine.dispose()


def _line(event: Dict[str, Any]) -> Optional[Line]:
    """What a reader of the transcript sees of one tracker event (None: bookkeeping, not conversation)."""
    kind = event["event"]
    if kind in ("pause", "resume"):
        return (kind,)
    if kind == "user":
        return ("user", event["text"])
    if kind == "bot" and event.get("text"):
        staff = (event.get("metadata") or {}).get("staff")
        return ("staff", event["text"], staff["display_name"], staff["role"]) if staff else ("assistant", event["text"])
    return None


def _transcript(two_instances: TwoInstances, rasa: str, conversation: str) -> List[Line]:
    return [line for line in map(_line, two_instances.events(rasa, conversation)) if line is not None]


async def _in_tracker(two_instances: TwoInstances, conversation: str, text: str) -> None:
    """Waits until a message the survivor wrote during the handoff is in the tracker: the gateway logs it
    there without holding up the chat, so the worker's next message is only comparable in order after."""
    deadline = time.monotonic() + WAIT_S
    while ("user", redact(text)) not in _transcript(two_instances, two_instances.rasas[0], conversation):
        assert time.monotonic() < deadline, f"{text!r} never reached the tracker"
        await asyncio.sleep(0.2)


async def _staff_says(staff: Any, survivor: Any, handoff_id: int, text: str) -> None:
    await staff.send(json.dumps({"type": "message", "handoff": handoff_id, "text": text}))
    shown = await next_frame(survivor, "staff", WAIT_S)
    assert isinstance(shown.pop("sent_at"), float), "the mark that keeps a replay from showing it twice"
    assert shown == {"type": "staff", "text": text, "name": DISPLAY_NAME}
    await next_frame(staff, "sent", WAIT_S, handoff=handoff_id)


async def _survivor_says(two_instances: TwoInstances, survivor: Any, staff: Any, conversation: str,
                         handoff_id: int, text: str) -> None:
    await survivor.send(json.dumps({"type": "message", "text": text}))
    await next_frame(survivor, "received", WAIT_S)
    said = await next_frame(staff, "survivor", WAIT_S, handoff=handoff_id, event="message")
    assert said["text"] == redact(text) and said["danger"] is False
    await _in_tracker(two_instances, conversation, text)


async def _queued(staff: Any, conversation: str, held: bool) -> int:
    """The id of the conversation's handoff once the console's queue shows it waiting (or held by this
    worker: then the console listens to the conversation); the console knows it by its reference."""
    while True:
        current = await next_frame(staff, "queue", WAIT_S)
        for item in current["mine" if held else "waiting"]:
            if item["reference"] == reference(conversation):
                return int(item["id"])


async def test_a_worker_on_the_other_instance_takes_the_conversation_and_nothing_is_lost(
    two_instances: TwoInstances, console_b: Console
) -> None:
    gateway_a, gateway_b = (ws_url(gateway) for gateway in two_instances.gateways)
    worker = console_b.signed_in(USERNAME)
    assert console_b.api(worker, "POST", "presence", json={"presence": "available"}).status_code == 200
    async with staff_socket(console_b, worker) as staff:
        await next_frame(staff, "queue", WAIT_S)
        async with connect(gateway_a) as survivor:
            conversation = await open_chat(survivor, None)
            asked = await say(survivor, REQUEST, wait_s=WAIT_S)
            assert bot_texts(asked) == [queued_text(1)]
            assert {"type": "handoff", "state": "queued", "position": 1} in asked

            handoff_id = await _queued(staff, conversation, held=False)
            assert console_b.api(worker, "POST", f"handoffs/{handoff_id}/take").status_code == 200
            joined = await next_frame(survivor, "handoff", WAIT_S)
            assert joined == {"type": "handoff", "state": "joined", "name": DISPLAY_NAME}
            await _queued(staff, conversation, held=True)

            await _staff_says(staff, survivor, handoff_id, STAFF_SAYS[0])
            await _survivor_says(two_instances, survivor, staff, conversation, handoff_id, SURVIVOR_SAYS[0])
        await next_frame(staff, "survivor", WAIT_S, handoff=handoff_id, event="away")

        async with connect(gateway_b) as survivor:  # a page change that lands on the other instance
            await open_chat(survivor, conversation)
            rejoined = await next_frame(survivor, "handoff", WAIT_S)
            assert rejoined == {"type": "handoff", "state": "joined", "name": DISPLAY_NAME}
            await next_frame(staff, "survivor", WAIT_S, handoff=handoff_id, event="back")
            await _staff_says(staff, survivor, handoff_id, STAFF_SAYS[1])
            await _survivor_says(two_instances, survivor, staff, conversation, handoff_id, SURVIVOR_SAYS[1])

            handed_back = console_b.api(worker, "POST", f"handoffs/{handoff_id}/handback", timeout=WAIT_S)
            assert handed_back.status_code == 200
            assert (await next_frame(survivor, "handoff", WAIT_S))["state"] == "handed_back"
            greeting = (await next_frame(survivor, "bot", WAIT_S))["text"]
            assert "automated assistant, not a person" in greeting
    assert console_b.api(worker, "POST", "logout").status_code == 200

    async with connect(gateway_a) as survivor:  # and back on the first instance, with the assistant
        await open_chat(survivor, conversation)
        answer = bot_texts(await say(survivor, AFTERWARDS, wait_s=WAIT_S))
        assert answer[0].startswith("This chat is between you and the charity"), "the assistant, not a fallback"

    staff_line = (DISPLAY_NAME, ROLE)
    expected_until_resume: List[Line] = [
        ("user", REQUEST),
        ("assistant", redact(queued_text(1))),
        ("pause",),
        ("staff", redact(STAFF_SAYS[0]), *staff_line),
        ("user", redact(SURVIVOR_SAYS[0])),
        ("staff", redact(STAFF_SAYS[1]), *staff_line),
        ("user", redact(SURVIVOR_SAYS[1])),
        ("resume",),
    ]
    transcripts = [_transcript(two_instances, rasa, conversation) for rasa in two_instances.rasas]
    assert transcripts[0] == transcripts[1], "one transcript, whichever Rasa reads it"
    transcript = transcripts[0]
    resumed = transcript.index(("resume",)) + 1
    assert transcript[:resumed] == expected_until_resume
    assert ("assistant", redact(greeting)) in transcript[resumed:]
    assert transcript[-1 - len(answer):] == [("user", AFTERWARDS)] + [("assistant", redact(t)) for t in answer]
    assert not [line for line in transcript[resumed:] if line[0] == "staff"]
    staff_events = [event for event in two_instances.events(two_instances.rasas[1], conversation)
                    if (event.get("metadata") or {}).get("staff")]
    assert len(staff_events) == len(STAFF_SAYS) and USERNAME not in json.dumps(staff_events)
