"""The bus contract, run against both implementations: in-process (one gateway) and Redis (scale-out).

What the gateway's sockets rely on to hear about each other must behave the same whichever bus the
configuration picks; tests/test_redis_bus.py covers what only Redis does (other instances, outages).
"""

import asyncio
from typing import Any, AsyncIterator

import pytest

from bot.gateway.relay.bus import (
    MAX_PENDING,
    Bus,
    MemoryBus,
    SubscriptionClosedError,
    conversation_channel,
    staff_channel,
)
from bot.gateway.relay.redis_bus import RedisBus, bus_from_settings
from bot.settings import Settings

A, B, C, D = "a" * 32, "b" * 32, "c" * 32, "d" * 32


@pytest.fixture(params=["memory", "redis"])
async def bus(request: Any) -> AsyncIterator[Bus]:
    """A MemoryBus, or a RedisBus on the real Redis with a prefix of the test's own."""
    if request.param == "memory":
        chosen: Bus = bus_from_settings(Settings())
        assert isinstance(chosen, MemoryBus)
    else:
        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
        chosen = bus_from_settings(Settings(redis_url=url, redis_prefix=prefix))
        assert isinstance(chosen, RedisBus)
    yield chosen
    await chosen.close()


async def _next(subscription: Any) -> Any:
    return await asyncio.wait_for(subscription.get(), 5)


async def test_a_subscriber_gets_messages_in_order_and_only_from_its_channels(bus: Bus) -> None:
    survivor = await bus.subscribe(conversation_channel(A))
    for number in range(3):
        await bus.publish(conversation_channel(A), {"n": number})
    await bus.publish(conversation_channel(B), {"n": 99})
    await bus.publish(conversation_channel(A), {"n": 3})
    assert [(await _next(survivor))["n"] for _ in range(4)] == [0, 1, 2, 3]


async def test_order_is_kept_per_channel_when_channels_interleave(bus: Bus) -> None:
    staff = await bus.subscribe(staff_channel(A), staff_channel(B))
    for number in range(50):
        await bus.publish(staff_channel(A if number % 2 else B), {"n": number})
    received = [await _next(staff) for _ in range(50)]
    assert [m["n"] for m in received if m["n"] % 2] == list(range(1, 50, 2))
    assert [m["n"] for m in received if not m["n"] % 2] == list(range(0, 50, 2))


async def test_every_subscriber_of_a_channel_gets_its_own_copy(bus: Bus) -> None:
    first, second = await bus.subscribe("queue"), await bus.subscribe("queue", staff_channel(C))
    await bus.publish("queue", {"items": [1]})
    one, two = await _next(first), await _next(second)
    one["items"].append(2)
    assert two == {"items": [1]}


async def test_messages_must_be_json(bus: Bus) -> None:
    await bus.subscribe("queue")
    with pytest.raises(TypeError):
        await bus.publish("queue", {"when": object()})


async def test_closing_wakes_a_waiting_reader_and_leaves_nothing_subscribed(bus: Bus) -> None:
    subscription = await bus.subscribe("queue", staff_channel(D))
    reader = asyncio.ensure_future(subscription.get())
    await asyncio.sleep(0)
    await subscription.close()
    with pytest.raises(SubscriptionClosedError):
        await asyncio.wait_for(reader, 5)
    await subscription.close()
    assert bus.subscriber_count() == 0


async def test_closing_the_bus_ends_every_subscription(bus: Bus) -> None:
    subscription = await bus.subscribe(conversation_channel(A))
    await bus.close()
    with pytest.raises(SubscriptionClosedError):
        await asyncio.wait_for(subscription.get(), 5)


async def test_a_subscriber_that_falls_too_far_behind_is_dropped_not_grown(bus: Bus) -> None:
    stuck = await bus.subscribe("queue")
    keeping_up = await bus.subscribe("queue")
    for number in range(MAX_PENDING + 5):
        await bus.publish("queue", {"n": number})
        await _next(keeping_up)
    received = [(await _next(stuck))["n"] for _ in range(MAX_PENDING)]
    assert received == list(range(MAX_PENDING))
    with pytest.raises(SubscriptionClosedError):
        await _next(stuck)
    assert bus.subscriber_count("queue") == 1
