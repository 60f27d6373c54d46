"""`backup` and `restore`: the whole Haven database (conversations, directory, staff, handoffs) to one
encrypted file and back, for SQLite (the online backup API) and PostgreSQL (pg_dump / pg_restore).

A backup is encrypted as it is made (bot/ops/sealed.py) into FILE.partial, readable by this account only,
and renamed to FILE when complete, so a file with the final name is always a whole backup. A restore
reads the whole file once to check every part of it under the key before it touches anything, refuses a
target that already holds data, and then restores all or nothing. Restored conversations keep their
times, so the next retention purge deletes those already past the retention period.
"""

import logging
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Iterator, Mapping, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.database.engine import make_engine
from bot.ops import pg_tools, sqlite_file
from bot.ops.contents import Contents, contents, read_only_engine, rows_held
from bot.ops.errors import OpsError
from bot.ops.sealed import Header, encrypt, open_backup
from bot.privacy.erasure import CONVERSATION_TABLES, ConversationEraser

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
DATABASE_NAMES = {"sqlite": "an SQLite database", "postgresql": "a PostgreSQL database"}
TEMPORARY_PREFIX = "haven-backup-"


@dataclass(frozen=True)
class BackupMade:
    """What `backup` wrote."""

    path: Path
    header: Header
    contents: Contents
    size: int


@dataclass(frozen=True)
class Restored:
    """What `restore` brought back, and how many of those conversations the next purge will delete."""

    header: Header
    contents: Contents
    past_retention: int


def shown(url: URL) -> str:
    """The database as it may be printed: never its password."""
    return url.render_as_string(hide_password=True)


def backend(url: URL) -> str:
    """"sqlite" or "postgresql"; anything else can't be backed up here."""
    name = url.get_backend_name()
    if name not in DATABASE_NAMES:
        raise OpsError(f"Backups cover SQLite and PostgreSQL databases; {shown(url)} is neither. Nothing was done.")
    return name


@contextmanager
def database_errors(url: URL) -> Iterator[None]:
    """The database's own errors, said plainly (their first line names the cause; no password is in it)."""
    try:
        yield
    except SQLAlchemyError as error:
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise OpsError(f"The database {shown(url)} can't be used: {cause}. Nothing was changed.") from None


def _private_partial(out: Path) -> Path:
    if out.exists():
        raise OpsError(f"{out} already exists; a backup never replaces a file. Choose another name.")
    partial = out.with_name(out.name + ".partial")
    try:
        return sqlite_file.private_file(partial)
    except FileExistsError:
        raise OpsError(f"{partial} is left from an interrupted backup: delete it, then try again.") from None
    except OSError as error:
        raise OpsError(f"The backup can't be written to {out} ({error.strerror}). Nothing was written.") from None


def backup(database_url: str, out: Path, key: bytes, env: Mapping[str, str],
           conversations: bool = True) -> BackupMade:
    """Backs up the database at `database_url` to `out`, encrypted with `key`; without `conversations`, every
    table of CONVERSATION_TABLES is left empty (a backup that may be kept past the retention period)."""
    url = make_url(database_url)
    backup_of = _backup_sqlite if backend(url) == "sqlite" else _backup_postgresql
    without = () if conversations else tuple(table.name for table in CONVERSATION_TABLES)
    partial = _private_partial(out)
    try:
        with partial.open("wb") as sink, database_errors(url):
            header, held = backup_of(url, sink, key, env, without)
            sink.flush()
            os.fsync(sink.fileno())
        partial.replace(out)
    except OSError as error:
        raise OpsError(f"The backup could not be written to {out} ({error.strerror}). No backup was made.") from None
    finally:
        partial.unlink(missing_ok=True)
    logger.info("Backed up the %s database (%s).", header.database, held.describe())
    return BackupMade(out, header, held, out.stat().st_size)


def _backup_sqlite(url: URL, sink: BinaryIO, key: bytes, _: Mapping[str, str],
                   without: Sequence[str]) -> Tuple[Header, Contents]:
    with tempfile.TemporaryDirectory(prefix=TEMPORARY_PREFIX) as directory:
        copy = sqlite_file.snapshot(Path(url.database or ""), Path(directory))
        if without:
            sqlite_file.without_rows(copy, without)
        held = _contents_of(read_only_engine(f"sqlite:///{copy}"))
        return encrypt(sqlite_file.pieces(copy), sink, key, "sqlite"), held


