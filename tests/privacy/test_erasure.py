"""Quick-exit erasure deletes one conversation's events and nothing else."""

from pathlib import Path

import sqlalchemy as sa

from bot.privacy.erasure import ConversationEraser, tracker_store_url

SURVIVOR, SOMEONE_ELSE = "a" * 32, "b" * 32


def _store_with_events(path: Path) -> ConversationEraser:
    eraser = ConversationEraser(tracker_store_url("sqlite", str(path)))
    with eraser.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)"))
        for sender in (SURVIVOR, SURVIVOR, SOMEONE_ELSE):
            connection.execute(sa.text("INSERT INTO events (sender_id, data) VALUES (:s, 'x')"), {"s": sender})
    return eraser


def _count(eraser: ConversationEraser, sender: str) -> int:
    with eraser.engine.connect() as connection:
        return int(
            connection.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
        )


def test_erases_only_the_survivors_conversation(tmp_path: Path) -> None:
    eraser = _store_with_events(tmp_path / "haven.db")
    assert eraser.erase(SURVIVOR) == 2
    assert _count(eraser, SURVIVOR) == 0
    assert _count(eraser, SOMEONE_ELSE) == 1


def test_erasing_before_anything_was_stored_is_harmless(tmp_path: Path) -> None:
    assert ConversationEraser(tracker_store_url("sqlite", str(tmp_path / "empty.db"))).erase(SURVIVOR) == 0


def test_a_hostile_id_is_just_a_value(tmp_path: Path) -> None:
    eraser = _store_with_events(tmp_path / "haven.db")
    assert eraser.erase("' OR '1'='1") == 0
    assert _count(eraser, SURVIVOR) == 2
