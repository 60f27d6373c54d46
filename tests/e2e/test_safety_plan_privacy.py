"""A safety plan never reaches the database: the form over the survivor's socket, through the real gateway,
Rasa and action server, then every column of every table of the real database searched for each answer.

On SQLite (scripts/run's default; its files are searched as bytes too, write-ahead log included) and on
PostgreSQL (a database of this module's own, dropped afterwards). A plan finished (with a question asked
half-way), one stopped half-way, and one interrupted by danger. The survivor sees her summary once, on
screen; staff reading the transcript see placeholders.
"""

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest
import sqlalchemy as sa
from websockets.legacy.client import connect

from bot.privacy.safety_plan import PLAN_ANSWER, PLAN_SUMMARY
from bot.risk import Risk, event_risk
from tests.gateway.chat.conftest import bot_texts, say, ws_url
from tests.scaleout.conftest import create_test_database, drop_test_database
from tools.bench.stack import Stack, StackError, start_stack, stop_stack

WAIT_S = 90.0
"""A turn on a busy two-core machine: the gateway's fallback is put off as long (HAVEN_FALLBACK_AFTER_S)."""
STACK_SETTINGS = {
    "HAVEN_FALLBACK_AFTER_S": str(WAIT_S),
    "HAVEN_RASA_TIMEOUT_S": str(WAIT_S),
    "HAVEN_RATE_MESSAGES": "50",  # a plan is ten messages, sent as fast as the answers come
}
START = "help me make a safety plan"

PLAN = [
    ("the flat above the quokka bakery in Wolverhampton", "quokka bakery"),
    ("the lady at the launderette, she has a trombone", "trombone"),
    ("marmalade-penguin", "marmalade-penguin"),
    ("passports hidden in the potting shed", "potting shed"),
    ("the numbers are written inside my wellington boot", "wellington boot"),
    ("the kids go to St Aldhelm's primary", "Aldhelm"),
    ("when he's at the Fox and Hounds on Fridays", "Fox and Hounds"),
    ("take the long way past the Brackenbury gym", "Brackenbury"),
]
"""Eight answers, each with words nothing else in Haven says (nor redacts), one with a place the NLU tags.
None is a name: names are redacted anyway, and this is about what is stored whatever the redaction."""
QUESTION = "is this chat private?"


@dataclass
class PlanStack:
    """The real stack (scripts/run) and the URL of its database."""

    stack: Stack
    url: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def plan_stack(
    request: pytest.FixtureRequest, trained_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlanStack]:
    """The stack on a database of its own: SQLite (stack.db), or a PostgreSQL database made for it."""
    work = tmp_path_factory.mktemp(f"plan-{request.param}")
    postgres = f"haven_plan_{uuid.uuid4().hex[:10]}" if request.param == "postgresql" else None
    url = create_test_database(postgres) if postgres else f"sqlite:///{work / 'haven.db'}"
    try:
        stack = start_stack(work, trained_model, {**STACK_SETTINGS, "HAVEN_DATABASE_URL": url})
    except StackError as error:
        pytest.fail(str(error))
    try:
        yield PlanStack(stack, url)
    finally:
        stop_stack(stack)
        if postgres:
            drop_test_database(postgres)


def _cells(url: str) -> Iterator[str]:
    """Every value of every column of every table in the database, as text."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    yield from (_text(value) for value in row if value is not None)
    finally:
        engine.dispose()


def _text(value: Any) -> str:
    return bytes(value).decode("utf-8", "replace") if isinstance(value, bytes | memoryview) else str(value)


def _copies(plan: PlanStack, words: Sequence[str]) -> Dict[str, int]:
    """How many times each of `words` is held anywhere in the stack's database (any case); for SQLite also
    in the bytes of its files (main, write-ahead log, shared memory), where deleted rows could linger."""
    stored = "\n".join(_cells(plan.url)).lower()
    if plan.url.startswith("sqlite"):
        db = plan.stack.db
        files = [db, *(db.with_name(db.name + suffix) for suffix in ("-wal", "-shm"))]
        stored += "\n".join(path.read_bytes().decode("utf-8", "replace") for path in files if path.exists()).lower()
    return {word: stored.count(word.lower()) for word in words}


def _events(stack: Stack, conversation: str) -> List[Dict[str, Any]]:
    """The conversation's events as Rasa's HTTP API gives them (what the staff console reads)."""
    return list(stack.tracker(conversation)["events"])


async def _plan(stack: Stack, messages: Sequence[str]) -> Tuple[str, List[List[str]]]:
    """Starts a conversation on the survivor socket, asks for a plan and sends `messages`; the conversation
    id and the assistant's texts for each message."""
    async with connect(ws_url(stack.gateway_url)) as ws:
        await ws.send(json.dumps({"type": "start"}))
        conversation = str(json.loads(await ws.recv())["conversation"])
        assert bot_texts(await say(ws, START, WAIT_S))[0].startswith("Let's make a safety plan")
        replies = [bot_texts(await say(ws, message, WAIT_S)) for message in messages]
    return conversation, replies


