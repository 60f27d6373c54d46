"""The production check: what is unsafe in the configuration a deployment would run with (the environment,
and the files under var/), in plain words, as errors (fix before survivors use it) and warnings.

How the check tells a public deployment from a developer's `make run`: a deployment is *public* when the
gateway or Rasa listens on anything but loopback (HAVEN_GATEWAY_HOST, HAVEN_BIND), when a site other than
this machine may open chat sockets (HAVEN_ALLOWED_ORIGINS), or when SANIC_PROXIES_COUNT says a proxy is in
front. It is *behind a TLS proxy* when an allowed origin is https, or the gateway listens beyond loopback
(docs/deployment.md: only the proxy is public). A loopback `make run` passes with warnings only: secrets
that `make run` creates at its first start, or a missing admin account, are warnings there and errors
in public.

`findings()` returns the list (scripts/run prints `summary()` of it at start); `python -m bot.ops check`
prints `report()` and exits 1 when there is an error.
"""

import logging
import math
import os
import stat
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.handoff.availability import STAFF_HOURS_VARIABLE, staff_hours
from bot.hours import HoursError
from bot.ops.contents import read_only_engine
from bot.settings import ROOT, Settings, database_url, is_loopback
from bot.staff.models import staff_accounts

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
MIN_SECRET_CHARS = 24
"""`make run` makes 43-character secrets; `openssl rand -base64 32` gives 44. Anything under 24 is guessable."""
MAX_RETENTION_DAYS = 365.0
MIN_RETENTION_DAYS = 1.0
MAX_PURGE_INTERVAL_S = 86_400.0
DEFAULT_MODEL = "models/haven.tar.gz"
PROXY_SETTINGS = ("SANIC_PROXIES_COUNT", "SANIC_REAL_IP_HEADER", "SANIC_FORWARDED_SECRET")
"""Any one tells Sanic how to find the survivor's address behind a proxy."""
DETAILS = "python -m bot.ops check"


class Severity(str, Enum):
    """An error makes the deployment unsafe (exit code 1); a warning needs a look."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One thing found: a short title (for the summary) and what to do about it, in plain words."""

    severity: Severity
    title: str
    advice: str


@dataclass(frozen=True)
class Secret:
    """A secret: the variable that sets it, or else its file under var/, and who makes that file: `make run`
    before Rasa starts (a deployment started another way must set the variable), or the process that uses
    it, at its first start."""

    variable: str
    file: str
    what: str
    made_by_make_run: bool


SECRETS = (
    Secret("HAVEN_RASA_TOKEN", "rasa-token", "Rasa's API token (it can read and change every conversation)", True),
    Secret("HAVEN_ACTIONS_SECRET", "actions-secret", "the action server's secret (only Rasa may call it)", True),
    Secret("HAVEN_ID_SECRET", "id-secret", "the key conversation ids are signed with", False),
    Secret("HAVEN_AUDIT_SECRET", "audit-secret", "the key of the audit log's conversation references", False),
)
ORIGIN_SETTINGS = ("HAVEN_ALLOWED_ORIGINS", "HAVEN_PUBLIC_ORIGIN")
"""The charity's sites that embed the widget, and the address people open the gateway itself at."""



@dataclass(frozen=True)
class Deployment:
    """The configuration as the check reads it: the environment, the repo's directory, and what follows."""

    env: Mapping[str, str]
    root: Path

    def get(self, name: str) -> str:
        return self.env.get(name, "").strip()

    def listed(self, name: str) -> Tuple[str, ...]:
        return tuple(item.strip() for item in self.get(name).split(",") if item.strip())

    @property
    def origins(self) -> Tuple[str, ...]:
        return tuple(origin for name in ORIGIN_SETTINGS for origin in self.listed(name))

    @property
    def listening(self) -> Tuple[str, ...]:
        return (self.get("HAVEN_GATEWAY_HOST") or DEFAULT_HOST, self.get("HAVEN_BIND") or DEFAULT_HOST)

    @property
    def behind_proxy(self) -> bool:
        return any(origin.startswith("https://") for origin in self.origins) or not is_loopback(self.listening[0])

    @property
    def public(self) -> bool:
        remote_origins = any(not is_loopback(urlsplit(origin).hostname or "") for origin in self.origins)
        listens_beyond = not all(is_loopback(host) for host in self.listening)
        return remote_origins or listens_beyond or bool(self.get("SANIC_PROXIES_COUNT"))

    @property
    def database_url(self) -> str:
        return database_url(self.env)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    def severity(self) -> Severity:
        """What a problem that `make run` tolerates on loopback is: an error only in public."""
        return Severity.ERROR if self.public else Severity.WARNING

    def path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else self.root / path


