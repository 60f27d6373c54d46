"""What only the Redis bus does: reach other gateway instances, keep deployments apart, and fail clearly.

The shared contract (order, copies, closing, slow subscribers) is in tests/test_bus.py.
"""

import asyncio
import logging
from typing import AsyncIterator, List

import pytest
import redis

from bot.gateway.relay.bus import BusUnavailableError, SubscriptionClosedError, conversation_channel, staff_channel
from bot.gateway.relay.redis_bus import RedisBus
from tools.bench import free_port

A = "a" * 32


@pytest.fixture
async def two_instances(redis_url: str, redis_prefix: str) -> AsyncIterator[List[RedisBus]]:
    """The buses of two gateway instances of one deployment."""
    buses = [RedisBus(redis_url, redis_prefix), RedisBus(redis_url, redis_prefix)]
    yield buses
    for bus in buses:
        await bus.close()


async def test_a_message_published_on_one_instance_reaches_a_subscriber_on_another_in_order(
    two_instances: List[RedisBus],
) -> None:
    survivor_side, staff_side = two_instances
    staff = await staff_side.subscribe(staff_channel(A))
    for number in range(20):
        await survivor_side.publish(staff_channel(A), {"n": number})
    assert [(await asyncio.wait_for(staff.get(), 5))["n"] for _ in range(20)] == list(range(20))


async def test_deployments_with_different_prefixes_never_hear_each_other(redis_url: str, redis_prefix: str) -> None:
    ours, theirs = RedisBus(redis_url, redis_prefix), RedisBus(redis_url, f"other-{redis_prefix}")
    try:
        listening = await ours.subscribe("queue")
        await theirs.publish("queue", {"from": "another deployment"})
        await ours.publish("queue", {"from": "us"})
        assert await asyncio.wait_for(listening.get(), 5) == {"from": "us"}
    finally:
        await ours.close()
        await theirs.close()


async def test_closing_the_last_subscription_unsubscribes_from_redis(redis_url: str, redis_prefix: str) -> None:
    bus = RedisBus(redis_url, redis_prefix)
    first = await bus.subscribe(conversation_channel(A))
    second = await bus.subscribe(conversation_channel(A), "queue")
    server = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}{conversation_channel(A)}"
    assert server.pubsub_numsub(key) == [(key.encode(), 1)], "one connection per process, however many listeners"
    await first.close()
    assert bus.listening() == sorted([key, f"{redis_prefix}queue"])
    await second.close()
    await asyncio.sleep(0.2)
    assert bus.listening() == [] and server.pubsub_numsub(key) == [(key.encode(), 0)]
    await bus.close()


async def test_redis_down_is_a_clear_error_staff_code_can_catch(caplog: pytest.LogCaptureFixture) -> None:
    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0", "haven-test-down:")
    with caplog.at_level(logging.ERROR, logger="bot.gateway.relay.redis_bus"):
        with pytest.raises(BusUnavailableError):
            await bus.publish(staff_channel(A), {"type": "message"})
        with pytest.raises(BusUnavailableError):
            await bus.subscribe(staff_channel(A))
    assert bus.subscriber_count() == 0, "a failed subscription must not linger"
    assert "Redis can't be reached (ConnectionError)" in caplog.text
    await bus.close()


async def test_a_lost_connection_ends_subscriptions_and_the_next_subscribe_reconnects(
    redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RedisBus(redis_url, redis_prefix)
    staff = await bus.subscribe(staff_channel(A))
    server = redis.Redis.from_url(redis_url)
    with caplog.at_level(logging.ERROR, logger="bot.gateway.relay.redis_bus"):
        ours = [c for c in server.client_list() if c["name"] == f"{redis_prefix}bus"]
        killed = [c["id"] for c in ours if int(c["sub"]) > 0]
        assert killed, "the bus's pub/sub connection should carry its name"
        for client in killed:
            server.client_kill_filter(_id=client)
        with pytest.raises(SubscriptionClosedError):
            await asyncio.wait_for(staff.get(), 5)
    assert "live events from other gateway instances stopped" in caplog.text
    again = await bus.subscribe(staff_channel(A))
    await bus.publish(staff_channel(A), {"n": 1})
    assert await asyncio.wait_for(again.get(), 5) == {"n": 1}
    await bus.close()