def _assert_nothing_of(plan: PlanStack, conversation: str, words: Sequence[str]) -> None:
    copies = _copies(plan, words)
    assert copies == dict.fromkeys(words, 0), f"safety-plan answers stored: {copies}"
    stack = plan.stack
    transcript = json.dumps(stack.tracker(conversation)).lower()
    assert not [word for word in words if word.lower() in transcript], "answers in the transcript staff read"
    logged = stack.log.read_text(errors="replace").lower()
    assert not [word for word in words if word.lower() in logged], "answers in a process log"


def _user_events(stack: Stack, conversation: str) -> List[Dict[str, Any]]:
    return [event for event in _events(stack, conversation) if event["event"] == "user"]


async def test_a_whole_plan_is_shown_once_and_stored_only_as_placeholders(plan_stack: PlanStack) -> None:
    stack, answers = plan_stack.stack, [answer for answer, _ in PLAN]
    conversation, replies = await _plan(stack, [*answers[:2], QUESTION, *answers[2:]])
    assert len(replies[2]) == 2, "a question mid-plan is answered, then the step is asked again, as before"
    summary, cleared = replies[-1][0], replies[-1][1]
    assert summary.startswith("Here is your safety plan:")
    assert all(answer in summary for answer in answers), "the survivor sees her whole plan, in her words"
    assert cleared.endswith("I've now cleared your answers from this conversation.")

    _assert_nothing_of(plan_stack, conversation, [word for _, word in PLAN] + ["Wolverhampton", QUESTION])
    assert _copies(plan_stack, [PLAN_SUMMARY])[PLAN_SUMMARY] >= 1, "the search reads what is stored"
    user_events = _user_events(stack, conversation)
    assert [event["text"] for event in user_events] == [START] + [PLAN_ANSWER] * (len(PLAN) + 1)
    assert all(event["parse_data"]["intent"]["name"] for event in user_events), "the intent is kept"
    stored_bot_texts = [event["text"] for event in _events(stack, conversation) if event["event"] == "bot"]
    assert PLAN_SUMMARY in stored_bot_texts and cleared in stored_bot_texts
    slots = stack.tracker(conversation)["slots"]
    assert all(value is None for name, value in slots.items() if name.startswith("plan_"))


async def test_a_plan_stopped_half_way_leaves_nothing(plan_stack: PlanStack) -> None:
    stack = plan_stack.stack
    conversation, replies = await _plan(stack, ["the library with the stripy zebra carpet", "tangerine-walrus", "stop"])
    assert replies[-1][0].startswith("OK, we've stopped. I've cleared your answers.")
    _assert_nothing_of(plan_stack, conversation, ["zebra carpet", "tangerine-walrus"])
    user_texts = [event["text"] for event in _user_events(stack, conversation)]
    assert user_texts == [START, PLAN_ANSWER, PLAN_ANSWER, "stop"], "stop is stored as ever"
    assert not stack.tracker(conversation)["active_loop"]


async def test_danger_mid_plan_is_answered_and_stored_as_ever_but_the_answers_are_not(
    plan_stack: PlanStack, emergency_text: str
) -> None:
    stack, danger = plan_stack.stack, "he's back and he's got a knife"
    answers = ["under the Huckleberry bridge", "the woman from the gooseberry allotment"]
    conversation, replies = await _plan(stack, [*answers, danger])
    assert replies[-1][0] == emergency_text
    _assert_nothing_of(plan_stack, conversation, ["Huckleberry", "gooseberry"])
    user_events = _user_events(stack, conversation)
    assert [event["text"] for event in user_events] == [START, PLAN_ANSWER, PLAN_ANSWER, danger]
    assert event_risk(user_events[-1]) is Risk.DANGER, "staff see why the plan stopped, and the risk"
    assert not stack.tracker(conversation)["active_loop"]