def _error(title: str, advice: str) -> Finding:
    return Finding(Severity.ERROR, title, advice)


def _warning(title: str, advice: str) -> Finding:
    return Finding(Severity.WARNING, title, advice)


def _number(deployment: Deployment, name: str) -> Optional[float]:
    """The variable as a number, None when it isn't set; raises ValueError when it isn't a number."""
    value = deployment.get(name)
    return float(value) if value else None


def _exposed(path: Path) -> Optional[str]:
    """Who besides its owner can read (or write) `path`: "everyone", "its group", or None."""
    mode = path.stat().st_mode
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        return "everyone"
    if mode & (stat.S_IRGRP | stat.S_IWGRP):
        return "its group"
    return None


def _file_exposure(path: Path, what: str, severity_for_everyone: Severity) -> Iterator[Finding]:
    who = _exposed(path) if path.is_file() else None
    if who == "everyone":
        yield Finding(severity_for_everyone, f"{path} can be read by every account on this machine",
                      f"It holds {what}. Run: chmod 600 {path}")
    elif who:
        yield _warning(f"{path} can be read by {who}", f"It holds {what}. Unless that is meant: chmod 600 {path}")


def _missing(deployment: Deployment, secret: Secret, file: Path) -> Finding:
    title = f"{secret.variable} is not set and {file} does not exist"
    everywhere = (f"With several instances, set {secret.variable} to one long random value (openssl rand -base64 "
                  "32), the same on every instance.")
    if secret.made_by_make_run:
        return Finding(deployment.severity(), title,
                       f"It is {secret.what}. `make run` creates {file} (mode 0600) before Rasa starts; started "
                       f"any other way (the Procfile, systemd), Haven runs without it. {everywhere}")
    return _warning(title, f"It is {secret.what}, made in {file} (mode 0600) at the first start. {everywhere}")


def check_secrets(deployment: Deployment) -> Iterator[Finding]:
    """Each secret is set, long enough, and readable by Haven's account only."""
    for secret in SECRETS:
        value, file = deployment.get(secret.variable), deployment.root / "var" / secret.file
        if not value and file.is_file() and file.stat().st_size:
            value = file.read_text(encoding="utf-8", errors="replace").strip()
            yield from _file_exposure(file, secret.what, Severity.ERROR)
        if not value:
            yield _missing(deployment, secret, file)
        elif len(value) < MIN_SECRET_CHARS:
            yield _error(f"{secret.variable} is too short to be safe",
                         f"It is {len(value)} characters; use at least {MIN_SECRET_CHARS} random ones "
                         "(openssl rand -base64 32).")


def check_env_file(deployment: Deployment) -> Iterator[Finding]:
    """The .env file beside the Procfile holds every secret and the database password."""
    yield from _file_exposure(deployment.root / ".env", "Haven's secrets and database password", Severity.ERROR)


def _origin_problem(origin: str) -> Optional[str]:
    if origin == "*":
        return ("The origin '*' would let any website open chat sockets (and Haven does not accept it). List the "
                "charity's own sites, e.g. https://www.example.org")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.username:
        return (f"The value '{origin}' is not an origin: write scheme and host only, e.g. https://www.example.org "
                "(no path, no trailing slash), or browsers' sockets from that site will be refused")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        return (f"The origin '{origin}' is plain HTTP: survivors' messages would cross the internet unencrypted and "
                "can be read on the way. Serve the site over HTTPS and list it as https://")
    return None


