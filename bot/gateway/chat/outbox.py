"""Replies that could not be delivered because the survivor's socket had gone.

A survivor who moves to another page of the charity's site, or loses signal, while the assistant is
answering must not lose the answer: it is kept here and sent when the widget resumes, for 15 minutes at
most. With one gateway it is kept in the process's memory; with several (HAVEN_REDIS_URL set) in a Redis
list, because the survivor may resume on another instance. Erasure drops it either way.
"""

import json
import logging
import math
import time
from collections import deque
from typing import Deque, Dict, List, Protocol, Tuple

from bot.gateway.relay.redis_bus import redis_unavailable
from bot.redis_client import REDIS_ERRORS, redis_client
from bot.settings import DEFAULT_REDIS_PREFIX, Settings

logger = logging.getLogger(__name__)

MAX_KEPT_PER_CONVERSATION = 50
KEEP_FOR_S = 15 * 60.0


class Outbox(Protocol):
    """Undelivered frames per conversation, oldest first, dropped after a while."""

    async def keep(self, conversation: str, frame: str) -> None:
        """Holds `frame` for `conversation` until it resumes."""

    async def take(self, conversation: str) -> List[str]:
        """Every frame still held for `conversation`, in order; they are no longer held."""

    async def drop(self, conversation: str) -> None:
        """Forgets everything held for `conversation` (erasure); raises BusUnavailableError if it can't."""

    async def close(self) -> None:
        """Releases connections."""


class MemoryOutbox:
    """The outbox in this process's memory (one gateway)."""

    def __init__(self, keep_for_s: float = KEEP_FOR_S, max_kept: int = MAX_KEPT_PER_CONVERSATION) -> None:
        self.keep_for_s = keep_for_s
        self._kept: Dict[str, Deque[Tuple[float, str]]] = {}
        self._max_kept = max_kept

    async def keep(self, conversation: str, frame: str) -> None:
        self._drop_expired()
        self._kept.setdefault(conversation, deque(maxlen=self._max_kept)).append((time.monotonic(), frame))

    async def take(self, conversation: str) -> List[str]:
        self._drop_expired()
        return [frame for _, frame in self._kept.pop(conversation, ())]

    async def drop(self, conversation: str) -> None:
        self._kept.pop(conversation, None)

    async def close(self) -> None:
        self._kept.clear()

    def _drop_expired(self) -> None:
        oldest_allowed = time.monotonic() - self.keep_for_s
        for conversation in list(self._kept):
            frames = self._kept[conversation]
            while frames and frames[0][0] < oldest_allowed:
                frames.popleft()
            if not frames:
                del self._kept[conversation]


class RedisOutbox:
    """The outbox in Redis, shared by every gateway instance: `<prefix>outbox:<conversation>`, a list that
    expires `keep_for_s` after the last frame kept; each frame carries its time so older ones expire too.
    If Redis can't be reached, a frame is kept in this process instead: a resume here still gets it."""

    def __init__(
        self,
        url: str,
        prefix: str = DEFAULT_REDIS_PREFIX,
        keep_for_s: float = KEEP_FOR_S,
        max_kept: int = MAX_KEPT_PER_CONVERSATION,
    ) -> None:
        self.prefix = prefix
        self.keep_for_s = keep_for_s
        self._max_kept = max_kept
        self._redis = redis_client(url, f"{prefix}outbox")
        self._local = MemoryOutbox(keep_for_s, max_kept)

    def key(self, conversation: str) -> str:
        return f"{self.prefix}outbox:{conversation}"

    async def keep(self, conversation: str, frame: str) -> None:
        key = self.key(conversation)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, json.dumps([time.time(), frame]))
                pipe.ltrim(key, -self._max_kept, -1)
                pipe.expire(key, math.ceil(self.keep_for_s))
                await pipe.execute()
        except REDIS_ERRORS as error:
            redis_unavailable(error, "a reply for a survivor who left is kept in this gateway instance only.")
            await self._local.keep(conversation, frame)

    async def take(self, conversation: str) -> List[str]:
        kept_here = await self._local.take(conversation)
        key = self.key(conversation)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.lrange(key, 0, -1)
                pipe.delete(key)
                entries, _ = await pipe.execute()
        except REDIS_ERRORS as error:
            redis_unavailable(error, "replies kept on other gateway instances can't be fetched.")
            return kept_here
        oldest_allowed = time.time() - self.keep_for_s
        kept = [json.loads(entry) for entry in entries]
        return [frame for at, frame in kept if at >= oldest_allowed] + kept_here

    async def drop(self, conversation: str) -> None:
        await self._local.drop(conversation)
        try:
            await self._redis.delete(self.key(conversation))
        except REDIS_ERRORS as error:
            raise redis_unavailable(error, "replies kept for a deleted conversation could not be dropped.") from error

    async def close(self) -> None:
        await self._local.close()
        await self._redis.close()


def outbox_from_settings(settings: Settings) -> Outbox:
    """Redis when HAVEN_REDIS_URL is set (a survivor may resume on another instance), else memory."""
    if settings.redis_url:
        return RedisOutbox(settings.redis_url, settings.redis_prefix)
    return MemoryOutbox()
