"""Rate limits: messages per conversation, and new conversations per client address.

Both are in this process's memory only: client addresses are never stored, and a key is forgotten
as soon as its window has passed.
"""

import logging
import math
import time
from collections import deque
from typing import Deque, Dict, Optional

logger = logging.getLogger(__name__)

MAX_TRACKED_KEYS = 100_000
"""Above this many addresses at once, the quiet ones are forgotten first (bounded memory under attack)."""


class RateLimit:
    """At most `limit` events in any `seconds`-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._sent: Deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.seconds:
            self._sent.popleft()

    def allow(self, now: Optional[float] = None) -> bool:
        """Records an event and says whether it is within the limit."""
        now = time.monotonic() if now is None else now
        self._expire(now)
        if len(self._sent) >= self.limit:
            return False
        self._sent.append(now)
        return True

    def retry_after(self, now: Optional[float] = None) -> int:
        """Whole seconds until one more event would be allowed."""
        now = time.monotonic() if now is None else now
        self._expire(now)
        if len(self._sent) < self.limit:
            return 0
        return max(1, math.ceil(self.seconds - (now - self._sent[0])))

    def idle(self, now: float) -> bool:
        """Nothing recorded within the window: the limit can be forgotten."""
        self._expire(now)
        return not self._sent


class KeyedRateLimit:
    """A RateLimit per key (a client address), forgetting keys once their window has passed."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._limits: Dict[str, RateLimit] = {}

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        """Records an event for `key` and says whether it is within the limit."""
        now = time.monotonic() if now is None else now
        if len(self._limits) >= MAX_TRACKED_KEYS:
            self.forget_idle(now)
        return self._limits.setdefault(key, RateLimit(self.limit, self.seconds)).allow(now)

    def retry_after(self, key: str, now: Optional[float] = None) -> int:
        """Whole seconds until `key` may have one more event."""
        limit = self._limits.get(key)
        return limit.retry_after(now) if limit else 0

    def __len__(self) -> int:
        return len(self._limits)

    def forget_idle(self, now: float) -> None:
        """Forgets every key whose window has passed, then the oldest half if there are still too many
        (done when the table is full; public so the forgetting can be checked without filling it)."""
        for key in [key for key, limit in self._limits.items() if limit.idle(now)]:
            del self._limits[key]
        if len(self._limits) >= MAX_TRACKED_KEYS:
            logger.warning("Rate limits: too many addresses at once; forgetting the oldest.")
            for key in list(self._limits)[: len(self._limits) // 2]:
                del self._limits[key]