def check_origins(deployment: Deployment) -> Iterator[Finding]:
    """The sites allowed to open chat sockets, and the gateway's own address: set when needed, exact, HTTPS."""
    for name in ORIGIN_SETTINGS:
        for origin in deployment.listed(name):
            problem = _origin_problem(origin)
            if problem:
                yield _error(f"{name} has an origin that is unsafe or can't match", problem)
    if deployment.public and not deployment.listed("HAVEN_ALLOWED_ORIGINS"):
        own = deployment.listed("HAVEN_PUBLIC_ORIGIN")
        yield Finding(Severity.WARNING if own else Severity.ERROR,
                      "HAVEN_ALLOWED_ORIGINS is empty on a public deployment",
                      f"Only pages at {', '.join(own) or 'the gateway itself'} can open a chat: the widget on the "
                      "charity's website would be refused. List the site's origin(s), e.g. "
                      "HAVEN_ALLOWED_ORIGINS=https://www.example.org")


def check_proxy(deployment: Deployment) -> Iterator[Finding]:
    """Behind a proxy the gateway must be told so, or every survivor looks like one address (the proxy's)."""
    count = deployment.get("SANIC_PROXIES_COUNT")
    if count and not (count.isdigit() and int(count) > 0):
        yield _error("SANIC_PROXIES_COUNT is not a whole number above 0",
                     f"It is '{count}'. Set it to how many proxies are in front of the gateway (usually 1).")
    elif deployment.behind_proxy and not any(deployment.get(name) for name in PROXY_SETTINGS):
        yield _error("SANIC_PROXIES_COUNT is not set, but the gateway is behind a TLS proxy",
                     "Rate limits would count every survivor as the proxy's one address (one busy evening locks "
                     "everyone out), and staff cookies would not be marked Secure. Set SANIC_PROXIES_COUNT=1.")


def _workers(deployment: Deployment) -> Optional[int]:
    value = deployment.get("SANIC_WORKERS") or "1"
    return int(value) if value.isdigit() and int(value) > 0 else None


def check_scale(deployment: Deployment) -> Iterator[Finding]:
    """Several gateway processes need PostgreSQL and Redis."""
    workers = _workers(deployment)
    redis = bool(deployment.get("HAVEN_REDIS_URL"))
    if workers is None:
        yield _error("SANIC_WORKERS is not a whole number above 0", "Set it to 1, or more with HAVEN_REDIS_URL.")
        return
    if workers > 1 and deployment.is_sqlite:
        yield _error(f"SQLite with {workers} gateway workers",
                     "An SQLite file is for one gateway process on one machine. Use PostgreSQL "
                     "(HAVEN_DATABASE_URL=postgresql://...) or SANIC_WORKERS=1.")
    if workers > 1 and not redis:
        yield _error(f"{workers} gateway workers without HAVEN_REDIS_URL",
                     "Workers would not hear each other (a support worker and a survivor on different workers "
                     "would never meet), and the gateway refuses to start. Set HAVEN_REDIS_URL or SANIC_WORKERS=1.")
    if not deployment.is_sqlite and not redis:
        yield _warning("PostgreSQL without HAVEN_REDIS_URL",
                       "Fine with one gateway and one Rasa server. With several instances, set HAVEN_REDIS_URL: "
                       "without Redis two Rasa servers can interleave one conversation's turns.")


def _retention_problem(days: Optional[float]) -> Optional[Finding]:
    if days is None:
        return None
    if not math.isfinite(days) or days <= 0:
        return _error("Retention is disabled",
                      f"HAVEN_RETENTION_DAYS is {days:g}: the purge refuses to run, so conversations would be kept "
                      "for ever. Set it to the period in the privacy notice (default 30).")
    if days > MAX_RETENTION_DAYS:
        return _error(f"Conversations are kept {days:g} days",
                      f"More than {MAX_RETENTION_DAYS:g} days is not minimum data. Set HAVEN_RETENTION_DAYS to the "
                      "period in the privacy notice (default 30).")
    if days < MIN_RETENTION_DAYS:
        return _warning(f"Conversations are deleted after {days * 24:g} hours",
                        "A survivor who comes back later the same day would find her conversation gone.")
    return None


