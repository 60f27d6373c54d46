"""Gateway settings, read once from the environment (see README, "Configuration")."""

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
DATABASE_URL_VARIABLE = "HAVEN_DATABASE_URL"
LEGACY_SQLITE_VARIABLE = "HAVEN_TRACKER_DB"
"""Before HAVEN_DATABASE_URL: the tracker store's SQLite file. Still honoured when the URL is not set."""
DEFAULT_DATABASE_URL = "sqlite:///var/haven.db"
DEFAULT_REDIS_PREFIX = "haven:"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LOOPBACK_ORIGIN_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (with or without brackets) or localhost: only this machine can be there."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
"""How a browser on the gateway's own machine may name it in an origin."""


def absolute_database_url(url: str) -> str:
    """`url` with a relative SQLite path made absolute against the repo root, so every process
    (gateway, Rasa, actions, purge) opens the same file whatever its working directory."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).is_absolute():
        parsed = parsed.set(database=str(ROOT / parsed.database))
    return parsed.render_as_string(hide_password=False)


DEFAULT_DATABASE = absolute_database_url(DEFAULT_DATABASE_URL)


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    """The one database for everything (conversations, gateway state, directory): HAVEN_DATABASE_URL."""
    env = os.environ if env is None else env
    legacy = env.get(LEGACY_SQLITE_VARIABLE, "").strip()
    fallback = f"sqlite:///{legacy}" if legacy else DEFAULT_DATABASE_URL
    return absolute_database_url(env.get(DATABASE_URL_VARIABLE, "").strip() or fallback)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    return float(value) if value else default


def _list(env: Mapping[str, str], name: str) -> Tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _action_endpoint(env: Mapping[str, str]) -> str:
    """scripts/run's default: the action server on this machine, HAVEN_ACTIONS_PORT (5055)."""
    return f"http://127.0.0.1:{_int(env, 'HAVEN_ACTIONS_PORT', 5055)}/webhook"


