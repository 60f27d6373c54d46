"""Rate limits: a survivor typing fast is slowed kindly; one address can't open endless chats or sockets; a
conversation's message budget is one, however many sockets or gateway instances it uses."""

import time

import pytest
import redis

from bot.gateway.chat.limits import (
    GatewayLimits,
    KeyedRateLimit,
    MemoryConversationLimit,
    RateLimit,
    RedisConversationLimit,
    SocketCount,
)
from bot.settings import Settings
from tools.bench import free_port

A, B = "a" * 32, "b" * 32


def test_a_window_allows_its_limit_then_frees_up() -> None:
    limit = RateLimit(2, 10)
    assert limit.allow(0) and limit.allow(1)
    assert not limit.allow(2)
    assert limit.retry_after(2) == 8
    assert limit.allow(10.5)
    assert limit.retry_after(10.5) == 1


def test_each_address_has_its_own_limit_and_quiet_ones_are_forgotten() -> None:
    limits = KeyedRateLimit(1, 60)
    assert limits.allow("203.0.113.1", 0)
    assert not limits.allow("203.0.113.1", 1)
    assert limits.retry_after("203.0.113.1", 1) == 59
    assert limits.allow("203.0.113.2", 1), "someone else on another address is not affected"
    assert limits.retry_after("198.51.100.9", 1) == 0
    limits.forget_idle(120)
    assert len(limits) == 0, "addresses are kept in memory only while their window lasts"


def test_sockets_are_counted_per_address_while_they_are_open() -> None:
    sockets = SocketCount(2)
    with sockets.hold("203.0.113.1") as first, sockets.hold("203.0.113.1") as second:
        assert first and second
        with sockets.hold("203.0.113.1") as third, sockets.hold("203.0.113.2") as elsewhere:
            assert not third and elsewhere
    with sockets.hold("203.0.113.1") as again:
        assert again, "a closed socket frees its place"
    assert len(sockets) == 0, "an address is forgotten once its sockets have closed"


async def test_the_message_limit_holds_across_gateway_instances_with_redis(redis_url: str, redis_prefix: str) -> None:
    first, second = (RedisConversationLimit(redis_url, 3, 10, redis_prefix) for _ in range(2))
    try:
        assert [await first.allow(A), await second.allow(A), await first.allow(A)] == [True] * 3
        assert not await second.allow(A), "another gateway gives the conversation no fresh budget"
        assert await second.allow(B), "each conversation has its own"
        assert 0 < redis.Redis.from_url(redis_url).pttl(first.key(A)) <= 10_000, "Redis forgets it by itself"
    finally:
        await first.close()
        await second.close()


async def test_with_redis_down_messages_are_still_limited_in_this_instance(caplog: pytest.LogCaptureFixture) -> None:
    limit = RedisConversationLimit(f"redis://127.0.0.1:{free_port()}/0", 2, 10)
    try:
        began = time.monotonic()
        assert [await limit.allow(A) for _ in range(3)] == [True, True, False]
        assert time.monotonic() - began < 1, "no survivor waits on Redis"
    finally:
        await limit.close()
    assert "Redis can't be reached" in caplog.text


def test_several_gateways_count_messages_in_redis_and_one_in_memory() -> None:
    assert isinstance(GatewayLimits.from_settings(Settings()).messages, MemoryConversationLimit)
    scaled_out = GatewayLimits.from_settings(Settings(redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(scaled_out.messages, RedisConversationLimit)