def check_retention(deployment: Deployment) -> Iterator[Finding]:
    """Conversations are deleted after a sane period, and the purge can run."""
    try:
        days = _number(deployment, "HAVEN_RETENTION_DAYS")
        audit_days = _number(deployment, "HAVEN_AUDIT_RETENTION_DAYS")
        every = _number(deployment, "HAVEN_PURGE_EVERY_S")
    except ValueError:
        yield _error("A retention setting is not a number",
                     "HAVEN_RETENTION_DAYS, HAVEN_AUDIT_RETENTION_DAYS and HAVEN_PURGE_EVERY_S take numbers: "
                     "the purge would not run, and conversations would be kept for ever.")
        return
    problem = _retention_problem(days)
    if problem:
        yield problem
    if audit_days is not None and not (math.isfinite(audit_days) and audit_days > 0):
        yield _error("HAVEN_AUDIT_RETENTION_DAYS is not above 0",
                     "The purge refuses to run at all, so no conversation would ever be deleted. Set it (default 365).")
    if every is not None and not (math.isfinite(every) and 0 < every <= MAX_PURGE_INTERVAL_S):
        yield _error("HAVEN_PURGE_EVERY_S is out of range",
                     f"It must be more than 0 and at most {MAX_PURGE_INTERVAL_S:g} seconds (a day), or conversations "
                     "outlive the retention period. The default is 3600 (hourly).")


def check_telemetry(deployment: Deployment) -> Iterator[Finding]:
    """Rasa telemetry is off, always (shared/DESIGN.md)."""
    if deployment.get("RASA_TELEMETRY_ENABLED").lower() == "true":
        yield _error("Rasa telemetry is on",
                     "RASA_TELEMETRY_ENABLED=true sends usage data to Rasa. Unset it or set it to false.")


def check_protobuf_backend(deployment: Deployment) -> Iterator[Finding]:
    """docs/security.md counts on protobuf's compiled parser: its pure-Python one has an advisory."""
    if deployment.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION").lower() == "python":
        yield _error("protobuf is switched to its pure-Python parser",
                     "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python selects the parser with a known advisory "
                     "(CVE-2025-4565, docs/security.md). Unset it.")


def check_staff_hours(deployment: Deployment) -> Iterator[Finding]:
    """Live-chat hours: valid, and a conscious choice."""
    if not deployment.get(STAFF_HOURS_VARIABLE):
        yield _warning("Live-chat hours are not set (24/7)",
                       "Survivors are offered a person whenever a support worker is signed in and available. If "
                       "the charity is not 24/7, set HAVEN_STAFF_HOURS, e.g. 'Mon-Fri 09:00-17:00'.")
        return
    try:
        staff_hours(deployment.env)
    except HoursError as error:
        yield _error("HAVEN_STAFF_HOURS can't be read",
                     f"HAVEN_STAFF_HOURS is '{deployment.get(STAFF_HOURS_VARIABLE)}': {error}. Survivors asking for a "
                     "person would get an error.")


def _has_admin(url: str) -> bool:
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(staff_accounts.name):
                return False
            query = sa.select(staff_accounts.c.id).where(
                staff_accounts.c.role == "admin", staff_accounts.c.active.is_(True)
            )
            return connection.execute(query.limit(1)).first() is not None
    finally:
        engine.dispose()


