"""Limits on signing in (and on checking a current password), kept in this process's memory only: client
addresses are never stored, and each is forgotten once nothing about it is recent (its failures have left
the window, and it has had no wrong password for an hour and is not locked out).

- **Per client address**: at most `failures` failed attempts in any `window_s`. An attempt takes its place
  *before* its password is checked, so parallel attempts can't all get past the limit, and gives it back
  when the password is right: only failures count, and colleagues signing in from the same office address
  don't use the limit up.
- **Per client address and account**: after MAX_FAILURES wrong passwords in a row for one account from one
  address, that address can't sign in to that account for LOCK_SECONDS, twice as long after each further
  failure, up to MAX_LOCK_SECONDS. The account itself is never locked: its owner, from anywhere else, signs
  in as usual, so knowing a username is not enough to keep a support worker out.

With several gateway processes each keeps its own counts (docs/staff.md).
"""

import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Optional, Tuple

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_SECONDS = 60.0
MAX_LOCK_SECONDS = 3600.0
MAX_TRACKED = 100_000
"""Above this many addresses (or address-account pairs) at once, the oldest half is forgotten (bounded memory
under attack); the stale ones are forgotten once per window anyway."""
Clock = Callable[[], float]


@dataclass(frozen=True)
class Reservation:
    """An attempt's place in its address's limit, taken before the password is checked."""

    address: str
    at: float


@dataclass
class _Streak:
    """Wrong passwords in a row for one account from one address."""

    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


def lock_seconds(failures: int) -> float:
    """How long the MAX_FAILURES-th failure in a row, and each after it, locks the address out of the account."""
    if failures < MAX_FAILURES:
        return 0.0
    return min(MAX_LOCK_SECONDS, LOCK_SECONDS * 2 ** (failures - MAX_FAILURES))


class LoginGuard:
    """The two limits above, for one gateway process (called from its event loop only)."""

    def __init__(self, failures: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self.failures = failures
        self.window_s = window_s
        self.clock = clock
        self._attempts: Dict[str, Deque[float]] = {}
        self._streaks: Dict[Tuple[str, int], _Streak] = {}
        self._forgotten_at = clock()

    def reserve(self, address: str) -> Optional[Reservation]:
        """A place for one attempt from `address`, or None when its failures (and attempts still being
        checked) have reached the limit: then no password is checked at all."""
        now = self.clock()
        if now - self._forgotten_at >= self.window_s or len(self._attempts) >= MAX_TRACKED:
            self._forget(now)
        attempts = self._attempts.setdefault(address, deque())
        while attempts and now - attempts[0] >= self.window_s:
            attempts.popleft()
        if len(attempts) >= self.failures:
            return None
        attempts.append(now)
        return Reservation(address, now)

    def locked(self, address: str, account_id: int) -> bool:
        """Whether `address` is locked out of this account just now."""
        streak = self._streaks.get((address, account_id))
        return streak is not None and streak.locked_until > self.clock()

    def failed(self, reservation: Reservation, account_id: Optional[int]) -> None:
        """A wrong password (or no such account): the attempt keeps its place in the address's limit, and a
        named account's streak from this address grows (a refusal while locked doesn't lengthen the lock)."""
        if account_id is None or self.locked(reservation.address, account_id):
            return
        now = self.clock()
        if len(self._streaks) >= MAX_TRACKED:
            self._forget(now)
        streak = self._streaks.setdefault((reservation.address, account_id), _Streak())
        streak.failures += 1
        streak.last = now
        streak.locked_until = now + lock_seconds(streak.failures)
        logger.warning("A failed staff sign-in (account id %d, %d in a row from one address).", account_id,
                       streak.failures)

    def succeeded(self, reservation: Reservation, account_id: int) -> None:
        """The right password: the attempt gives its place back, and the streak from this address ends."""
        attempts = self._attempts.get(reservation.address)
        if attempts is not None and reservation.at in attempts:
            attempts.remove(reservation.at)
        self._streaks.pop((reservation.address, account_id), None)

    def tracked(self) -> int:
        """How many addresses and address-account pairs are remembered just now."""
        return len(self._attempts) + len(self._streaks)

    def _forget(self, now: float) -> None:
        """Forgets addresses with nothing in their window and streaks neither locked nor recent; then, if
        there are still too many, the oldest half of each."""
        self._forgotten_at = now
        for address in [key for key, attempts in self._attempts.items()
                        if not attempts or now - attempts[-1] >= self.window_s]:
            del self._attempts[address]
        for pair in [key for key, streak in self._streaks.items()
                     if streak.locked_until <= now and now - streak.last >= MAX_LOCK_SECONDS]:
            del self._streaks[pair]
        _forget_oldest_half(self._attempts)
        _forget_oldest_half(self._streaks)


def _forget_oldest_half(table: Dict[Any, Any]) -> None:
    """Still too many keys after forgetting the stale ones: the oldest half goes (dicts keep insertion order)."""
    if len(table) >= MAX_TRACKED:
        logger.warning("Sign-in limits: too many addresses at once; forgetting the oldest.")
        for key in list(table)[: len(table) // 2]:
            del table[key]
