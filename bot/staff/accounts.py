"""Staff accounts: roles, argon2 password hashes, the password rules, and presence.

Staff are shown to survivors by the display name they choose (a first name or a role), never by their
account name. Checking a sign-in always costs one argon2 verification, whether the account exists, is
disabled or is locked, so the time taken says nothing about the account; the lockout itself is per client
address and account, in the gateway's memory (bot/staff/login.py).
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
from bot.staff.passwords import MAX_PASSWORD_CHARS, password_problem

logger = logging.getLogger(__name__)

HASHER = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
DISPLAY_NAME = re.compile(r"^[\w .'-]{1,40}$")
_DUMMY_HASH = HASHER.hash("not a password anyone has")
"""Checked against when there is no such account, so the answer takes as long either way."""


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


def check_new_password(password: str, username: str) -> None:
    """Refuses a password the rules of bot/staff/passwords.py don't allow, saying why."""
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)


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
    check_new_password(password, username)
    with engine.begin() as connection:
        if connection.execute(sa.select(staff_accounts.c.id).where(staff_accounts.c.username == username)).first():
            raise AccountError(f"There is already an account called {username}.")
        new_id = connection.execute(
            staff_accounts.insert().values(
                username=username, display_name=display_name, role=role, password_hash=HASHER.hash(password),
                active=True, presence="away", last_seen=0.0,
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


def _row_named(engine: Engine, username: str) -> Optional[sa.engine.Row]:
    """The account's row (password hash included) for a username as typed: case and spaces don't matter."""
    with engine.connect() as connection:
        return connection.execute(
            sa.select(staff_accounts).where(staff_accounts.c.username == username.strip().lower())).first()


def by_username(engine: Engine, username: str) -> Optional[Account]:
    row = _row_named(engine, username)
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


def set_password(engine: Engine, account_id: int, password: str) -> bool:
    """Gives an account a new password (the same rules as a new account's); False if there is no such
    account. Its sessions are the caller's to end (bot/staff/sessions.py `end_all`)."""
    account = get(engine, account_id)
    if account is None:
        return False
    check_new_password(password, account.username)
    with engine.begin() as connection:
        connection.execute(staff_accounts.update().where(staff_accounts.c.id == account_id)
                           .values(password_hash=HASHER.hash(password)))
    logger.info("Set a new password for a staff account (id %d).", account_id)
    return True


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of checking a username and password."""

    account_id: Optional[int]
    """The account the username names, if there is one, whatever the password: what a lockout is kept for."""
    account: Optional[Account]
    """Set only when the password is right and the account active."""


def authenticate(engine: Engine, username: str, password: str) -> LoginAttempt:
    """Checks a sign-in with exactly one argon2 verification whatever the case (no account, disabled, too long a
    password), so how long it takes says nothing about the account."""
    row = _row_named(engine, username)
    right = _verify(row.password_hash if row is not None else _DUMMY_HASH, password[:MAX_PASSWORD_CHARS])
    if row is None:
        return LoginAttempt(None, None)
    if right and row.active and len(password) <= MAX_PASSWORD_CHARS:
        return LoginAttempt(row.id, account_from_row(row))
    return LoginAttempt(row.id, None)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
