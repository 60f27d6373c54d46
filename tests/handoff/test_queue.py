"""The queue and its state machine, including the races, on SQLite and PostgreSQL."""

import threading
from functools import partial
from typing import Callable, List

from sqlalchemy.engine import Engine

from bot.handoff import audit, queue
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


def test_danger_is_seen_first_then_whoever_waited_longest(db: Engine) -> None:
    assert queue.request(db, "a" * 32, queue.NORMAL, "first") == 1
    assert queue.request(db, "b" * 32, queue.NORMAL, "second") == 2
    assert queue.request(db, "c" * 32, queue.URGENT, "in danger") == 1
    assert [h.conversation[0] for h in queue.waiting(db)] == ["c", "a", "b"]
    assert queue.position(db, "b" * 32) == 3


def test_asking_again_keeps_the_place_in_the_queue(db: Engine) -> None:
    queue.request(db, "a" * 32, queue.NORMAL, "")
    queue.request(db, "b" * 32, queue.NORMAL, "")
    assert queue.request(db, "a" * 32, queue.NORMAL, "") == 1
    assert len(queue.waiting(db)) == 2


def test_danger_while_waiting_moves_the_survivor_up(db: Engine) -> None:
    queue.request(db, "a" * 32, queue.NORMAL, "")
    queue.request(db, "b" * 32, queue.NORMAL, "")
    assert queue.escalate(db, "b" * 32)
    assert queue.position(db, "b" * 32) == 1


def test_two_staff_taking_at_once_exactly_one_wins(db: Engine) -> None:
    ash, bob = worker(db, "ash"), worker(db, "bob")
    for round_ in range(5):
        conversation = f"{round_:032x}"
        queue.request(db, conversation, queue.NORMAL, "")
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
        queue.request(db, conversation, queue.NORMAL, "")
        handoff = queue.open_handoff(db, conversation)
        assert handoff is not None
        took, cancelled = _at_once(partial(queue.take, db, handoff, ash.id), partial(queue.cancel, db, conversation))
        assert queue.open_handoff(db, conversation) is None, "whichever came first, nothing is left open"
        assert cancelled is not None and cancelled.state == queue.CANCELLED  # type: ignore[attr-defined]
        if took:
            assert cancelled.staff_id == ash.id, "the staff member who took it is the one to tell"  # type: ignore[attr-defined]


def test_only_the_holder_hands_back_ends_or_transfers(db: Engine) -> None:
    ash, bob = worker(db, "ash"), worker(db, "bob")
    queue.request(db, "a" * 32, queue.NORMAL, "")
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
    queue.request(db, "a" * 32, queue.NORMAL, "my secret preview")
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
