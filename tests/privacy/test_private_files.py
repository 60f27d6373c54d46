"""Only Haven's own user can read the survivors' conversations on disk (security review 2026-12-03,
finding 4): every SQLite file the engine factory opens, and its `-wal` and `-shm` companions, is 0600
whatever the process's umask, including files an older version left readable; its new folder is 0700.
tests/e2e/test_private_by_default.py checks the running stack's files and var/."""

import os
import sqlite3
import stat
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from bot.database.engine import make_engine
from bot.file_modes import PRIVATE_UMASK, private_from_now

USUAL_UMASK = 0o022
"""Most systems' default: new files 0644, readable by every local account."""


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(USUAL_UMASK)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(database: Path) -> List[Path]:
    return [database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")]


def _write(engine: sa.engine.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE IF NOT EXISTS notes (body TEXT)"))
        connection.execute(sa.text("INSERT INTO notes VALUES ('he reads my phone')"))


def test_a_new_database_and_its_companions_are_for_their_owner_only(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "var" / "haven.db"
    engine = make_engine(f"sqlite:///{database}")
    _write(engine)
    try:
        assert {path.name: _mode(path) for path in _files(database)} == {
            "haven.db": 0o600, "haven.db-wal": 0o600, "haven.db-shm": 0o600,
        }
        assert _mode(database.parent) == 0o700
    finally:
        engine.dispose()


def test_a_database_an_older_version_left_readable_is_made_owner_only(tmp_path: Path, usual_umask: None) -> None:
    database = tmp_path / "haven.db"
    older = sqlite3.connect(database)  # kept open, so its -wal and -shm files stay, all 0644
    older.execute("PRAGMA journal_mode=WAL")
    older.execute("CREATE TABLE notes (body TEXT)")
    older.commit()
    try:
        assert {_mode(path) for path in _files(database)} == {0o644}
        engine = make_engine(f"sqlite:///{database}")
        _write(engine)
        engine.dispose()
        assert {_mode(path) for path in _files(database)} == {0o600}
    finally:
        older.close()


def test_an_entry_point_makes_every_new_file_private(tmp_path: Path, usual_umask: None) -> None:
    private_from_now()
    assert os.umask(USUAL_UMASK) == PRIVATE_UMASK
