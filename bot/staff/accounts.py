"""Staff accounts: roles, argon2 password hashes, presence, and lockout after repeated failed logins.

Staff are shown to survivors by the display name they choose (a first name or a role), never by their
account name. A wrong password locks the account for LOCK_SECONDS × 2^(n - MAX_FAILURES) after the
MAX_FAILURES-th failure in a row (capped at MAX_LOCK_SECONDS), so guessing is slow but a colleague who
mistypes is back in quickly.
"""

import logging
import re
import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from bot.staff.models import PRESENCE, ROLES, staff_accounts

logger = logging.getLogger(__name__)

HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 200
MAX_FAILURES = 5
LOCK_SECONDS = 60.0
MAX_LOCK_SECONDS = 3600.0
USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
DISPLAY_NAME = re.compile(r"^[\w .'-]{1,40}$")
_DUMMY_HASH = HASHER.hash("not a password anyone has")
"""Checked against when the account does not exist, so the answer takes as long either way."""


class AccountError(ValueError):
    """An account can't be created or changed as asked; the message says why, plainly."""


@dataclass(frozen=True)
class Account:
    """A staff member as the console and the checks see them (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    presence: str

    def has_role(self, role: str) -> bool:
        """Roles are ordered: an admin can do what a supervisor can, a supervisor what a support worker can."""
        return ROLES.index(self.role) >= ROLES.index(role)


def account_from_row(row: sa.engine.Row) -> Account:
    return Account(row.id, row.username, row.display_name, row.role, bool(row.active), row.presence)


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise AccountError(f"The password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long.")


def create(engine: Engine, username: str, display_name: str, role: str, password: str) -> Account:
    """A new active account (away until its owner says otherwise)."""
    username = username.strip().lower()
    display_name = display_name.strip()
    if not USERNAME.match(username):
        raise AccountError("The username must be 3 to 64 lowercase letters, digits, dots, dashes or underscores.")
    if not DISPLAY_NAME.match(display_name):
        raise AccountError("The display name must be 1 to 40 letters, spaces, dots, apostrophes or dashes.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    check_new_password(password)
    with engine.begin() as connection:
        if connection.execute(sa.select(staff_accounts.c.id).where(staff_accounts.c.username == username)).first():
            raise AccountError(f"There is already an account called {username}.")
        new_id = connection.execute(
            staff_accounts.insert().values(
                username=username, display_name=display_name, role=role, password_hash=HASHER.hash(password),
                active=True, presence="away", last_seen=0.0, failed_logins=0, locked_until=0.0,
            )
        ).inserted_primary_key[0]
    logger.info("Created a staff account (id %d, role %s).", new_id, role)
    found = get(engine, int(new_id))
    assert found is not None
    return found


def get(engine: Engine, account_id: int) -> Optional[Account]:
    with engine.connect() as connection:
        row = connection.execute(sa.select(staff_accounts).where(staff_accounts.c.id == account_id)).first()
    return account_from_row(row) if row is not None else None


def all_accounts(engine: Engine) -> List[Account]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(staff_accounts).order_by(staff_accounts.c.id))
        return [account_from_row(row) for row in rows]


def update(engine: Engine, account_id: int, role: Optional[str] = None, active: Optional[bool] = None) -> bool:
    """Changes an account's role or disables/enables it; False if there is no such account."""
    values: dict = {}
    if role is not None:
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        values["role"] = role
    if active is not None:
        values["active"] = active
        if not active:
            values["presence"] = "away"
    if not values:
        return get(engine, account_id) is not None
    with engine.begin() as connection:
        return bool(connection.execute(
            staff_accounts.update().where(staff_accounts.c.id == account_id).values(**values)).rowcount)


def set_presence(engine: Engine, account_id: int, presence: str) -> None:
    if presence not in PRESENCE:
        raise AccountError(f"Presence must be one of: {', '.join(PRESENCE)}.")
    with engine.begin() as connection:
        connection.execute(staff_accounts.update().where(staff_accounts.c.id == account_id)
                           .values(presence=presence, last_seen=time.time()))


def seen(engine: Engine, account_id: int) -> None:
    """The console is still there (its socket's heartbeat): keeps an available worker counted as available."""
    with engine.begin() as connection:
        connection.execute(staff_accounts.update().where(staff_accounts.c.id == account_id)
                           .values(last_seen=time.time()))


def _lock_for(failures: int) -> float:
    return min(MAX_LOCK_SECONDS, LOCK_SECONDS * 2 ** (failures - MAX_FAILURES)) if failures >= MAX_FAILURES else 0.0


def authenticate(engine: Engine, username: str, password: str, now: Optional[float] = None) -> Optional[Account]:
    """The account if the password is right, it is active and not locked; None otherwise (never says which)."""
    now = time.time() if now is None else now
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(staff_accounts).where(staff_accounts.c.username == username.strip().lower())
        ).first()
    if row is None or len(password) > MAX_PASSWORD_CHARS:
        _verify(_DUMMY_HASH, password[:MAX_PASSWORD_CHARS])
        return None
    if row.locked_until > now or not row.active:
        return None
    if not _verify(row.password_hash, password):
        failures = row.failed_logins + 1
        with engine.begin() as connection:
            connection.execute(staff_accounts.update().where(staff_accounts.c.id == row.id)
                               .values(failed_logins=failures, locked_until=now + _lock_for(failures)))
        logger.warning("A failed staff login (account id %d, %d in a row).", row.id, failures)
        return None
    with engine.begin() as connection:
        connection.execute(staff_accounts.update().where(staff_accounts.c.id == row.id)
                           .values(failed_logins=0, locked_until=0.0))
    return account_from_row(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
