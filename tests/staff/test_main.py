"""`python -m bot.staff create-admin` and `reset-password`: the charity's IT volunteer makes the first admin,
and gets anyone back in (an admin who forgot their password, or a password that may be known)."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.database.engine import make_engine
from bot.settings import ROOT
from bot.staff import __main__ as cli
from bot.staff import accounts, sessions
from bot.staff.models import staff_accounts


def _staff_command(database: Path, password: str, *arguments: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "bot.staff", *arguments, "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={"HAVEN_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
    )


def _create_admin(database: Path, password: str, username: str = "alex") -> "subprocess.CompletedProcess[str]":
    return _staff_command(database, password, "create-admin", "--username", username, "--display-name", "Alex")


def test_create_admin_migrates_a_fresh_database_and_the_admin_can_sign_in(tmp_path: Path) -> None:
    database = tmp_path / "haven.db"
    done = _create_admin(database, "a long enough password")
    assert done.returncode == 0, done.stderr
    assert "Created admin account alex (shown to survivors as Alex)" in done.stdout
    engine = make_engine(f"sqlite:///{database}")
    admin = accounts.authenticate(engine, "alex", "a long enough password").account
    assert admin is not None and admin.role == "admin"
    again = _create_admin(database, "another long password")
    assert again.returncode == 1 and "already an account called alex" in again.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(staff_accounts)).scalar_one() == 1
    engine.dispose()


def test_a_short_or_common_password_creates_nothing(tmp_path: Path) -> None:
    done = _create_admin(tmp_path / "haven.db", "short")
    assert done.returncode == 1 and "12" in done.stderr
    done = _create_admin(tmp_path / "haven.db", "password1234")
    assert done.returncode == 1 and "most common" in done.stderr


def test_reset_password_sets_a_new_one_and_signs_the_account_out(tmp_path: Path) -> None:
    database = tmp_path / "haven.db"
    assert _create_admin(database, "a long enough password").returncode == 0
    engine = make_engine(f"sqlite:///{database}")
    alex = accounts.authenticate(engine, "alex", "a long enough password").account
    assert alex is not None
    token, _ = sessions.start(engine, alex, sessions.Limits())
    done = _staff_command(database, "kettle tulip orbit", "reset-password", "--username", "Alex")
    assert done.returncode == 0, done.stderr
    assert "Set a new password for alex; 1 signed-in session(s) ended." in done.stdout
    assert accounts.authenticate(engine, "alex", "kettle tulip orbit").account == alex
    assert accounts.authenticate(engine, "alex", "a long enough password").account is None
    assert sessions.find(engine, token, sessions.Limits()) is None
    common = _staff_command(database, "Password1234!", "reset-password", "--username", "alex")
    assert common.returncode == 1 and "most common" in common.stderr
    nobody = _staff_command(database, "kettle tulip orbit", "reset-password", "--username", "sam")
    assert nobody.returncode == 1 and "no account called sam" in nobody.stderr
    engine.dispose()


def test_typed_passwords_must_match(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a long enough password", "a different password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda _: next(answers))
    code = cli.main(["create-admin", "--username", "alex", "--display-name", "Alex"], out=io.StringIO())
    assert code == 1
