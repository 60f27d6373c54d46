"""The queue and its state machine, including the races, on SQLite and PostgreSQL."""

import threading
from functools import partial
from pathlib import Path
from typing import Callable, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.database import migrate
from bot.database.engine import make_engine
from bot.handoff import audit, queue
from bot.risk import Risk
from tests.handoff.conftest import worker


def _at_once(*calls: Callable[[], object]) -> List[object]:
    """Runs the calls in threads released together, as two staff clicking at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: List[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_a_risk_to_life_is_seen_first_then_whoever_waited_longest(db: Engine) -> None:
    assert queue.request(db, "a" * 32, Risk.NONE, "first") == 1
    assert queue.request(db, "b" * 32, Risk.NONE, "second") == 2
    assert queue.request(db, "c" * 32, Risk.DANGER, "in danger") == 1
    assert queue.request(db, "d" * 32, Risk.SELF_HARM, "want to end it all") == 2, "as urgent as danger"
    assert [(h.conversation[0], h.risk) for h in queue.waiting(db)] == [
        ("c", Risk.DANGER), ("d", Risk.SELF_HARM), ("a", Risk.NONE), ("b", Risk.NONE)]
    assert queue.position(db, "b" * 32) == 4


def test_asking_again_keeps_the_place_in_the_queue(db: Engine) -> None:
    queue.request(db, "a" * 32, Risk.NONE, "")
    queue.request(db, "b" * 32, Risk.NONE, "")
    assert queue.request(db, "a" * 32, Risk.NONE, "") == 1
    assert len(queue.waiting(db)) == 2


@pytest.mark.parametrize("risk", [Risk.DANGER, Risk.SELF_HARM])
def test_a_risk_to_life_while_waiting_moves_the_survivor_up_and_says_why(db: Engine, risk: Risk) -> None:
    queue.request(db, "a" * 32, Risk.NONE, "")
    queue.request(db, "b" * 32, Risk.NONE, "")
    assert queue.escalate(db, "b" * 32, risk)
    assert queue.position(db, "b" * 32) == 1
    assert queue.waiting(db)[0].risk is risk


def test_the_queue_keeps_the_gravest_risk_danger_over_self_harm(db: Engine) -> None:
    queue.request(db, "a" * 32, Risk.SELF_HARM, "")
    assert queue.escalate(db, "a" * 32, Risk.DANGER)
    assert not queue.escalate(db, "a" * 32, Risk.SELF_HARM), "self-harm after danger changes nothing"
    assert queue.waiting(db)[0].risk is Risk.DANGER


def test_a_risk_to_life_while_chatting_marks_the_held_conversation(db: Engine) -> None:
    ash = worker(db, "ash")
    queue.request(db, "a" * 32, Risk.NONE, "")
    handoff = queue.open_handoff(db, "a" * 32)
    assert handoff is not None and queue.take(db, handoff, ash.id)
    assert queue.escalate(db, "a" * 32, Risk.SELF_HARM)
    assert [h.risk for h in queue.held_by(db, ash.id)] == [Risk.SELF_HARM]
    assert queue.hand_back(db, handoff, ash.id)
    assert not queue.escalate(db, "a" * 32, Risk.DANGER), "a closed handoff is not reopened or changed"


def test_two_staff_taking_at_once_exactly_one_wins(db: Engine) -> None:
    ash, bob = worker(db, "ash"), worker(db, "bob")
    for round_ in range(5):
        conversation = f"{round_:032x}"
        queue.request(db, conversation, Risk.NONE, "")
        handoff = queue.open_handoff(db, conversation)
        assert handoff is not None
        wins = _at_once(partial(queue.take, db, handoff, ash.id), partial(queue.take, db, handoff, bob.id))
        assert sorted(bool(win) for win in wins) == [False, True], f"round {round_}: {wins}"
        held = queue.open_handoff(db, conversation)
        assert held is not None and held.state == queue.ACTIVE
        assert held.staff_id == (ash.id if wins[0] else bob.id)


def test_the_survivor_leaving_while_being_taken_always_ends_cancelled(db: Engine) -> None:
    ash = worker(db, "ash")
    for round_ in range(5):
        conversation = f"{round_:032x}"
        queue.request(db, conversation, Risk.NONE, "")
        handoff = queue.open_handoff(db, conversation)
        assert handoff is not None
        took, cancelled = _at_once(partial(queue.take, db, handoff, ash.id), partial(queue.cancel, db, conversation))
        assert queue.open_handoff(db, conversation) is None, "whichever came first, nothing is left open"
        assert cancelled is not None and cancelled.state == queue.CANCELLED  # type: ignore[attr-defined]
        if took:
            assert cancelled.staff_id == ash.id, "the staff member who took it is the one to tell"  # type: ignore[attr-defined]


def test_only_the_holder_hands_back_ends_or_transfers(db: Engine) -> None:
    ash, bob = worker(db, "ash"), worker(db, "bob")
    queue.request(db, "a" * 32, Risk.NONE, "")
    handoff = queue.open_handoff(db, "a" * 32)
    assert handoff is not None and queue.take(db, handoff, ash.id)
    assert not queue.take(db, handoff, bob.id)
    assert not queue.hand_back(db, handoff, bob.id)
    assert not queue.end(db, handoff, bob.id)
    assert queue.transfer(db, handoff, ash.id, bob.id)
    assert [h.conversation for h in queue.held_by(db, bob.id)] == ["a" * 32]
    assert queue.held_by(db, ash.id) == []
    assert not queue.hand_back(db, handoff, ash.id)
    assert queue.hand_back(db, handoff, bob.id)
    assert queue.open_handoff(db, "a" * 32) is None
    assert not queue.end(db, handoff, bob.id), "a handed-back conversation can't be ended again"


def test_the_audit_log_says_who_did_what_and_never_what_was_written(db: Engine) -> None:
    ash, bob = worker(db, "ash"), worker(db, "bob")
    queue.request(db, "a" * 32, Risk.NONE, "my secret preview")
    handoff = queue.open_handoff(db, "a" * 32)
    assert handoff is not None
    queue.take(db, handoff, ash.id)
    queue.transfer(db, handoff, ash.id, bob.id)
    queue.end(db, handoff, bob.id)
    entries = audit.recent(db)
    assert [(e["actor"], e["action"]) for e in reversed(entries)] == [
        ("survivor", "requested"), ("ash", "took"), ("ash", "transferred"), ("bob", "ended")]
    assert entries[1]["target"] == bob.id
    assert "secret" not in str(entries)


def test_survivors_waiting_at_an_upgrade_keep_their_place_and_urgent_ones_show_as_danger(tmp_path: Path) -> None:
    """Revision 0003 replaced `priority` with `risk`: an urgent handoff was labelled Danger before, and still is."""
    engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
    migrate.upgrade(engine, "0002")
    with engine.begin() as connection:
        for conversation, priority, requested_at in (("a" * 32, 0, 1.0), ("b" * 32, 1, 2.0)):
            connection.execute(sa.text(
                "INSERT INTO handoffs (conversation, state, priority, requested_at, preview) "
                "VALUES (:conversation, 'waiting', :priority, :requested_at, '')"
            ), {"conversation": conversation, "priority": priority, "requested_at": requested_at})
    migrate.upgrade(engine)
    assert [(h.conversation[0], h.risk) for h in queue.waiting(engine)] == [("b", Risk.DANGER), ("a", Risk.NONE)]
    engine.dispose()
