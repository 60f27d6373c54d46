"""Accounts and sessions: argon2 hashes, the password rules, idle logout, the absolute lifetime, one session
per account, and no session row anyone could use; presence."""

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff.availability import PRESENCE_FRESH_S, available_staff
from bot.staff import accounts, sessions
from bot.staff.accounts import AccountError
from bot.staff.models import staff_accounts, staff_sessions
from tests.handoff.conftest import PASSWORD, db, migrated_engine, worker  # noqa: F401 (both databases)

HOUR_S = 3600.0


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
    ("ash", "Sam", "support_worker", "password1234"),
])
def test_bad_account_details_are_refused_with_a_reason(db: Engine, username: str, display_name: str,  # noqa: F811
                                                        role: str, password: str) -> None:
    with pytest.raises(AccountError):
        accounts.create(db, username, display_name, role, password)
    assert accounts.all_accounts(db) == []


def test_signing_in_checks_the_password_and_names_the_account_either_way(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    assert accounts.authenticate(db, "Ash ", PASSWORD) == accounts.LoginAttempt(ash.id, ash)
    assert accounts.authenticate(db, "ash", "wrong") == accounts.LoginAttempt(ash.id, None)
    assert accounts.authenticate(db, "ash", PASSWORD + "x" * 200) == accounts.LoginAttempt(ash.id, None)
    assert accounts.authenticate(db, "nobody", PASSWORD) == accounts.LoginAttempt(None, None)
    accounts.update(db, ash.id, active=False)
    assert accounts.authenticate(db, "ash", PASSWORD) == accounts.LoginAttempt(ash.id, None), "disabled"


def test_a_new_password_follows_the_rules_and_replaces_the_old_one(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    with pytest.raises(AccountError, match="most common"):
        accounts.set_password(db, ash.id, "Password1234!")
    assert accounts.authenticate(db, "ash", PASSWORD).account == ash, "a refused password changes nothing"
    assert accounts.set_password(db, ash.id, "kettle tulip orbit")
    assert accounts.authenticate(db, "ash", PASSWORD).account is None
    assert accounts.authenticate(db, "ash", "kettle tulip orbit").account == ash
    assert not accounts.set_password(db, ash.id + 1000, "kettle tulip orbit"), "no such account"


def _session_rows(engine: Engine) -> list:
    with engine.connect() as connection:
        return connection.execute(sa.select(staff_sessions)).all()


def _age(engine: Engine, account: accounts.Account, **seconds_ago: float) -> None:
    """Moves the `created` and/or `last_active` of the account's session that many seconds into the past."""
    now = time.time()
    with engine.begin() as connection:
        connection.execute(staff_sessions.update().where(staff_sessions.c.account_id == account.id)
                           .values(**{column: now - ago for column, ago in seconds_ago.items()}))


def test_a_session_ends_after_idling_and_stores_only_a_hash_of_its_token(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    token, _ = sessions.start(db, ash, sessions.Limits())
    with db.connect() as connection:
        assert token not in str(connection.execute(sa.select(staff_sessions)).all())
    idle_minute = sessions.Limits(idle_s=60)
    assert sessions.find(db, token, idle_minute) is not None
    _age(db, ash, last_active=61)
    assert sessions.find(db, token, idle_minute, touch=False) is None
    assert sessions.find(db, token, sessions.Limits(idle_s=3600)) is None, "an idle session is gone, not just hidden"


def test_a_busy_session_still_ends_after_its_lifetime(db: Engine) -> None:  # noqa: F811
    """ASVS 3.3.2: sign in again at least every 12 hours, however busy the console has been."""
    ash = worker(db, "ash")
    token, _ = sessions.start(db, ash, sessions.Limits())
    _age(db, ash, created=12 * HOUR_S - 60)
    assert sessions.find(db, token, sessions.Limits()) is not None, "in use a minute ago, within 12 hours"
    _age(db, ash, created=12 * HOUR_S + 1)
    assert sessions.find(db, token, sessions.Limits()) is None
    assert _session_rows(db) == [], "and its row is gone"


def test_the_lifetime_is_configurable(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    token, _ = sessions.start(db, ash, sessions.Limits())
    _age(db, ash, created=2 * HOUR_S)
    assert sessions.find(db, token, sessions.Limits(lifetime_s=3 * HOUR_S)) is not None
    assert sessions.find(db, token, sessions.Limits(lifetime_s=1 * HOUR_S)) is None


def test_signing_in_ends_the_accounts_other_sessions_and_clears_out_unusable_rows(db: Engine) -> None:  # noqa: F811
    ash, bob, cam, dee = (worker(db, name) for name in ("ash", "bob", "cam", "dee"))
    first, _ = sessions.start(db, ash, sessions.Limits())
    for colleague in (bob, cam, dee):
        sessions.start(db, colleague, sessions.Limits())
    _age(db, bob, last_active=31 * 60)
    _age(db, cam, created=13 * HOUR_S)
    accounts.update(db, dee.id, active=False)
    assert len(_session_rows(db)) == 4

    second, _ = sessions.start(db, ash, sessions.Limits())
    assert sessions.find(db, first, sessions.Limits()) is None, "the older session of the same account ended"
    assert sessions.find(db, second, sessions.Limits()) is not None
    assert [row.account_id for row in _session_rows(db)] == [ash.id], "idle, expired and disabled rows purged"


def test_a_session_row_holds_nothing_that_signs_in_or_passes_the_csrf_check(db: Engine) -> None:  # noqa: F811
    token, session = sessions.start(db, worker(db, "ash"), sessions.Limits())
    assert sessions.csrf_ok(session, session.csrf) and not sessions.csrf_ok(session, "forged")
    assert set(staff_sessions.c.keys()) == {"token_hash", "account_id", "created", "last_active"}
    stored = str(_session_rows(db))
    assert token not in stored and session.csrf not in stored
    again = sessions.find(db, token, sessions.Limits())
    assert again == session, "the same CSRF token for the session's life"


def test_ending_all_of_an_accounts_sessions_can_keep_the_current_one(db: Engine) -> None:  # noqa: F811
    ash, bob = worker(db, "ash"), worker(db, "bob")
    kept_token, kept = sessions.start(db, ash, sessions.Limits())
    with db.begin() as connection:  # a second console of ash's (sign-in would end it: made by hand)
        connection.execute(staff_sessions.insert().values(token_hash="f" * 64, account_id=ash.id, created=time.time(),
                                                          last_active=time.time()))
    sessions.start(db, bob, sessions.Limits())
    assert sessions.end_all(db, ash.id, keep=kept) == 1
    assert sessions.find(db, kept_token, sessions.Limits()) is not None
    assert sessions.end_all(db, ash.id) == 1
    assert [row.account_id for row in _session_rows(db)] == [bob.id]


def test_only_recently_seen_available_staff_count(db: Engine) -> None:  # noqa: F811
    ash, bob = worker(db, "ash"), worker(db, "bob")
    assert available_staff(db) == 0
    accounts.set_presence(db, ash.id, "available")
    accounts.set_presence(db, bob.id, "available")
    accounts.update(db, bob.id, active=False)
    assert available_staff(db) == 1, "a disabled account is never available"
    assert available_staff(db, now=time.time() + PRESENCE_FRESH_S + 1) == 0, "a silent console counts as away"
