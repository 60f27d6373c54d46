"""`python -m bot.staff create-admin`: the charity's IT volunteer makes the first admin."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.database.engine import make_engine
from bot.settings import ROOT
from bot.staff import __main__ as cli
from bot.staff import accounts
from bot.staff.models import staff_accounts


def _create_admin(database: Path, password: str, username: str = "alex") -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", "create-admin", "--username", username, "--display-name", "Alex",
         "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={"HAVEN_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
    )


def test_create_admin_migrates_a_fresh_database_and_the_admin_can_sign_in(tmp_path: Path) -> None:
    database = tmp_path / "haven.db"
    done = _create_admin(database, "a long enough password")
    assert done.returncode == 0, done.stderr
    assert "Created admin account alex (shown to survivors as Alex)" in done.stdout
    engine = make_engine(f"sqlite:///{database}")
    admin = accounts.authenticate(engine, "alex", "a long enough password")
    assert admin is not None and admin.role == "admin"
    again = _create_admin(database, "another long password")
    assert again.returncode == 1 and "already an account called alex" in again.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(staff_accounts)).scalar_one() == 1
    engine.dispose()


def test_a_short_password_creates_nothing(tmp_path: Path) -> None:
    done = _create_admin(tmp_path / "haven.db", "short")
    assert done.returncode == 1 and "12" in done.stderr


def test_typed_passwords_must_match(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a long enough password", "a different password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda _: next(answers))
    code = cli.main(["create-admin", "--username", "alex", "--display-name", "Alex"], out=io.StringIO())
    assert code == 1
