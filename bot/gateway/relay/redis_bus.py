"""The bus over Redis pub/sub: several gateway instances (or workers) hear each other's events.

One pub/sub connection per gateway process reads every subscribed channel, in order, and hands each
message to the local subscribers through a `MemoryBus` (their queues, limits and closing are the same as
with one gateway). Channels and keys start with HAVEN_REDIS_PREFIX (default `haven:`), so several
deployments or test runs can share one Redis.

Redis down: `publish` and `subscribe` raise `BusUnavailableError` and log an error; a subscription whose
connection is lost ends (`SubscriptionClosedError`). Nothing a survivor needs to talk to the assistant goes
through here, so survivors are still answered.
"""

import asyncio
import contextlib
import json
import logging
from typing import Dict, Iterable, List, Optional, Set

from redis.asyncio.client import PubSub

from bot.gateway.relay.bus import Bus, BusUnavailableError, MemoryBus, MemorySubscription, Message
from bot.redis_client import REDIS_ERRORS, redis_client
from bot.settings import DEFAULT_REDIS_PREFIX, Settings

logger = logging.getLogger(__name__)

CONFIRM_TIMEOUT_S = 5.0
"""How long a subscription waits for Redis to confirm it: only then is nothing published later missed."""
READ_TIMEOUT_S = 1.0


def redis_unavailable(error: BaseException, consequence: str) -> BusUnavailableError:
    """Logs that Redis failed and what that means, and returns the error for staff-facing code."""
    logger.error("Redis can't be reached (%s): %s", type(error).__name__, consequence)
    return BusUnavailableError(f"Redis can't be reached ({type(error).__name__}).")


class RedisSubscription:
    """A local subscription whose Redis channels are released when the last local listener goes."""

    def __init__(self, bus: "RedisBus", local: MemorySubscription) -> None:
        self._bus = bus
        self._local = local

    async def get(self) -> Message:
        return await self._local.get()

    async def close(self) -> None:
        await self._local.close()
        await self._bus.release(self._local.channels)


class RedisBus:
    """Publish/subscribe between gateway processes through Redis."""

    def __init__(self, url: str, prefix: str = DEFAULT_REDIS_PREFIX) -> None:
        self.prefix = prefix
        self._redis = redis_client(url, f"{prefix}bus")
        self._local = MemoryBus()
        self._pubsub: Optional[PubSub] = None
        self._reader: Optional["asyncio.Task[None]"] = None
        self._listening: Set[str] = set()
        self._confirmations: Dict[str, "asyncio.Future[None]"] = {}
        self._lock = asyncio.Lock()

    def _key(self, channel: str) -> str:
        return f"{self.prefix}{channel}"

    async def publish(self, channel: str, message: Message) -> None:
        encoded = json.dumps(message)
        try:
            await self._redis.publish(self._key(channel), encoded)
        except REDIS_ERRORS as error:
            raise redis_unavailable(error, "an event for other gateway instances was not sent.") from error

    async def subscribe(self, *channels: str) -> RedisSubscription:
        local = await self._local.subscribe(*channels)
        try:
            await self._listen(channels)
        except BusUnavailableError:
            await local.close()
            raise
        return RedisSubscription(self, local)

    def subscriber_count(self, channel: Optional[str] = None) -> int:
        """How many subscriptions listen in this process (to `channel`, or at all)."""
        return self._local.subscriber_count(channel)

    async def _listen(self, channels: Iterable[str]) -> None:
        """Subscribes this process's connection to the channels it isn't listening to yet, and waits until
        Redis confirms."""
        async with self._lock:
            keys = [self._key(channel) for channel in channels if self._key(channel) not in self._listening]
            if not keys:
                return
            loop = asyncio.get_running_loop()
            waiting = {key: loop.create_future() for key in keys}
            self._confirmations.update(waiting)
            try:
                if self._pubsub is None:
                    self._pubsub = self._redis.pubsub()
                await self._pubsub.subscribe(*keys)
                if self._reader is None:
                    self._reader = asyncio.ensure_future(self._read(self._pubsub))
                await asyncio.wait_for(asyncio.gather(*waiting.values()), CONFIRM_TIMEOUT_S)
            except REDIS_ERRORS as error:
                await self._lost()
                raise redis_unavailable(error, "live events from other gateway instances can't be received.") from error
            self._listening.update(keys)

    async def release(self, channels: Iterable[str]) -> None:
        """Unsubscribes from channels nobody in this process listens to any more."""
        async with self._lock:
            idle = [
                self._key(channel)
                for channel in channels
                if self._key(channel) in self._listening and not self._local.subscriber_count(channel)
            ]
            if not idle or self._pubsub is None:
                return
            self._listening.difference_update(idle)
            try:
                await self._pubsub.unsubscribe(*idle)
            except REDIS_ERRORS as error:
                redis_unavailable(error, "could not unsubscribe; the connection will be replaced.")

    async def _read(self, pubsub: PubSub) -> None:
        """Hands every message to the local subscribers, in the order Redis sent them."""
        try:
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=READ_TIMEOUT_S)
                if message is not None:
                    await self._dispatch(message)
        except REDIS_ERRORS as error:
            redis_unavailable(error, "live events from other gateway instances stopped; subscriptions ended.")
            await self._lost()

    async def _dispatch(self, message: Dict[str, str]) -> None:
        key = message["channel"]
        if message["type"] == "subscribe":
            confirmation = self._confirmations.pop(key, None)
            if confirmation is not None and not confirmation.done():
                confirmation.set_result(None)
        elif message["type"] == "message" and key.startswith(self.prefix):
            try:
                data = json.loads(message["data"])
            except ValueError:
                logger.warning("Ignored a bus message that was not JSON.")
                return
            await self._local.publish(key[len(self.prefix) :], data)

    async def _lost(self) -> None:
        """After a Redis failure: end every subscription (their readers see SubscriptionClosedError) and
        start afresh on the next subscribe."""
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
        pubsub, self._pubsub = self._pubsub, None
        self._listening.clear()
        for confirmation in self._confirmations.values():
            if not confirmation.done():
                confirmation.set_exception(BusUnavailableError("The Redis connection was lost."))
        self._confirmations.clear()
        await self._local.close()
        if pubsub is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await pubsub.reset()

    async def close(self) -> None:
        await self._lost()
        with contextlib.suppress(*REDIS_ERRORS):
            await self._redis.close()

    def listening(self) -> List[str]:
        """The Redis channels this process is subscribed to (tests check nothing leaks)."""
        return sorted(self._listening)


def bus_from_settings(settings: Settings) -> Bus:
    """Redis pub/sub when HAVEN_REDIS_URL is set (several gateway instances or workers), else in-process.
    Nothing connects until the bus is first used, so a gateway starts (and answers survivors) with Redis down."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, settings.redis_prefix)
    return MemoryBus()
