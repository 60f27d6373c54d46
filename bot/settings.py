"""Gateway settings, read once from the environment (see README, "Configuration")."""

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional, Tuple

DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    return int(value) if value else default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    """Everything the gateway can be configured with."""

    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    exit_url: str = DEFAULT_EXIT_URL
    allowed_origins: Tuple[str, ...] = field(default_factory=tuple)
    max_message_chars: int = 2000
    max_frame_bytes: int = 32_768
    """2,000 characters JSON-escaped at worst (\\ud83d\\ude00: 12 bytes for one emoji) fit with room to spare."""
    rate_messages: int = 8
    rate_seconds: float = 10.0
    fallback_after_s: float = 3.0
    rasa_timeout_s: float = 30.0
    erase_on_exit: bool = True
    retention_days: float = 30.0
    rate_conversations: int = 30
    rate_conversations_seconds: float = 600.0
    tracker_dialect: str = "sqlite"
    tracker_db: str = "var/haven.db"
    rasa_token: str = ""
    """Rasa's HTTP API token (HAVEN_RASA_TOKEN; scripts/run exports it): handoff appends events with it."""
    staff_idle_minutes: float = 30.0
    staff_login_failures: int = 10
    staff_login_window_s: float = 300.0
    """Failed staff logins allowed per client address per window, on top of each account's lockout."""

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Settings from HAVEN_* environment variables, with the defaults above."""
        env = os.environ if env is None else env
        rasa_port = _int(env, "HAVEN_RASA_PORT", 5005)
        origins = tuple(origin.strip() for origin in env.get("HAVEN_ALLOWED_ORIGINS", "").split(",") if origin.strip())
        return cls(
            host=env.get("HAVEN_GATEWAY_HOST", cls.host),
            port=_int(env, "HAVEN_GATEWAY_PORT", cls.port),
            rasa_url=env.get("HAVEN_RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            exit_url=env.get("HAVEN_EXIT_URL", DEFAULT_EXIT_URL),
            allowed_origins=origins,
            max_message_chars=_int(env, "HAVEN_MAX_MESSAGE_CHARS", cls.max_message_chars),
            rate_messages=_int(env, "HAVEN_RATE_MESSAGES", cls.rate_messages),
            rate_seconds=_float(env, "HAVEN_RATE_SECONDS", cls.rate_seconds),
            fallback_after_s=_float(env, "HAVEN_FALLBACK_AFTER_S", cls.fallback_after_s),
            rasa_timeout_s=_float(env, "HAVEN_RASA_TIMEOUT_S", cls.rasa_timeout_s),
            erase_on_exit=env.get("HAVEN_ERASE_ON_EXIT", "true").strip().lower() not in ("0", "false", "no", "off"),
            retention_days=_float(env, "HAVEN_RETENTION_DAYS", cls.retention_days),
            rate_conversations=_int(env, "HAVEN_RATE_CONVERSATIONS", cls.rate_conversations),
            rate_conversations_seconds=_float(env, "HAVEN_RATE_CONVERSATIONS_SECONDS", cls.rate_conversations_seconds),
            tracker_dialect=env.get("HAVEN_TRACKER_DIALECT", cls.tracker_dialect),
            tracker_db=env.get("HAVEN_TRACKER_DB", cls.tracker_db),
            rasa_token=env.get("HAVEN_RASA_TOKEN", ""),
            staff_idle_minutes=_float(env, "HAVEN_STAFF_IDLE_MINUTES", cls.staff_idle_minutes),
            staff_login_failures=_int(env, "HAVEN_STAFF_LOGIN_FAILURES", cls.staff_login_failures),
            staff_login_window_s=_float(env, "HAVEN_STAFF_LOGIN_WINDOW_S", cls.staff_login_window_s),
        )
