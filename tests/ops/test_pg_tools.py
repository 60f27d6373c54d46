"""pg_dump and pg_restore get the connection from HAVEN_DATABASE_URL in libpq's environment, never a password
on their command line; a backup restores only into the kind of database it was made from; missing tools
are named with the way to install them."""

import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest
from sqlalchemy.engine import make_url

from bot.ops import pg_tools
from bot.ops.backup import backup
from bot.ops.errors import OpsError
from bot.ops.sealed import parse_key
from tests.ops.conftest import NewDatabase, populate, run_ops

PASSWORD_IN_URL = "not-on-the-command-line-7f3a"


def test_the_url_becomes_libpq_variables_and_unknown_settings_are_refused() -> None:
    url = make_url(f"postgresql://haven:{PASSWORD_IN_URL}@db.internal:6543/haven?sslmode=require&connect_timeout=5")
    env = pg_tools.libpq_environment(url, {"PATH": "/usr/bin", "PGPASSWORD": "an older one"})
    assert env == {"PATH": "/usr/bin", "PGHOST": "db.internal", "PGPORT": "6543", "PGUSER": "haven",
                   "PGPASSWORD": PASSWORD_IN_URL, "PGDATABASE": "haven", "PGSSLMODE": "require",
                   "PGCONNECT_TIMEOUT": "5"}
    with pytest.raises(OpsError, match=r"a setting pg_dump and pg_restore don't know \(frobnicate=...\)"):
        pg_tools.libpq_environment(make_url("postgresql://haven@db/haven?frobnicate=1"), {})


class _Recorder:
    """subprocess.Popen, recording each tool's command line and environment."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.popen = subprocess.Popen

    def __call__(self, command: List[str], **options: Any) -> "subprocess.Popen[bytes]":
        self.calls.append({"command": command, "env": options["env"]})
        return self.popen(command, **options)


def test_the_password_reaches_pg_dump_in_its_environment_never_on_its_command_line(
    postgresql_databases: NewDatabase, backup_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(populate(postgresql_databases()).url).set(password=PASSWORD_IN_URL)  # trust auth ignores it
    recorder = _Recorder()
    monkeypatch.setattr(pg_tools.subprocess, "Popen", recorder)
    backup(url.render_as_string(hide_password=False), tmp_path / "haven.backup", parse_key(backup_key, "test"), {})
    [call] = recorder.calls
    assert Path(call["command"][0]).name == "pg_dump"
    assert not [argument for argument in call["command"] if PASSWORD_IN_URL in argument]
    assert call["env"]["PGPASSWORD"] == PASSWORD_IN_URL and call["env"]["PGDATABASE"] == url.database


def test_a_backup_restores_only_into_the_kind_of_database_it_was_made_from(
    postgresql_databases: NewDatabase, sqlite_databases: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    made = run_ops(populate(postgresql_databases()).url, backup_key, "backup", "--out", str(tmp_path / "pg.backup"))
    assert made.returncode == 0, made.stderr
    target = sqlite_databases()
    refused = run_ops(target, backup_key, "restore", str(tmp_path / "pg.backup"))
    assert refused.returncode == 1
    assert ("is a backup of a PostgreSQL database, and HAVEN_DATABASE_URL names an SQLite database. Restore it "
            "into a PostgreSQL database. Nothing was restored.") in refused.stderr
    assert not Path(make_url(target).database or "").exists()


def test_without_pg_dump_the_volunteer_is_told_how_to_install_it(
    postgresql_databases: NewDatabase, backup_key: str, tmp_path: Path
) -> None:
    url = populate(postgresql_databases()).url
    refused = run_ops(url, backup_key, "backup", "--out", str(tmp_path / "haven.backup"), PATH=str(tmp_path))
    assert refused.returncode == 1
    assert "pg_dump isn't installed on this machine" in refused.stderr and "postgresql-client" in refused.stderr
    assert not list(tmp_path.iterdir()), "no backup file, not even a partial one"
