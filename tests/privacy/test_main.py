"""`python -m bot.privacy purge` as make run (scripts/run) calls it: a real process on a real database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.database.migrate import upgrade
from bot.handoff.models import audit_log
from bot.settings import ROOT


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
    for option in ("--days", "--audit-days"):
        refused = _run(tmp_path / "haven.db", "purge", option, "0")
        assert refused.returncode == 2
        assert "--days and --audit-days must be more than 0" in refused.stderr


def test_purge_keeps_the_staff_audit_log_for_its_own_longer_period(tmp_path: Path) -> None:
    db = tmp_path / "haven.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    upgrade(engine)
    with engine.begin() as connection:
        for days in (400, 100):
            connection.execute(audit_log.insert().values(action="took", conversation=uuid.uuid4().hex,
                                                         at=time.time() - days * 86_400))
    purged = _run(db, "purge")
    assert purged.returncode == 0, purged.stderr
    assert "Retention purge: 1 audit-log entries older than 365 days deleted." in purged.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 1
    assert "1 audit-log entries older than 50 days" in _run(db, "purge", "--audit-days", "50").stderr


def test_purge_before_the_first_start_finds_no_audit_log_and_says_so(tmp_path: Path) -> None:
    purged = _run(tmp_path / "haven.db", "purge")
    assert purged.returncode == 0, purged.stderr
    assert "Retention purge: 0 audit-log entries older than 365 days deleted." in purged.stderr
