"""Erasure deletes exactly one conversation; the retention purge deletes exactly the expired ones.

Conversations are stored through the real tracker store with real timestamps, in SQLite and PostgreSQL.
"""

import time
import uuid
from pathlib import Path
from typing import List

import sqlalchemy as sa
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.database.engine import make_engine
from bot.privacy.erasure import ConversationEraser

DAY = 86_400.0


async def _conversation(store: RedactingSQLTrackerStore, days_ago: float) -> str:
    sender = uuid.uuid4().hex
    when = time.time() - days_ago * DAY
    events = [UserUttered("hello", timestamp=when), BotUttered("Hello, how can I help?", timestamp=when + 1)]
    await store.save(DialogueStateTracker.from_events(sender, events))
    return sender


def _stored(store: RedactingSQLTrackerStore, sender: str) -> int:
    query = sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :sender")
    with store.engine.connect() as connection:
        return int(connection.execute(query, {"sender": sender}).scalar_one())


def _eraser_for(store: RedactingSQLTrackerStore) -> ConversationEraser:
    return ConversationEraser(make_engine(store.engine.url))


async def _check_erase_and_purge(store: RedactingSQLTrackerStore) -> None:
    old, recent, survivor, someone_else = [
        await _conversation(store, days) for days in (31, 29, 0, 0)
    ]
    eraser = _eraser_for(store)
    assert eraser.erase(survivor) == 2
    assert _stored(store, survivor) == 0 and _stored(store, someone_else) == 2
    cutoff = time.time() - 30 * DAY
    assert old in eraser.expired(cutoff)
    assert recent not in eraser.expired(cutoff) and someone_else not in eraser.expired(cutoff)
    conversations, rows = eraser.purge(cutoff)
    assert conversations >= 1 and rows >= 2
    kept: List[int] = [_stored(store, sender) for sender in (old, recent, someone_else)]
    assert kept == [0, 2, 2]


async def test_sqlite_erase_one_and_purge_the_expired(sqlite_store: RedactingSQLTrackerStore) -> None:
    await _check_erase_and_purge(sqlite_store)


async def test_postgresql_erase_one_and_purge_the_expired(pg_store: RedactingSQLTrackerStore) -> None:
    await _check_erase_and_purge(pg_store)


async def test_a_conversation_still_going_is_kept_whatever_its_start(sqlite_store: RedactingSQLTrackerStore) -> None:
    sender = await _conversation(sqlite_store, 40)
    tracker = await sqlite_store.retrieve(sender)
    assert tracker is not None
    tracker.update(UserUttered("still here", timestamp=time.time()))
    await sqlite_store.save(tracker)
    _eraser_for(sqlite_store).purge(time.time() - 30 * DAY)
    assert _stored(sqlite_store, sender) == 3


def test_erasing_or_purging_before_anything_was_stored_is_harmless(tmp_path: Path) -> None:
    eraser = ConversationEraser(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert eraser.erase("a" * 32) == 0
    assert eraser.purge(time.time()) == (0, 0)


async def test_a_hostile_id_is_just_a_value(sqlite_store: RedactingSQLTrackerStore) -> None:
    sender = await _conversation(sqlite_store, 0)
    assert _eraser_for(sqlite_store).erase("' OR '1'='1") == 0
    assert _stored(sqlite_store, sender) == 2
