"""The gateway's message bus: how one gateway process tells the others (or itself) that something happened.

A survivor's socket and the staff member holding that conversation may be on different gateway instances.
Everything that must reach a live socket goes through a `Bus`: the in-process `MemoryBus` when there is
one gateway (the default), Redis pub/sub when there are several (scale-out, bot/gateway/relay/redis_bus.py,
where `bus_from_settings` chooses between them).
Messages are JSON objects; the memory bus round-trips them through JSON too, so both behave the same.
The bus carries live events only: state that must survive a restart lives in the database.
"""

import asyncio
import contextlib
import json
import logging
from typing import Any, Dict, List, Optional, Protocol, Set

logger = logging.getLogger(__name__)

Message = Dict[str, Any]
MAX_PENDING = 1000
"""Messages a slow subscriber may fall behind by before it is dropped (a stuck socket must not grow memory)."""


def conversation_channel(conversation: str) -> str:
    """Events for the survivor's socket(s) in one conversation (staff messages, handoff state)."""
    return f"conversation:{conversation}"


def staff_channel(conversation: str) -> str:
    """Events for the staff member holding one conversation (survivor messages, survivor left)."""
    return f"staff:{conversation}"


QUEUE_CHANNEL = "queue"
"""Queue changes every staff console listens to (arrivals, takes, cancellations, presence)."""


class SubscriptionClosedError(Exception):
    """The subscription was closed, or fell too far behind and was dropped (or its Redis connection went)."""


class BusUnavailableError(Exception):
    """The bus between gateway instances (Redis) can't be reached. Only live staff events depend on it:
    staff-facing code turns this into a clear message; the survivor's conversation with the assistant
    carries on without it."""


class Subscription(Protocol):
    """Messages published to the subscribed channels, in publication order per channel."""

    async def get(self) -> Message:
        """The next message; raises SubscriptionClosedError once closed."""

    async def close(self) -> None:
        """Stops receiving. Safe to call twice."""


class Bus(Protocol):
    """Publish/subscribe between gateway processes."""

    async def publish(self, channel: str, message: Message) -> None:
        """Delivers `message` to every current subscriber of `channel`, on every gateway instance."""

    async def subscribe(self, *channels: str) -> Subscription:
        """A subscription that receives everything published to `channels` from now on."""

    def subscriber_count(self, channel: Optional[str] = None) -> int:
        """How many subscriptions in this process listen (to `channel`, or at all): shows nothing leaks."""

    async def close(self) -> None:
        """Releases connections; subscriptions end."""


_CLOSED: Message = {"__closed__": True}


class MemorySubscription:
    """One subscriber's queue in a MemoryBus."""

    def __init__(self, bus: "MemoryBus", channels: List[str]) -> None:
        self._bus = bus
        self.channels = channels
        self.queue: "asyncio.Queue[Message]" = asyncio.Queue(MAX_PENDING)
        self.closed = False

    async def get(self) -> Message:
        if self.closed and self.queue.empty():
            raise SubscriptionClosedError()
        message = await self.queue.get()
        if message is _CLOSED:
            self.closed = True
            raise SubscriptionClosedError()
        return message

    def offer(self, message: Message) -> None:
        """Queues a message, or drops this subscription if it has fallen too far behind."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            logger.warning("A bus subscriber fell %d messages behind and was dropped.", MAX_PENDING)
            self._bus.forget(self)
            self.closed = True

    async def close(self) -> None:
        if self.closed:
            return
        self._bus.forget(self)
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):  # a full queue ends by draining: get() sees `closed`
            self.queue.put_nowait(_CLOSED)


class MemoryBus:
    """The bus inside one gateway process."""

    def __init__(self) -> None:
        self._subscribers: Dict[str, Set[MemorySubscription]] = {}

    async def publish(self, channel: str, message: Message) -> None:
        encoded = json.dumps(message)
        for subscription in list(self._subscribers.get(channel, ())):
            subscription.offer(json.loads(encoded))

    async def subscribe(self, *channels: str) -> MemorySubscription:
        subscription = MemorySubscription(self, list(channels))
        for channel in channels:
            self._subscribers.setdefault(channel, set()).add(subscription)
        return subscription

    def forget(self, subscription: MemorySubscription) -> None:
        """Removes a subscription from every channel it listened to."""
        for channel in subscription.channels:
            listeners = self._subscribers.get(channel)
            if listeners is not None:
                listeners.discard(subscription)
                if not listeners:
                    del self._subscribers[channel]

    def subscriber_count(self, channel: Optional[str] = None) -> int:
        """How many subscriptions listen (to `channel`, or at all): lets tests see that nothing leaks."""
        if channel is not None:
            return len(self._subscribers.get(channel, ()))
        return len({sub for subs in self._subscribers.values() for sub in subs})

    async def close(self) -> None:
        for subscription in {sub for subs in self._subscribers.values() for sub in subs}:
            await subscription.close()
