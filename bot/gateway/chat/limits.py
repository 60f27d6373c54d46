"""Rate limits that hold however a client comes back: per conversation whichever socket it uses, per client
address whatever it asks for (docs/protocol.md, "Limits", has the arithmetic behind each number).

One `GatewayLimits` is shared by every socket and route of a gateway process. Messages per conversation
are counted in Redis when HAVEN_REDIS_URL is set, so they hold across gateway instances too; the rest
are in this process's memory only: client addresses are never stored, and a key is forgotten as soon as
its window has passed (or, for sockets, as soon as they close).
"""

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Deque, Dict, Iterator, Optional, Protocol

from bot.gateway.relay.redis_bus import redis_unavailable
from bot.redis_client import REDIS_ERRORS, redis_client
from bot.settings import DEFAULT_REDIS_PREFIX, Settings

logger = logging.getLogger(__name__)

MAX_TRACKED_KEYS = 100_000
"""Above this many addresses at once, the quiet ones are forgotten first (bounded memory under attack)."""
TYPING_FRAMES, TYPING_SECONDS = 20, 10.0
"""The widget sends `typing` only when it changes (on, then off after 3 s or when the message goes): at most
16 in 10 s at the message limit. Beyond 20, frames are dropped: only a support worker's indicator is lost."""
RESUMES, RESUME_SECONDS = 10, 60.0
"""A page change is one `resume`, a lost connection one per reconnection. Each reads the database (and during
a handoff Rasa's tracker): beyond this the socket is closed, and the widget's back-off (0.5, 1, 2, 4 s…) spaces
its tries out."""
ERASURES, ERASURE_SECONDS = 4, 60.0
"""Delete chat and quick exit of one conversation (each needs only one); more is someone else's load."""
REDIS_TIMEOUT_S = 0.5
"""A message's limit never waits longer on Redis: the survivor's 3-second fallback starts after it."""
REDIS_RETRY_AFTER_S = 5.0
"""After Redis failed, messages are counted in this process for this long before Redis is tried again."""
SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
return 1
"""
"""KEYS[1]: the conversation's sorted set of send times; ARGV: now, window (s), limit, a unique member."""


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
    """A RateLimit per key (a client address or a conversation), forgetting keys once their window has passed."""

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


class ConversationLimit(Protocol):
    """Messages per conversation, wherever they come from."""

    async def allow(self, conversation: str) -> bool:
        """Records a message for `conversation` and says whether it is within the limit."""

    async def close(self) -> None:
        """Releases connections."""


class MemoryConversationLimit:
    """The limit in this process's memory: every socket of this gateway process shares it."""

    def __init__(self, limit: int, seconds: float) -> None:
        self._limits = KeyedRateLimit(limit, seconds)

    async def allow(self, conversation: str) -> bool:
        return self._limits.allow(conversation)

    async def close(self) -> None:
        """Nothing to release."""


class RedisConversationLimit:
    """The limit in Redis, shared by every gateway instance: `<prefix>rate:<conversation>`, a sorted set of
    send times that Redis forgets one window after the last. If Redis fails or is slow, this process counts
    alone for a while (a limit per process, as with one gateway) and the survivor is answered all the same."""

    def __init__(self, url: str, limit: int, seconds: float, prefix: str = DEFAULT_REDIS_PREFIX) -> None:
        self.prefix = prefix
        self.limit = limit
        self.seconds = seconds
        self._redis = redis_client(url, f"{prefix}limits")
        self._window = self._redis.register_script(SLIDING_WINDOW)
        self._local = MemoryConversationLimit(limit, seconds)
        self._redis_down_until = 0.0

    def key(self, conversation: str) -> str:
        return f"{self.prefix}rate:{conversation}"

    async def allow(self, conversation: str) -> bool:
        if time.monotonic() < self._redis_down_until:
            return await self._local.allow(conversation)
        args = [time.time(), self.seconds, self.limit, secrets.token_hex(8)]
        try:
            allowed = await asyncio.wait_for(self._window(keys=[self.key(conversation)], args=args), REDIS_TIMEOUT_S)
        except REDIS_ERRORS as error:
            redis_unavailable(error, "messages per conversation are counted in this gateway instance only.")
            self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER_S
            return await self._local.allow(conversation)
        return bool(allowed)

    async def close(self) -> None:
        await self._redis.close()


class SocketCount:
    """Open sockets per client address, at most `limit` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Dict[str, int] = {}

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[bool]:
        """Yields whether one more socket for `key` is within the limit; counted while the block runs."""
        if self._open.get(key, 0) >= self.limit:
            yield False
            return
        self._open[key] = self._open.get(key, 0) + 1
        try:
            yield True
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]

    def __len__(self) -> int:
        return len(self._open)


@dataclass
class GatewayLimits:
    """Every limit one gateway process applies, shared by all its sockets and routes."""

    messages: ConversationLimit
    new_conversations: KeyedRateLimit
    """Per client address: `start`, and anything done with an id this service never issued."""
    sockets: SocketCount
    typing: KeyedRateLimit
    resumes: KeyedRateLimit
    erasures: KeyedRateLimit
    """Per conversation this service issued (an unknown id is charged to `new_conversations` instead)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "GatewayLimits":
        """With HAVEN_REDIS_URL, messages are counted in Redis (open this in each worker, after the fork)."""
        return cls(
            messages=_message_limit(settings),
            new_conversations=KeyedRateLimit(settings.rate_conversations, settings.rate_conversations_seconds),
            sockets=SocketCount(settings.max_sockets_per_address),
            typing=KeyedRateLimit(TYPING_FRAMES, TYPING_SECONDS),
            resumes=KeyedRateLimit(RESUMES, RESUME_SECONDS),
            erasures=KeyedRateLimit(ERASURES, ERASURE_SECONDS),
        )

    async def close(self) -> None:
        await self.messages.close()


def _message_limit(settings: Settings) -> ConversationLimit:
    if settings.redis_url:
        return RedisConversationLimit(settings.redis_url, settings.rate_messages, settings.rate_seconds,
                                      settings.redis_prefix)
    return MemoryConversationLimit(settings.rate_messages, settings.rate_seconds)
