"""Undelivered replies are kept in order, per conversation, for a while only: in memory with one gateway,
in Redis with several (a survivor may resume on another instance). Both run the same tests."""

import asyncio
import logging
from typing import Any, AsyncIterator, Callable

import pytest
import redis

from bot.gateway.chat.outbox import KEEP_FOR_S, MemoryOutbox, Outbox, RedisOutbox, outbox_from_settings
from bot.gateway.relay.bus import BusUnavailableError
from bot.settings import Settings
from tools.bench import free_port

A, B = "a" * 32, "b" * 32
OutboxFactory = Callable[..., Outbox]


@pytest.fixture(params=["memory", "redis"])
async def make_outbox(request: Any) -> AsyncIterator[OutboxFactory]:
    """Makes outboxes of one kind; Redis ones share the test's own prefix, as instances of a deployment do."""
    made = []

    def make(**options: Any) -> Outbox:
        if request.param == "memory":
            outbox: Outbox = MemoryOutbox(**options)
        else:
            url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")
            outbox = RedisOutbox(url, prefix, **options)
        made.append(outbox)
        return outbox

    yield make
    for outbox in made:
        await outbox.close()


async def test_frames_are_given_back_once_in_order_to_their_own_conversation(make_outbox: OutboxFactory) -> None:
    outbox = make_outbox()
    await outbox.keep(A, "first")
    await outbox.keep(B, "other")
    await outbox.keep(A, "second")
    assert await outbox.take(A) == ["first", "second"]
    assert await outbox.take(A) == []
    assert await outbox.take(B) == ["other"]


async def test_old_frames_are_dropped_and_a_conversation_holds_a_bounded_number(make_outbox: OutboxFactory) -> None:
    outbox = make_outbox(keep_for_s=0.05, max_kept=3)
    await outbox.keep(A, "stale")
    await asyncio.sleep(0.1)
    for number in range(5):
        await outbox.keep(B, str(number))
    assert await outbox.take(A) == []
    assert await outbox.take(B) == ["2", "3", "4"]


async def test_erasure_drops_what_was_kept(make_outbox: OutboxFactory) -> None:
    outbox = make_outbox()
    await outbox.keep(A, "a reply")
    await outbox.drop(A)
    assert await outbox.take(A) == []


def test_the_configuration_picks_the_outbox() -> None:
    assert isinstance(outbox_from_settings(Settings()), MemoryOutbox)
    assert isinstance(outbox_from_settings(Settings(redis_url="redis://127.0.0.1:6379/0")), RedisOutbox)


async def test_a_reply_kept_by_one_instance_is_given_back_by_another_and_expires_in_redis(
    redis_url: str, redis_prefix: str
) -> None:
    left_from, resumed_on = RedisOutbox(redis_url, redis_prefix), RedisOutbox(redis_url, redis_prefix)
    await left_from.keep(A, "kept while you were away")
    assert 0 < redis.Redis.from_url(redis_url).ttl(left_from.key(A)) <= KEEP_FOR_S, "Redis must forget it by itself"
    assert await resumed_on.take(A) == ["kept while you were away"]
    assert await left_from.take(A) == []
    await left_from.close()
    await resumed_on.close()


async def test_with_redis_down_a_reply_is_kept_in_this_instance_and_erasure_says_it_could_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outbox = RedisOutbox(f"redis://127.0.0.1:{free_port()}/0", "haven-test-down:")
    with caplog.at_level(logging.ERROR, logger="bot.gateway.relay.redis_bus"):
        await outbox.keep(A, "a reply")
        assert await outbox.take(A) == ["a reply"]
        with pytest.raises(BusUnavailableError):
            await outbox.drop(A)
    assert "kept in this gateway instance only" in caplog.text
    await outbox.close()
