"""Backing up and restoring an SQLite database with SQLite's online backup API.

The backup API copies a consistent state of the database while Haven keeps running (in write-ahead-log
mode readers never block writers, and the copy is made in one step, so no write can fall between its pages).
The copy lives only in a private temporary directory (mode 0700, the file 0600) while it is encrypted,
and is removed with it. A restore writes the decrypted copy there too, checks it, and copies it into
the target with the same API, in one write transaction: the target is either untouched or complete.
"""

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from bot.ops.errors import OpsError

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
"""Haven's processes write to the same file: wait for a turn's write rather than fail."""
READ_BYTES = 1 << 20


def private_file(path: Path) -> Path:
    """Creates `path` empty, readable by this account only (never an existing file)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def snapshot(source: Path, directory: Path) -> Path:
    """A consistent copy of the live database at `source`, as a new file in `directory`."""
    if not source.is_file():
        raise OpsError(f"There is no database at {source}, so there is nothing to back up.")
    copy = private_file(directory / "snapshot.db")
    read_only = f"{source.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(read_only, uri=True, timeout=BUSY_TIMEOUT_S)) as live, \
                closing(sqlite3.connect(copy)) as target:
            live.backup(target)
    except sqlite3.Error as error:
        raise OpsError(f"{source} can't be backed up: {error}. Nothing was written.") from None
    return copy


def without_rows(copy: Path, tables: Sequence[str]) -> None:
    """Empties `tables` in the snapshot `copy`, and rewrites the file so no deleted row is left in it."""
    with closing(sqlite3.connect(copy)) as snapshot:
        existing = {row[0] for row in snapshot.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in tables:
            if table in existing:
                snapshot.execute(f'DELETE FROM "{table}"')
        snapshot.commit()
        snapshot.execute("VACUUM")


def pieces(path: Path) -> Iterator[bytes]:
    """The file at `path`, a piece at a time (for encryption as it is read)."""
    with path.open("rb") as source:
        while piece := source.read(READ_BYTES):
            yield piece


def write_copy(content: Iterable[bytes], directory: Path) -> Path:
    """The decrypted backup as a private file in `directory`, checked to be a sound SQLite database."""
    copy = private_file(directory / "restore.db")
    with copy.open("wb") as out:
        for piece in content:
            out.write(piece)
    try:
        with closing(sqlite3.connect(copy)) as restored:
            verdict = restored.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error:
        verdict = "not an SQLite database"
    if verdict != "ok":
        raise OpsError(f"The backup's database fails SQLite's integrity check ({verdict}). Nothing was restored.")
    return copy


def restore_into(copy: Path, target: Path) -> None:
    """Copies the checked database `copy` into `target` (created readable by this account only)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        private_file(target)
    try:
        with closing(sqlite3.connect(copy)) as restored, \
                closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as live:
            restored.backup(live)
    except sqlite3.Error as error:
        raise OpsError(f"The backup can't be copied into {target}: {error}. {target} was not changed.") from None
