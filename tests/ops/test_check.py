"""The production check, rule by rule: a safe public deployment passes clean, a loopback `make run` passes
with warnings only, and each unsafe setting is reported (error or warning, as the rule says) in plain words.

Every deployment here is real files in a directory of the test's own (var/ with its secrets and an SQLite
database migrated by the one Alembic chain, or a PostgreSQL database of the test's own), never the repo's var/.
"""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from bot.database import migrate
from bot.database.engine import make_engine
from bot.ops import check
from bot.ops.check import Finding, Severity, findings
from bot.settings import ROOT
from bot.staff import accounts
from tests.ops.conftest import PASSWORD, NewDatabase
from tools.bench import free_port

SECRET_FILES = ("rasa-token", "actions-secret", "id-secret", "audit-secret")
PUBLIC = {
    "HAVEN_GATEWAY_HOST": "10.0.0.11",
    "HAVEN_ALLOWED_ORIGINS": "https://www.example.org, https://example.org",
    "HAVEN_PUBLIC_ORIGIN": "https://chat.example.org",
    "SANIC_PROXIES_COUNT": "1",
    "HAVEN_STAFF_HOURS": "Mon-Fri 09:00-17:00; Sat 10:00-13:00",
    "RASA_TELEMETRY_ENABLED": "false",
}
"""A public deployment done right: behind one TLS proxy, HTTPS sites, live-chat hours chosen."""


