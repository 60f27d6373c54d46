"""Backups proven by restoring them: `python -m bot.ops backup` of a live database and `restore` into a fresh
one bring back the same conversations, directory and staff, on SQLite and on the real PostgreSQL server;
bad input is refused with a plain message and the target is left exactly as it was.
"""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import List

from bot.ops.sealed import MAGIC, new_key, open_backup, parse_key
from bot.settings import ROOT
from tests.ops.conftest import (
    EVENTS_PER_CONVERSATION,
    NewDatabase,
    Populated,
    conversations,
    migrated,
    populate,
    run_ops,
    save_conversation,
    snapshot,
    tables,
)

CLEAR_MARKERS = (b"SQLite format 3", b"PGDMP", b"refuge", b"alex.admin", b"argon2")
"""What a database file or dump shows in the clear: none of it may be in a backup file."""


def _backed_up(populated: Populated, key: str, out: Path) -> None:
    made = run_ops(populated.url, key, "backup", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "3 conversations, 34 services in the directory, 2 staff accounts" in made.stdout


class _Writer(threading.Thread):
    """Haven at work during the backup: conversations saved one after another, each in one transaction."""

    def __init__(self, populated: Populated) -> None:
        super().__init__(daemon=True)
        self.populated = populated
        self.saved: List[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.saved.append(save_conversation(self.populated.store, 0, "he took my phone"))


def test_a_live_database_restores_with_the_same_conversations_directory_and_staff(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    populated = populate(new_database())
    writer = _Writer(populated)
    writer.start()
    try:
        while len(writer.saved) < 3:
            writer.stop.wait(0.05)
        before = set(writer.saved)
        made = run_ops(populated.url, backup_key, "backup", "--out", str(tmp_path / "live.backup"))
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert made.returncode == 0, made.stderr
    assert len(writer.saved) > len(before), "Haven kept writing while the backup ran"
    fresh = new_database()
    restored = run_ops(fresh, backup_key, "restore", str(tmp_path / "live.backup"))
    assert restored.returncode == 0, restored.stderr
    stored = conversations(fresh)
    assert set(stored) >= {populated.old, *populated.recent, *before}, "every conversation saved before the backup"
    assert set(stored) <= {populated.old, *populated.recent, *writer.saved}
    assert set(stored.values()) == {EVENTS_PER_CONVERSATION}, "a conversation is whole or absent, never half"
    original, copy = snapshot(populated.url), snapshot(fresh)
    assert copy["services"] == original["services"] and len(copy["services"]) == 34
    assert copy["staff"] == original["staff"] and [row[0] for row in copy["staff"]] == ["alex.admin", "sam.worker"]
    kept = set(stored)
    assert copy["events"] == [row for row in original["events"] if row[0] in kept]


def test_the_backup_is_encrypted_private_and_no_clear_copy_is_left_behind(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    populated = populate(new_database())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out = tmp_path / "haven.backup"
    made = run_ops(populated.url, backup_key, "backup", "--out", str(out), TMPDIR=str(scratch))
    assert made.returncode == 0, made.stderr
    content = out.read_bytes()
    assert content.startswith(MAGIC)
    assert not [marker for marker in CLEAR_MARKERS if marker in content]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(scratch.iterdir()) == [], "the unencrypted working copy is removed"
    assert not list(tmp_path.glob("*.partial"))


def test_a_restore_into_a_database_that_holds_data_is_refused_and_changes_nothing(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    source, target = populate(new_database()), populate(new_database())
    _backed_up(source, backup_key, tmp_path / "haven.backup")
    before = snapshot(target.url)
    refused = run_ops(target.url, backup_key, "restore", str(tmp_path / "haven.backup"))
    assert refused.returncode == 1
    assert "already holds data (3 conversations, 34 services in the directory, 2 staff accounts" in refused.stderr
    assert "a restore never overwrites data" in refused.stderr and "Nothing was changed." in refused.stderr
    assert "Traceback" not in refused.stderr
    assert snapshot(target.url) == before


def _damaged_copies(backup: Path, tmp_path: Path) -> List[Path]:
    content = backup.read_bytes()
    flipped = bytearray(content)
    flipped[len(content) // 2] ^= 0x01
    copies = {"flipped.backup": bytes(flipped), "truncated.backup": content[: len(content) - 100],
              "not-a-backup.backup": b"just some file\n" * 100}
    for name, data in copies.items():
        (tmp_path / name).write_bytes(data)
    return [tmp_path / name for name in copies]


def test_a_damaged_or_foreign_file_is_refused_and_the_target_is_untouched(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    source = populate(new_database())
    _backed_up(source, backup_key, tmp_path / "haven.backup")
    target = new_database()
    expected = ("is damaged", "is incomplete", "isn't a Haven backup")
    for damaged, reason in zip(_damaged_copies(tmp_path / "haven.backup", tmp_path), expected, strict=True):
        refused = run_ops(target, backup_key, "restore", str(damaged))
        assert refused.returncode == 1 and reason in refused.stderr, refused.stderr
        assert "Nothing was restored." in refused.stderr and "Traceback" not in refused.stderr
        assert tables(target) == [], "the target gained nothing"


def test_a_wrong_key_is_refused_and_the_target_is_untouched(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    _backed_up(populate(new_database()), backup_key, tmp_path / "haven.backup")
    target = new_database()
    refused = run_ops(target, new_key(), "restore", str(tmp_path / "haven.backup"))
    assert refused.returncode == 1
    assert "was made with a different backup key" in refused.stderr and "Nothing was restored." in refused.stderr
    assert tables(target) == []


def test_retention_still_applies_after_a_restore(new_database: NewDatabase, backup_key: str, tmp_path: Path) -> None:
    source = populate(new_database())
    _backed_up(source, backup_key, tmp_path / "haven.backup")
    fresh = new_database()
    restored = run_ops(fresh, backup_key, "restore", str(tmp_path / "haven.backup"))
    assert restored.returncode == 0, restored.stderr
    assert "1 of these conversations are older than the retention period (30 days)" in restored.stdout
    assert source.old in conversations(fresh)
    purge = subprocess.run(
        [sys.executable, "-m", "bot.privacy", "purge"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "HAVEN_DATABASE_URL": fresh, "HAVEN_RETENTION_DAYS": "30"},
    )
    assert purge.returncode == 0, purge.stderr
    assert set(conversations(fresh)) == set(source.recent), "the old conversation went, the recent ones stayed"


def test_a_backup_without_conversations_keeps_the_directory_and_staff_and_no_conversation(
    new_database: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    source = populate(new_database())
    out = tmp_path / "long-term.backup"
    made = run_ops(source.url, backup_key, "backup", "--without-conversations", "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert "0 conversations, 34 services in the directory, 2 staff accounts" in made.stdout
    with out.open("rb") as stream:
        _, content = open_backup(stream, parse_key(backup_key, "test"), str(out))
        clear = b"".join(content)
    assert not [sender for sender in (source.old, *source.recent) if sender.encode() in clear]
    fresh = new_database()
    restored = run_ops(fresh, backup_key, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    assert conversations(fresh) == {}
    original, copy = snapshot(source.url), snapshot(fresh)
    assert (copy["services"], copy["staff"]) == (original["services"], original["staff"])


def test_an_sqlite_file_with_only_empty_tables_is_replaced_whole(
    sqlite_databases: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    _backed_up(populate(sqlite_databases()), backup_key, tmp_path / "haven.backup")
    started_once = migrated(sqlite_databases())
    restored = run_ops(started_once, backup_key, "restore", str(tmp_path / "haven.backup"))
    assert restored.returncode == 0, restored.stderr
    assert len(conversations(started_once)) == 3


def test_a_postgresql_database_haven_was_started_on_is_refused_even_empty(
    postgresql_databases: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    _backed_up(populate(postgresql_databases()), backup_key, tmp_path / "haven.backup")
    started_once = migrated(postgresql_databases())
    before = tables(started_once)
    refused = run_ops(started_once, backup_key, "restore", str(tmp_path / "haven.backup"))
    assert refused.returncode == 1
    assert "holds no data but already has tables (" in refused.stderr and "Nothing was changed." in refused.stderr
    assert tables(started_once) == before
