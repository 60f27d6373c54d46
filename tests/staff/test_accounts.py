"""Accounts and sessions: argon2 hashes, lockout with back-off, idle logout, presence."""

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff.availability import PRESENCE_FRESH_S, available_staff
from bot.staff import accounts, sessions
from bot.staff.accounts import MAX_FAILURES, AccountError
from bot.staff.models import staff_accounts, staff_sessions
from tests.handoff.conftest import PASSWORD, db, migrated_engine, worker  # noqa: F401 (both databases)


def test_passwords_are_stored_as_argon2id_hashes_only(db: Engine) -> None:  # noqa: F811
    worker(db, "ash")
    with db.connect() as connection:
        stored = connection.execute(sa.select(staff_accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(("username", "display_name", "role", "password"), [
    ("ab", "Sam", "support_worker", PASSWORD),
    ("ash", "<script>", "support_worker", PASSWORD),
    ("ash", "Sam", "owner", PASSWORD),
    ("ash", "Sam", "support_worker", "short"),
])
def test_bad_account_details_are_refused_with_a_reason(db: Engine, username: str, display_name: str,  # noqa: F811
                                                        role: str, password: str) -> None:
    with pytest.raises(AccountError):
        accounts.create(db, username, display_name, role, password)
    assert accounts.all_accounts(db) == []


def test_repeated_failures_lock_the_account_for_longer_each_time(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    now = time.time()
    for _ in range(MAX_FAILURES):
        assert accounts.authenticate(db, "ash", "wrong", now) is None
    assert accounts.authenticate(db, "ash", PASSWORD, now + 1) is None, "locked, even with the right password"
    assert accounts.authenticate(db, "ash", "wrong again", now + 61) is None
    assert accounts.authenticate(db, "ash", PASSWORD, now + 61 + 61) is None, "the next lock is twice as long"
    assert accounts.authenticate(db, "ash", PASSWORD, now + 61 + 121) == ash
    assert accounts.authenticate(db, "ash", "wrong", now + 200) is None
    assert accounts.authenticate(db, "ash", PASSWORD, now + 201) == ash, "a success starts the count again"


def test_a_session_ends_after_idling_and_stores_only_a_hash_of_its_token(db: Engine) -> None:  # noqa: F811
    token = sessions.start(db, worker(db, "ash"))
    with db.connect() as connection:
        assert token not in str(connection.execute(sa.select(staff_sessions)).all())
    assert sessions.find(db, token, idle_s=60) is not None
    with db.begin() as connection:
        connection.execute(staff_sessions.update().values(last_active=time.time() - 61))
    assert sessions.find(db, token, idle_s=60, touch=False) is None
    assert sessions.find(db, token, idle_s=3600) is None, "an idle session is gone, not just hidden"


def test_only_recently_seen_available_staff_count(db: Engine) -> None:  # noqa: F811
    ash, bob = worker(db, "ash"), worker(db, "bob")
    assert available_staff(db) == 0
    accounts.set_presence(db, ash.id, "available")
    accounts.set_presence(db, bob.id, "available")
    accounts.update(db, bob.id, active=False)
    assert available_staff(db) == 1, "a disabled account is never available"
    assert available_staff(db, now=time.time() + PRESENCE_FRESH_S + 1) == 0, "a silent console counts as away"