def _private(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def make_haven(tmp_path: Path, admin: bool = True, url: Optional[str] = None) -> Tuple[Path, Dict[str, str]]:
    """A Haven directory as `make run` leaves it (var/ private, its secrets, a migrated database), and the
    environment that points at its database."""
    root = tmp_path / "haven"
    (root / "var").mkdir(parents=True)
    (root / "var").chmod(0o700)
    for name in SECRET_FILES:
        _private(root / "var" / name, secrets.token_urlsafe(32) + "\n")
    url = url or f"sqlite:///{root / 'var' / 'haven.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    if admin:
        accounts.create(engine, "alex.admin", "Alex", "admin", PASSWORD)
    engine.dispose()
    for path in (root / "var").glob("haven.db*"):
        path.chmod(0o600)  # as scripts/run leaves var/ (chmod -R go= var)
    return root, {"HAVEN_DATABASE_URL": url}


def titles(found: List[Finding], severity: Severity) -> List[str]:
    return [finding.title for finding in found if finding.severity == severity]


def only(found: List[Finding], severity: Severity, fragment: str) -> Finding:
    """The one finding of `severity` whose title has `fragment`; the check found nothing else of that kind."""
    matching = [finding for finding in found if fragment in finding.title]
    assert len(matching) == 1 and matching[0].severity == severity, found
    return matching[0]


def test_a_safe_public_deployment_passes_clean(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    assert findings({**env, **PUBLIC}, root) == []


def test_a_loopback_make_run_setup_passes_with_warnings_only(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path, admin=False)
    found = findings(env, root)
    assert not check.failed(found)
    assert titles(found, Severity.WARNING) == ["Live-chat hours are not set (24/7)", "There is no admin account"]


def test_a_fresh_clone_before_its_first_make_run_passes_with_warnings_only(tmp_path: Path) -> None:
    database = tmp_path / "var" / "haven.db"
    found = findings({"HAVEN_DATABASE_URL": f"sqlite:///{database}"}, tmp_path)
    assert not check.failed(found)
    assert f"There is no database yet at {database}" in titles(found, Severity.WARNING)
    assert "HAVEN_RASA_TOKEN is not set and" in " ".join(titles(found, Severity.WARNING))
    assert not database.exists() and not database.parent.exists(), "the check creates nothing"


@pytest.mark.parametrize(("change", "fragment"), [
    ({"HAVEN_ALLOWED_ORIGINS": "*"}, "HAVEN_ALLOWED_ORIGINS has an origin that is unsafe"),
    ({"HAVEN_ALLOWED_ORIGINS": "http://www.example.org"}, "HAVEN_ALLOWED_ORIGINS has an origin that is unsafe"),
    ({"HAVEN_ALLOWED_ORIGINS": "https://www.example.org/"}, "HAVEN_ALLOWED_ORIGINS has an origin that is unsafe"),
    ({"HAVEN_PUBLIC_ORIGIN": "http://chat.example.org"}, "HAVEN_PUBLIC_ORIGIN has an origin that is unsafe"),
    ({"HAVEN_ALLOWED_ORIGINS": "", "HAVEN_PUBLIC_ORIGIN": ""}, "HAVEN_ALLOWED_ORIGINS is empty on a public"),
    ({"SANIC_PROXIES_COUNT": ""}, "SANIC_PROXIES_COUNT is not set, but the gateway is behind a TLS proxy"),
    ({"SANIC_PROXIES_COUNT": "one"}, "SANIC_PROXIES_COUNT is not a whole number above 0"),
    ({"SANIC_WORKERS": "2", "HAVEN_REDIS_URL": "redis://127.0.0.1:6379/0"}, "SQLite with 2 gateway workers"),
    ({"SANIC_WORKERS": "none"}, "SANIC_WORKERS is not a whole number above 0"),
    ({"HAVEN_RETENTION_DAYS": "0"}, "Retention is disabled"),
    ({"HAVEN_RETENTION_DAYS": "-5"}, "Retention is disabled"),
    ({"HAVEN_RETENTION_DAYS": "3650"}, "Conversations are kept 3650 days"),
    ({"HAVEN_AUDIT_RETENTION_DAYS": "0"}, "HAVEN_AUDIT_RETENTION_DAYS is not above 0"),
    ({"HAVEN_PURGE_EVERY_S": "604800"}, "HAVEN_PURGE_EVERY_S is out of range"),
    ({"RASA_TELEMETRY_ENABLED": "True"}, "Rasa telemetry is on"),
    ({"PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}, "protobuf is switched to its pure-Python parser"),
    ({"HAVEN_STAFF_HOURS": "Mon-Fry 9-5"}, "HAVEN_STAFF_HOURS can't be read"),
    ({"HAVEN_RASA_TOKEN": "short"}, "HAVEN_RASA_TOKEN is too short to be safe"),
    ({"HAVEN_RATE_MESSAGES": "lots"}, "A gateway setting is not a number"),
])
def test_each_unsafe_setting_is_an_error(tmp_path: Path, change: Dict[str, str], fragment: str) -> None:
    root, env = make_haven(tmp_path)
    found = findings({**env, **PUBLIC, **change}, root)
    finding = only(found, Severity.ERROR, fragment)
    assert finding.advice and finding.advice[0].isupper(), "advice in plain words, a sentence"


def test_several_workers_without_redis_are_an_error_and_the_gateway_would_refuse(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    found = findings({**env, **PUBLIC, "SANIC_WORKERS": "3"}, root)
    only(found, Severity.ERROR, "3 gateway workers without HAVEN_REDIS_URL")
    only(found, Severity.ERROR, "SQLite with 3 gateway workers")


@pytest.mark.parametrize(("change", "fragment"), [
    ({"HAVEN_RETENTION_DAYS": "0.25"}, "Conversations are deleted after 6 hours"),
    ({"HAVEN_STAFF_HOURS": ""}, "Live-chat hours are not set (24/7)"),
    ({"HAVEN_ALLOWED_ORIGINS": ""}, "HAVEN_ALLOWED_ORIGINS is empty on a public deployment"),
])
def test_what_needs_a_look_is_a_warning(tmp_path: Path, change: Dict[str, str], fragment: str) -> None:
    root, env = make_haven(tmp_path)
    found = findings({**env, **PUBLIC, **change}, root)
    only(found, Severity.WARNING, fragment)
    assert not check.failed(found)


def test_another_way_to_find_the_survivors_address_behind_the_proxy_will_do(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    assert findings({**env, **PUBLIC, "SANIC_PROXIES_COUNT": "", "SANIC_FORWARDED_SECRET": "x" * 32}, root) == []


def test_an_https_site_means_a_tls_proxy_even_with_the_gateway_on_loopback(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    public = {**PUBLIC, "HAVEN_GATEWAY_HOST": "127.0.0.1", "SANIC_PROXIES_COUNT": ""}
    only(findings({**env, **public}, root), Severity.ERROR, "SANIC_PROXIES_COUNT is not set")


def test_a_missing_secret_is_a_warning_on_loopback_and_an_error_in_public(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    (root / "var" / "actions-secret").unlink()
    (root / "var" / "id-secret").unlink()
    fragment = "HAVEN_ACTIONS_SECRET is not set and"
    only(findings(env, root), Severity.WARNING, fragment)
    only(findings({**env, **PUBLIC}, root), Severity.ERROR, fragment)
    only(findings({**env, **PUBLIC}, root), Severity.WARNING, "HAVEN_ID_SECRET is not set"), "the gateway makes it"
    assert findings({**env, **PUBLIC, "HAVEN_ACTIONS_SECRET": secrets.token_urlsafe(32),
                     "HAVEN_ID_SECRET": secrets.token_urlsafe(32)}, root) == []


@pytest.mark.parametrize(("mode", "severity", "fragment"), [
    (0o644, Severity.ERROR, "can be read by every account on this machine"),
    (0o640, Severity.WARNING, "can be read by its group"),
])
def test_secret_files_others_can_read(tmp_path: Path, mode: int, severity: Severity, fragment: str) -> None:
    root, env = make_haven(tmp_path)
    token = root / "var" / "rasa-token"
    token.chmod(mode)
    finding = only(findings({**env, **PUBLIC}, root), severity, fragment)
    assert finding.title.startswith(str(token)) and f"chmod 600 {token}" in finding.advice
    assert stat.S_IMODE(token.stat().st_mode) == mode, "the check reports; it changes nothing"


def test_a_database_file_others_can_read_is_an_error_in_public(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    database = root / "var" / "haven.db"
    database.chmod(0o644)
    fragment = f"{database} can be read by every account"
    only(findings({**env, **PUBLIC}, root), Severity.ERROR, fragment)
    only(findings(env, root), Severity.WARNING, fragment)
    assert stat.S_IMODE(database.stat().st_mode) == 0o644


def test_an_env_file_others_can_read_is_an_error(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    dotenv = root / ".env"
    dotenv.write_text("HAVEN_DATABASE_URL=postgresql://haven:secret@db/haven\n")
    dotenv.chmod(0o604)
    only(findings({**env, **PUBLIC}, root), Severity.ERROR, f"{dotenv} can be read by every account")


def test_a_model_others_can_replace_is_an_error(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path)
    models = root / "models"
    models.mkdir()
    (models / "haven.tar.gz").write_bytes(b"a model")
    models.chmod(0o777)
    only(findings({**env, **PUBLIC}, root), Severity.ERROR, f"{models} can be changed by every account")
    models.chmod(0o755)
    assert findings({**env, **PUBLIC}, root) == []


def test_no_admin_account_is_an_error_in_public(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path, admin=False)
    only(findings({**env, **PUBLIC}, root), Severity.ERROR, "There is no admin account")


def test_postgresql_without_redis_is_a_warning_and_an_unreachable_server_an_error(
    tmp_path: Path, postgresql_databases: NewDatabase
) -> None:
    root, env = make_haven(tmp_path, url=postgresql_databases())
    only(findings({**env, **PUBLIC}, root), Severity.WARNING, "PostgreSQL without HAVEN_REDIS_URL")
    with_redis = {**env, **PUBLIC, "HAVEN_REDIS_URL": "redis://127.0.0.1:6379/0", "SANIC_WORKERS": "2"}
    assert findings(with_redis, root) == []
    gone = {**with_redis, "HAVEN_DATABASE_URL": f"postgresql://haven:pw@127.0.0.1:{free_port()}/haven"}
    finding = only(findings(gone, root), Severity.ERROR, "The database can't be reached")
    assert "pw" not in finding.advice.replace("postgresql://haven:***", "")


def test_the_summary_is_one_line_per_finding_and_the_report_says_what_to_do(tmp_path: Path) -> None:
    root, env = make_haven(tmp_path, admin=False)
    found = findings({**env, **PUBLIC, "RASA_TELEMETRY_ENABLED": "true"}, root)
    assert check.summary(found).splitlines() == [
        "Production check: 2 errors, 0 warnings (details: python -m bot.ops check)",
        "  error: Rasa telemetry is on",
        "  error: There is no admin account",
    ]
    report = check.report(found, {**env, **PUBLIC}, root)
    assert "a public deployment" in report and "ERROR: Rasa telemetry is on." in report
    assert report.endswith("2 errors, 0 warnings: fix the errors before survivors use this deployment.")
    assert check.summary([]) == "Production check: nothing unsafe found."


def test_the_command_exits_1_on_an_error_and_prints_the_summary(tmp_path: Path) -> None:
    database = tmp_path / "haven.db"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "true", "HAVEN_DATABASE_URL": f"sqlite:///{database}"}
    for args, first_line in ((["check"], "Haven production check of"), (["check", "--summary"], "Production check:")):
        ran = subprocess.run([sys.executable, "-m", "bot.ops", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert ran.returncode == 1, ran.stderr
        assert ran.stdout.startswith(first_line) and "Rasa telemetry is on" in ran.stdout
    assert not database.exists(), "the check creates nothing"
