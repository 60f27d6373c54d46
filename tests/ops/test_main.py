"""`python -m bot.ops` for the charity's volunteer: a key made once and kept, and every mistake (no key, an
existing file, a missing backup, a database that isn't there) answered in plain words, exit code 1,
with nothing lost."""

import io
import stat
from pathlib import Path
from typing import Dict, Tuple

import pytest

from bot.ops.__main__ import EXIT_OK, EXIT_REFUSED, main
from bot.ops.sealed import KEY_VARIABLE, new_key, parse_key
from tests.ops.conftest import NewDatabase, populate


def run(argv: list, env: Dict[str, str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, env=env, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_backup_key_prints_a_new_key_each_time(capsys: pytest.CaptureFixture) -> None:
    first, second = (run(["backup-key"], {}, capsys)[1].strip() for _ in range(2))
    assert len(parse_key(first, "printed")) == 32 and first != second


def test_backup_key_writes_a_private_file_and_never_replaces_one(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "haven-backup.key"
    code, out, _ = run(["backup-key", "--out", str(path)], {}, capsys)
    assert code == EXIT_OK and "Keep a copy in the charity's password manager" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_text()
    code, _, err = run(["backup-key", "--out", str(path)], {}, capsys)
    assert code == EXIT_REFUSED and "a key is never overwritten" in err and path.read_text() == kept


def test_a_backup_with_the_key_in_a_file_restores_with_the_same_file(
    sqlite_databases: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    key_file = tmp_path / "haven-backup.key"
    key_file.write_text(new_key())
    key_file.chmod(0o600)
    source, target, out = populate(sqlite_databases()).url, sqlite_databases(), tmp_path / "haven.backup"
    code, said, err = run(["backup", "--out", str(out), "--key-file", str(key_file)],
                          {"HAVEN_DATABASE_URL": source}, capsys)
    assert code == EXIT_OK, err
    assert said.startswith(f"Backed up the sqlite database to {out} (") and "bytes, encrypted)" in said
    code, said, err = run(["restore", str(out), "--key-file", str(key_file)], {"HAVEN_DATABASE_URL": target}, capsys)
    assert code == EXIT_OK, err
    assert "3 conversations, 34 services in the directory, 2 staff accounts." in said


def test_without_a_key_nothing_is_written(sqlite_databases: NewDatabase, tmp_path: Path,
                                          capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(["backup", "--out", str(tmp_path / "haven.backup")],
                       {"HAVEN_DATABASE_URL": sqlite_databases()}, capsys)
    assert code == EXIT_REFUSED
    assert err.startswith("There is no backup key: set HAVEN_BACKUP_KEY or give --key-file.")
    assert not list(tmp_path.iterdir())


def test_an_existing_file_is_never_replaced(sqlite_databases: NewDatabase, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "haven.backup"
    out.write_text("last week's backup")
    env = {"HAVEN_DATABASE_URL": populate(sqlite_databases()).url, KEY_VARIABLE: new_key()}
    code, _, err = run(["backup", "--out", str(out)], env, capsys)
    assert code == EXIT_REFUSED and "already exists; a backup never replaces a file" in err
    assert out.read_text() == "last week's backup"


def test_a_database_that_is_not_there_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "nowhere.db"
    env = {"HAVEN_DATABASE_URL": f"sqlite:///{missing}", KEY_VARIABLE: new_key()}
    code, _, err = run(["backup", "--out", str(tmp_path / "haven.backup")], env, capsys)
    assert code == EXIT_REFUSED and f"There is no database at {missing}, so there is nothing to back up." in err
    assert not missing.exists() and not list(tmp_path.iterdir())


def test_a_backup_file_that_is_not_there_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    env = {"HAVEN_DATABASE_URL": f"sqlite:///{tmp_path / 'haven.db'}", KEY_VARIABLE: new_key()}
    code, _, err = run(["restore", str(tmp_path / "missing.backup")], env, capsys)
    assert code == EXIT_REFUSED and "There is no backup file at" in err and "Nothing was restored." in err


def test_only_sqlite_and_postgresql_are_backed_up(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    env = {"HAVEN_DATABASE_URL": "mysql://haven:pw@db/haven", KEY_VARIABLE: new_key()}
    code, _, err = run(["backup", "--out", str(tmp_path / "haven.backup")], env, capsys)
    assert code == EXIT_REFUSED and "Backups cover SQLite and PostgreSQL databases" in err
    assert "pw" not in err.replace("haven:***", "")