@dataclass(frozen=True)
class Settings:
    """Everything the gateway can be configured with."""

    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    exit_url: str = DEFAULT_EXIT_URL
    allowed_origins: Tuple[str, ...] = field(default_factory=tuple)
    """Charity sites whose pages may use the survivor socket, Delete chat and quick exit (HAVEN_ALLOWED_ORIGINS)."""
    public_origins: Tuple[str, ...] = field(default_factory=tuple)
    """Where people open the gateway itself (HAVEN_PUBLIC_ORIGIN, e.g. https://chat.example.org): the staff
    console and the demo page. Empty: `own_origins()` guesses from the address the gateway listens on."""
    id_secret: str = field(default="", repr=False)
    """The key conversation ids are signed with (HAVEN_ID_SECRET); empty: var/id-secret, made on first start."""
    max_sockets_per_address: int = 100
    """Open survivor sockets per client address in one gateway process: dozens of survivors behind one
    shared address (a refuge's Wi-Fi, a mobile network), each with a page change under way (docs/protocol.md)."""
    max_message_chars: int = 2000
    max_frame_bytes: int = 32_768
    """2,000 characters JSON-escaped at worst (\\ud83d\\ude00: 12 bytes for one emoji) fit with room to spare."""
    rate_messages: int = 8
    rate_seconds: float = 10.0
    fallback_after_s: float = 3.0
    rasa_timeout_s: float = 30.0
    action_timeout_s: float = 8.0
    """How long Rasa waits for the action server (HAVEN_ACTION_TIMEOUT_S; bot/assistant/action_failure.py): the
    slowest directory look-up on PostgreSQL took 0.16 s, so a call still running after 8 s has hung."""
    erase_on_exit: bool = True
    retention_days: float = 30.0
    audit_retention_days: float = 365.0
    """The staff audit log (metadata only) is kept longer than conversations, so supervisors can look back."""
    rate_conversations: int = 30
    rate_conversations_seconds: float = 600.0
    database_url: str = DEFAULT_DATABASE
    redis_url: Optional[str] = None
    """Set (HAVEN_REDIS_URL): scale-out. The gateways share a Redis bus and outbox; Rasa a Redis lock store."""
    redis_prefix: str = DEFAULT_REDIS_PREFIX
    """Put before every Redis key and channel, so several deployments (or test runs) can share one Redis."""
    workers: int = 1
    """Gateway worker processes (SANIC_WORKERS); more than one needs Redis."""
    rasa_token: str = ""
    """Rasa's HTTP API token (HAVEN_RASA_TOKEN; scripts/run exports it): handoff appends events with it."""
    action_endpoint: str = "http://127.0.0.1:5055/webhook"
    """Where Rasa calls the action server (HAVEN_ACTION_ENDPOINT): the gateway's /ready checks its /health."""
    metrics_token: str = field(default="", repr=False)
    """Bearer token for /metrics (HAVEN_METRICS_TOKEN); empty: only scrapes from this machine, not via a proxy."""
    staff_idle_minutes: float = 30.0
    staff_session_hours: float = 12.0
    """A staff session ends this long after signing in, however busy (bot/staff/sessions.py)."""
    staff_login_failures: int = 10
    staff_login_window_s: float = 300.0
    """Failed staff sign-ins allowed per client address per window (bot/staff/login.py), on top of the lockout
    of one address from one account after 5 wrong passwords in a row."""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Settings from HAVEN_* environment variables, with the defaults above."""
        env = os.environ if env is None else env
        rasa_port = _int(env, "HAVEN_RASA_PORT", 5005)
        return cls(
            host=env.get("HAVEN_GATEWAY_HOST", cls.host),
            port=_int(env, "HAVEN_GATEWAY_PORT", cls.port),
            rasa_url=env.get("HAVEN_RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            exit_url=env.get("HAVEN_EXIT_URL", DEFAULT_EXIT_URL),
            allowed_origins=_list(env, "HAVEN_ALLOWED_ORIGINS"),
            public_origins=_list(env, "HAVEN_PUBLIC_ORIGIN"),
            id_secret=env.get("HAVEN_ID_SECRET", "").strip(),
            max_sockets_per_address=_int(env, "HAVEN_MAX_SOCKETS_PER_ADDRESS", cls.max_sockets_per_address),
            max_message_chars=_int(env, "HAVEN_MAX_MESSAGE_CHARS", cls.max_message_chars),
            rate_messages=_int(env, "HAVEN_RATE_MESSAGES", cls.rate_messages),
            rate_seconds=_float(env, "HAVEN_RATE_SECONDS", cls.rate_seconds),
            fallback_after_s=_float(env, "HAVEN_FALLBACK_AFTER_S", cls.fallback_after_s),
            rasa_timeout_s=_float(env, "HAVEN_RASA_TIMEOUT_S", cls.rasa_timeout_s),
            action_timeout_s=_float(env, "HAVEN_ACTION_TIMEOUT_S", cls.action_timeout_s),
            erase_on_exit=env.get("HAVEN_ERASE_ON_EXIT", "true").strip().lower() not in ("0", "false", "no", "off"),
            retention_days=_float(env, "HAVEN_RETENTION_DAYS", cls.retention_days),
            audit_retention_days=_float(env, "HAVEN_AUDIT_RETENTION_DAYS", cls.audit_retention_days),
            rate_conversations=_int(env, "HAVEN_RATE_CONVERSATIONS", cls.rate_conversations),
            rate_conversations_seconds=_float(env, "HAVEN_RATE_CONVERSATIONS_SECONDS", cls.rate_conversations_seconds),
            database_url=database_url(env),
            redis_url=env.get("HAVEN_REDIS_URL", "").strip() or None,
            redis_prefix=env.get("HAVEN_REDIS_PREFIX", "").strip() or DEFAULT_REDIS_PREFIX,
            workers=_int(env, "SANIC_WORKERS", cls.workers),
            rasa_token=env.get("HAVEN_RASA_TOKEN", ""),
            action_endpoint=env.get("HAVEN_ACTION_ENDPOINT", "").strip() or _action_endpoint(env),
            metrics_token=env.get("HAVEN_METRICS_TOKEN", "").strip(),
            staff_idle_minutes=_float(env, "HAVEN_STAFF_IDLE_MINUTES", cls.staff_idle_minutes),
            staff_session_hours=_float(env, "HAVEN_STAFF_SESSION_HOURS", cls.staff_session_hours),
            staff_login_failures=_int(env, "HAVEN_STAFF_LOGIN_FAILURES", cls.staff_login_failures),
            staff_login_window_s=_float(env, "HAVEN_STAFF_LOGIN_WINDOW_S", cls.staff_login_window_s),
        )

    def own_origins(self) -> Tuple[str, ...]:
        """The gateway's own origins: HAVEN_PUBLIC_ORIGIN, or else the address it listens on (on loopback,
        by number and as localhost, so `make run` works as opened either way)."""
        if self.public_origins:
            return self.public_origins
        hosts: Tuple[str, ...] = (f"[{self.host}]" if ":" in self.host else self.host,)
        if self.host in LOOPBACK_HOSTS:
            hosts = LOOPBACK_ORIGIN_HOSTS
        return tuple(f"http://{host}:{self.port}" for host in hosts)
