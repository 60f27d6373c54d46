"""Staff sessions: an unguessable cookie token (only its SHA-256 is stored), a CSRF token derived from it,
idle logout, an absolute lifetime, and one session per account.

The cookie is HttpOnly, SameSite=Strict, Path=/staff, and Secure whenever the console is reached over HTTPS
(behind the charity's TLS proxy, with SANIC_PROXIES_COUNT set so the gateway sees the original scheme). The
CSRF token is an HMAC of the cookie token, so the database holds nothing a stolen copy could sign in or send
changes with.
"""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.staff.accounts import Account, account_from_row
from bot.staff.models import staff_accounts, staff_sessions

logger = logging.getLogger(__name__)

COOKIE = "haven_staff"
COOKIE_PATH = "/staff"
IDLE_LOGOUT_S = 30 * 60.0
LIFETIME_S = 12 * 3600.0
MAX_TOKEN_CHARS = 100
CSRF_PURPOSE = b"haven staff console csrf"


@dataclass(frozen=True)
class Limits:
    """How long a session lasts: it ends after `idle_s` with nobody using the console, and `lifetime_s`
    after signing in whatever happens (staff sign in again at least every 12 hours by default)."""

    idle_s: float = IDLE_LOGOUT_S
    lifetime_s: float = LIFETIME_S


@dataclass(frozen=True)
class Session:
    """A signed-in staff member and the CSRF token their console sends with every change."""

    token_hash: str
    account: Account
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _csrf(token: str) -> str:
    return hmac.new(token.encode("utf-8"), CSRF_PURPOSE, hashlib.sha256).hexdigest()


def _unusable(limits: Limits, now: float) -> sa.sql.ColumnElement:
    """Session rows nobody can use any more: idle too long, past their lifetime, or of a disabled account."""
    disabled = sa.select(staff_accounts.c.id).where(staff_accounts.c.active == sa.false())
    return sa.or_(staff_sessions.c.last_active < now - limits.idle_s,
                  staff_sessions.c.created < now - limits.lifetime_s,
                  staff_sessions.c.account_id.in_(disabled))


def start(engine: Engine, account: Account, limits: Limits) -> Tuple[str, Session]:
    """A new session for `account`, and the token for its cookie. Signing in ends the account's other
    sessions (a console left open elsewhere, or a stolen cookie, stops working when its owner signs in), and
    clears out every row that can't be used any more."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as connection:
        ended = connection.execute(staff_sessions.delete().where(
            sa.or_(staff_sessions.c.account_id == account.id, _unusable(limits, now)))).rowcount
        connection.execute(staff_sessions.insert().values(
            token_hash=_hash(token), account_id=account.id, created=now, last_active=now))
    logger.info("Started a staff session (account id %d); %d old session rows ended.", account.id, ended)
    return token, Session(_hash(token), account, _csrf(token))


def find(engine: Engine, token: Optional[str], limits: Limits, touch: bool = True) -> Optional[Session]:
    """The live session for a cookie token, or None: unknown, idle too long, past its lifetime, or the account
    has been disabled since. `touch` (a person did something) restarts the idle clock; a socket heartbeat doesn't."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = time.time()
    token_hash = _hash(token)
    query = sa.select(staff_sessions.c.created, staff_sessions.c.last_active, staff_accounts).join(
        staff_accounts, staff_accounts.c.id == staff_sessions.c.account_id
    ).where(staff_sessions.c.token_hash == token_hash)
    with engine.begin() as connection:
        row = connection.execute(query).first()
        if row is None:
            return None
        if now - row.last_active > limits.idle_s or now - row.created > limits.lifetime_s or not row.active:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == token_hash))
            return None
        if touch:
            connection.execute(staff_sessions.update().where(staff_sessions.c.token_hash == token_hash)
                               .values(last_active=now))
    return Session(token_hash, account_from_row(row), _csrf(token))


def end(engine: Engine, session: Session) -> None:
    with engine.begin() as connection:
        connection.execute(staff_sessions.delete().where(staff_sessions.c.token_hash == session.token_hash))


def end_all(engine: Engine, account_id: int, keep: Optional[Session] = None) -> int:
    """Ends every session of an account (disabled, or its password changed), except `keep` (the console that
    changed its own password); returns how many ended."""
    where = staff_sessions.c.account_id == account_id
    if keep is not None:
        where = sa.and_(where, staff_sessions.c.token_hash != keep.token_hash)
    with engine.begin() as connection:
        return int(connection.execute(staff_sessions.delete().where(where)).rowcount)


def csrf_ok(session: Session, sent: Optional[str]) -> bool:
    """Whether a request carries its session's CSRF token (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(session.csrf, sent or "")