def _backup_postgresql(url: URL, sink: BinaryIO, key: bytes, env: Mapping[str, str],
                       without: Sequence[str]) -> Tuple[Header, Contents]:
    """pg_dump reads the snapshot this transaction exports, so what is counted is exactly what is dumped."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            snapshot_reader = connection.execution_options(isolation_level="REPEATABLE READ")
            with snapshot_reader.begin():
                snapshot = str(snapshot_reader.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one())
                held = replace(contents(snapshot_reader), conversations=0) if without else contents(snapshot_reader)
                return encrypt(pg_tools.dump(url, snapshot, env, without), sink, key, "postgresql"), held
    finally:
        engine.dispose()


def _contents_of(engine: Engine) -> Contents:
    try:
        with engine.connect() as connection:
            return contents(connection)
    finally:
        engine.dispose()


def _checked_header(source: Path, key: bytes) -> Header:
    """Reads all of `source` and checks every part under `key`; nothing is restored from a file that fails."""
    with _opened(source) as stream:
        header, content = open_backup(stream, key, str(source))
        for _ in content:
            pass
    return header


@contextmanager
def _opened(source: Path) -> Iterator[BinaryIO]:
    try:
        stream = source.open("rb")
    except FileNotFoundError:
        raise OpsError(f"There is no backup file at {source}. Nothing was restored.") from None
    except OSError as error:
        raise OpsError(f"{source} can't be read ({error.strerror}). Nothing was restored.") from None
    with stream:
        yield stream


def _refuse_unless_empty(url: URL) -> None:
    """A restore never overwrites data: the target must hold none. An SQLite file is replaced whole, so empty
    tables in it are fine; a PostgreSQL database must have no tables at all, or a restore could leave a newer
    Haven's tables beside an older backup's."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection:
            held = rows_held(connection)
            described = contents(connection).describe()
            tables = sorted(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()
    if not held and tables and url.get_backend_name() == "postgresql":
        raise OpsError(
            f"The database {shown(url)} holds no data but already has tables ({', '.join(tables)}): was Haven "
            "started on it? A restore needs a database with no tables. Create a new one (createdb "
            "haven_restored) and point HAVEN_DATABASE_URL at it. Nothing was changed."
        )
    if held:
        rows_in = ", ".join(f"{table} ({rows})" for table, rows in sorted(held.items()))
        raise OpsError(
            f"The database {shown(url)} already holds data ({described}; rows in {rows_in}), and a restore never "
            "overwrites data. Restore into a new, empty database: for SQLite, point HAVEN_DATABASE_URL at a new "
            "file (or move the old one aside); for PostgreSQL, create one (createdb haven_restored) and point "
            "HAVEN_DATABASE_URL at it. Nothing was changed."
        )


def restore(source: Path, database_url: str, key: bytes, env: Mapping[str, str], retention_days: float) -> Restored:
    """Restores the backup `source` into the empty database at `database_url`."""
    url = make_url(database_url)
    target = backend(url)
    header = _checked_header(source, key)
    if header.database != target:
        raise OpsError(
            f"{source} is a backup of {DATABASE_NAMES[header.database]}, and HAVEN_DATABASE_URL names "
            f"{DATABASE_NAMES[target]}. Restore it into {DATABASE_NAMES[header.database]}. Nothing was restored."
        )
    with database_errors(url):
        _refuse_unless_empty(url)
        with _opened(source) as stream:
            _, content = open_backup(stream, key, str(source))
            if target == "sqlite":
                _restore_sqlite(content, Path(url.database or ""))
            else:
                pg_tools.restore(url, content, env)
        restored, expired = _after_restore(make_engine(url), retention_days)
    logger.info("Restored a %s backup (%s).", header.database, restored.describe())
    return Restored(header, restored, expired)


def _after_restore(engine: Engine, retention_days: float) -> Tuple[Contents, int]:
    """What the target now holds, and how many of its conversations are past the retention period."""
    try:
        with engine.connect() as connection:
            restored = contents(connection)
        return restored, len(ConversationEraser(engine).expired(time.time() - retention_days * SECONDS_PER_DAY))
    finally:
        engine.dispose()


def _restore_sqlite(content: Iterator[bytes], target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=TEMPORARY_PREFIX) as directory:
        sqlite_file.restore_into(sqlite_file.write_copy(content, Path(directory)), target)