def check_admin(deployment: Deployment) -> Iterator[Finding]:
    """Someone can manage staff accounts (without the database being created by the check)."""
    url = make_url(deployment.database_url)
    if deployment.is_sqlite and not Path(url.database or "").is_file():
        yield Finding(deployment.severity(), f"There is no database yet at {url.database}",
                      "`make run` creates it at start. Then create the first admin: python -m bot.staff "
                      "create-admin --username NAME --display-name NAME")
        return
    try:
        has_admin = _has_admin(deployment.database_url)
    except SQLAlchemyError as error:
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        yield _error("The database can't be reached",
                     f"{url.render_as_string(hide_password=True)}: {cause}. Haven can't run without it.")
        return
    if not has_admin:
        yield Finding(deployment.severity(), "There is no admin account",
                      "Nobody can add or remove support workers. Create one: python -m bot.staff create-admin "
                      "--username NAME --display-name NAME")


def check_database_file(deployment: Deployment) -> Iterator[Finding]:
    """An SQLite file holds every conversation: only Haven's account may read it (nor its write-ahead log)."""
    if not deployment.is_sqlite:
        return
    database = Path(make_url(deployment.database_url).database or "")
    for path in (database, database.with_name(database.name + "-wal")):
        yield from _file_exposure(path, "conversations and staff accounts", deployment.severity())


def check_model(deployment: Deployment) -> Iterator[Finding]:
    """The trained model is code Rasa runs (security.md): nobody else may replace it."""
    model = deployment.path(deployment.get("HAVEN_MODEL") or DEFAULT_MODEL)
    for path in (model, model.parent):
        if path.exists() and path.stat().st_mode & stat.S_IWOTH:
            yield _error(f"{path} can be changed by every account on this machine",
                         f"A replaced model runs as Haven's code. Run: chmod o-w {path}")


def check_settings_readable(deployment: Deployment) -> Iterator[Finding]:
    """Every number setting reads as a number, or the gateway stops at start."""
    try:
        Settings.from_env(deployment.env)
    except ValueError as error:
        yield _error("A gateway setting is not a number",
                     f"The gateway would not start ({error}). Check the HAVEN_* settings in the README's table.")


RULES: Tuple[Callable[[Deployment], Iterator[Finding]], ...] = (
    check_secrets, check_env_file, check_database_file, check_model, check_origins, check_proxy, check_scale,
    check_retention, check_telemetry, check_protobuf_backend, check_staff_hours, check_admin,
    check_settings_readable,
)
"""File permissions first: nothing the check does changes a file, and it reads them before any database."""


def findings(env: Optional[Mapping[str, str]] = None, root: Path = ROOT) -> List[Finding]:
    """Everything unsafe in the configuration `env` (default: this process's environment) with the files
    under `root`/var, errors first."""
    deployment = Deployment(os.environ if env is None else env, root)
    found = [finding for rule in RULES for finding in rule(deployment)]
    return sorted(found, key=lambda finding: finding.severity != Severity.ERROR)


def failed(found: List[Finding]) -> bool:
    return any(finding.severity == Severity.ERROR for finding in found)


def _counts(found: List[Finding]) -> str:
    errors = sum(finding.severity == Severity.ERROR for finding in found)
    warnings = len(found) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def summary(found: List[Finding]) -> str:
    """A few lines for `make run`'s start: one per finding."""
    if not found:
        return "Production check: nothing unsafe found."
    lines = [f"Production check: {_counts(found)} (details: {DETAILS})"]
    lines += [f"  {finding.severity.value}: {finding.title}" for finding in found]
    return "\n".join(lines)


def report(found: List[Finding], env: Optional[Mapping[str, str]] = None, root: Path = ROOT) -> str:
    """The full report: what was checked, each finding with what to do, and the verdict."""
    deployment = Deployment(os.environ if env is None else env, root)
    kind = "a public deployment" if deployment.public else "a loopback (development) setup"
    shown = make_url(deployment.database_url).render_as_string(hide_password=True)
    lines = [f"Haven production check of {root}: {kind}, database {shown}.", ""]
    for finding in found:
        lines += [f"{finding.severity.value.upper()}: {finding.title}.", f"    {finding.advice}"]
    if failed(found):
        lines += ["", f"{_counts(found)}: fix the errors before survivors use this deployment."]
    else:
        lines += ["", f"{_counts(found)}: nothing unsafe found." if found else "Nothing unsafe found."]
    return "\n".join(lines)
