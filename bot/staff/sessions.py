"""Staff sessions: an unguessable cookie token (only its SHA-256 is stored), a CSRF token per session,
and idle logout.

The cookie is HttpOnly, SameSite=Strict, and Secure whenever the console is reached over HTTPS (behind
the charity's TLS proxy, with SANIC_PROXIES_COUNT set so the gateway sees the original scheme).
"""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.staff.accounts import Account, account_from_row
from bot.staff.models import staff_accounts, staff_sessions

logger = logging.getLogger(__name__)

COOKIE = "haven_staff"
IDLE_LOGOUT_S = 30 * 60.0


@dataclass(frozen=True)
class Session:
    """A signed-in staff member and the CSRF token their console sends with every change."""

    token_hash: str
    account: Account
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(engine: Engine, account: Account) -> str:
    """A new session for `account`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as connection:
        connection.execute(staff_sessions.insert().values(
            token_hash=_hash(token), account_id=account.id, csrf=secrets.token_urlsafe(32), created=now,
            last_active=now))
    return token


def find(engine: Engine, token: Optional[str], idle_s: float = IDLE_LOGOUT_S, touch: bool = True) -> Optional[Session]:
    """The live session for a cookie token, or None: unknown, idle too long, or the account has been
    disabled since. `touch` (a person did something) restarts the idle clock; a socket heartbeat doesn't."""
    if not token or len(token) > 100:
        return None
    now = time.time()
    token_hash = _hash(token)
    query = sa.select(staff_sessions.c.csrf, staff_sessions.c.last_active, staff_accounts).join(
        staff_accounts, staff_accounts.c.id == staff_sessions.c.account_id
    ).where(staff_sessions.c.token_hash == token_hash)
    with engine.begin() as connection:
        row = connection.execute(query).first()
        if row is None:
            return None
        if now - row.last_active > idle_s or not row.active:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == token_hash))
            return None
        if touch:
            connection.execute(staff_sessions.update().where(staff_sessions.c.token_hash == token_hash)
                               .values(last_active=now))
    return Session(token_hash, account_from_row(row), row.csrf)


def end(engine: Engine, session: Session) -> None:
    with engine.begin() as connection:
        connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == session.token_hash))


def csrf_ok(session: Session, sent: Optional[str]) -> bool:
    """Whether a request carries its session's CSRF token (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(session.csrf, sent or "")
