"""The sign-in limits on their own, with a clock the test moves: places reserved before the password is
checked and given back by a right one, and a lockout that is per client address and account."""

from typing import Optional, Tuple

from bot.staff.login import LOCK_SECONDS, MAX_FAILURES, MAX_LOCK_SECONDS, LoginGuard, lock_seconds

OFFICE, ATTACKER, HOME = "192.0.2.10", "198.51.100.7", "203.0.113.5"
ASH, BOB = 1, 2
WINDOW_S = 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard(failures: int = 10) -> Tuple[LoginGuard, Clock]:
    clock = Clock()
    return LoginGuard(failures, WINDOW_S, clock), clock


def fail(limits: LoginGuard, address: str, account: Optional[int]) -> None:
    """One wrong password from `address`."""
    place = limits.reserve(address)
    assert place is not None
    limits.failed(place, account)


def test_attempts_take_their_place_before_any_password_is_checked() -> None:
    """The race of the review: 30 attempts at once were all checked with a limit of 10."""
    limits, _ = guard(failures=10)
    places = [limits.reserve(OFFICE) for _ in range(30)]
    assert sum(place is not None for place in places) == 10
    assert limits.reserve(HOME) is not None, "another address has its own limit"


def test_a_right_password_gives_its_place_back_and_failures_keep_theirs() -> None:
    limits, clock = guard(failures=3)
    for _ in range(10):  # colleagues signing in from the office all day never use the limit up
        place = limits.reserve(OFFICE)
        assert place is not None
        limits.succeeded(place, ASH)
    for _ in range(3):
        fail(limits, OFFICE, None)
    assert limits.reserve(OFFICE) is None, "three failures fill the window"
    clock.now += WINDOW_S
    assert limits.reserve(OFFICE) is not None, "and leave it as it passes"


def test_wrong_passwords_lock_only_that_address_out_of_that_account() -> None:
    limits, clock = guard(failures=1000)
    for _ in range(MAX_FAILURES):
        place = limits.reserve(ATTACKER)
        assert place is not None and not limits.locked(ATTACKER, ASH)
        limits.failed(place, ASH)
    assert limits.locked(ATTACKER, ASH)
    assert not limits.locked(HOME, ASH), "the owner, anywhere else, is not locked out"
    assert not limits.locked(ATTACKER, BOB), "nor is the attacker's address locked out of other accounts"
    clock.now += LOCK_SECONDS - 1
    assert limits.locked(ATTACKER, ASH)
    clock.now += 1
    assert not limits.locked(ATTACKER, ASH)


def test_each_failure_after_the_lock_doubles_it_up_to_an_hour_and_a_success_ends_the_streak() -> None:
    assert [lock_seconds(n) for n in range(MAX_FAILURES - 1, MAX_FAILURES + 3)] == [0, 60, 120, 240]
    assert lock_seconds(MAX_FAILURES + 20) == MAX_LOCK_SECONDS
    limits, clock = guard(failures=1000)
    for _ in range(MAX_FAILURES):
        fail(limits, OFFICE, ASH)
    for lock in (LOCK_SECONDS, 2 * LOCK_SECONDS, 4 * LOCK_SECONDS):
        clock.now += lock - 1
        assert limits.locked(OFFICE, ASH)
        clock.now += 1
        assert not limits.locked(OFFICE, ASH)
        fail(limits, OFFICE, ASH)
    clock.now += 8 * LOCK_SECONDS
    place = limits.reserve(OFFICE)
    assert place is not None
    limits.succeeded(place, ASH)
    fail(limits, OFFICE, ASH)
    assert not limits.locked(OFFICE, ASH), "after a success, one wrong password doesn't lock"


def test_refusals_while_locked_do_not_lengthen_the_lock() -> None:
    limits, clock = guard(failures=1000)
    for _ in range(MAX_FAILURES + 20):
        fail(limits, ATTACKER, ASH)
    clock.now += LOCK_SECONDS
    assert not limits.locked(ATTACKER, ASH)


def test_addresses_are_forgotten_once_nothing_about_them_is_recent() -> None:
    """Client addresses are held in memory only, and only while they matter (docs/privacy.md)."""
    limits, clock = guard()
    for _ in range(MAX_FAILURES):
        fail(limits, ATTACKER, ASH)
    fail(limits, OFFICE, None)
    assert limits.tracked() == 3, "two addresses' failures, and one address's streak on one account"
    clock.now += WINDOW_S
    assert limits.reserve(HOME) is not None
    assert limits.tracked() == 2, "the failures have left the window; the streak is kept for an hour"
    clock.now += MAX_LOCK_SECONDS
    assert limits.reserve(HOME) is not None
    assert limits.tracked() == 1, "only the address that is signing in now"
