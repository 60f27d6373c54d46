"""A deleted chat is gone from the SQLite files too, not only from the tables: the survivor is told it was
deleted from the charity's system (security review 2026-12-03, finding 14).

The conversation is stored through the real redacting tracker store, as Rasa stores it, while another
connection (the gateway's or Rasa's, in a running stack) keeps the database open, and the raw bytes of the
database file and its `-wal` and `-shm` companions are searched afterwards.
"""

import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.database.engine import SQLITE_COMPANIONS, make_engine
from bot.privacy.erasure import ConversationEraser

DAY = 86_400.0


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "haven.db"


@pytest.fixture
def store(database: Path) -> Iterator[RedactingSQLTrackerStore]:
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
    yield store
    store.engine.dispose()


def _words() -> str:
    """What a survivor might write, with a marker no other test or run uses."""
    return f"the code word is marmalade-{uuid.uuid4().hex} and my sister Oriel Fenwick-Stroud knows it"


async def _store(store: RedactingSQLTrackerStore, words: str, days_ago: float = 0) -> str:
    sender = uuid.uuid4().hex
    when = time.time() - days_ago * DAY
    events = [UserUttered(words, timestamp=when), BotUttered(f"You said: {words}", timestamp=when + 1)]
    await store.save(DialogueStateTracker.from_events(sender, events))
    return sender


def _files_holding(database: Path, words: str) -> list:
    """The database's files whose raw bytes still hold `words` (or its marker)."""
    marker = words.split("marmalade-")[1].split()[0].encode()
    paths = [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)]
    return [path.name for path in paths if path.exists() and marker in path.read_bytes()]


async def test_an_erased_chat_is_in_none_of_the_database_files(
    store: RedactingSQLTrackerStore, database: Path
) -> None:
    words = _words()
    sender = await _store(store, words)
    kept = await _store(store, "someone else's chat")
    assert _files_holding(database, words), "the check must see the words while they are stored"
    assert ConversationEraser(make_engine(f"sqlite:///{database}")).erase(sender) == 2
    assert _files_holding(database, words) == []
    with store.engine.connect() as connection:
        remaining = connection.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": kept})
        assert remaining.scalar_one() == 2, "only the erased conversation went"


async def test_a_purged_chat_is_in_none_of_the_database_files(store: RedactingSQLTrackerStore, database: Path) -> None:
    words = _words()
    await _store(store, words, days_ago=40)
    assert _files_holding(database, words)
    conversations, _ = ConversationEraser(make_engine(f"sqlite:///{database}")).purge(time.time() - 30 * DAY)
    assert conversations == 1
    assert _files_holding(database, words) == []
