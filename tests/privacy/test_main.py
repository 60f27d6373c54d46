"""`python -m bot.privacy purge` as make run (scripts/run) calls it: a real process on a real database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.tracker_store import RedactingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]


def _run(db: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "HAVEN_DATABASE_URL": f"sqlite:///{db}", "HAVEN_RETENTION_DAYS": "30"}
    return subprocess.run(
        [sys.executable, "-m", "bot.privacy", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


async def test_purge_deletes_by_the_configured_retention_and_logs_only_counts(tmp_path: Path) -> None:
    db = tmp_path / "haven.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    old, fresh = uuid.uuid4().hex, uuid.uuid4().hex
    for sender, days in ((old, 45), (fresh, 2)):
        event = UserUttered("my secret words", timestamp=time.time() - days * 86_400)
        await store.save(DialogueStateTracker.from_events(sender, [event]))
    purged = _run(db, "purge")
    assert purged.returncode == 0, purged.stderr
    assert "Retention purge: 1 conversations (1 rows) older than 30 days deleted." in purged.stderr
    assert old not in purged.stderr and "secret" not in purged.stderr
    assert (await store.retrieve(old)) is None
    assert (await store.retrieve(fresh)) is not None
    assert "1 conversations" in _run(db, "purge", "--days", "1").stderr


def test_a_bad_retention_period_is_refused_clearly(tmp_path: Path) -> None:
    refused = _run(tmp_path / "haven.db", "purge", "--days", "0")
    assert refused.returncode == 2
    assert "--days must be more than 0" in refused.stderr
