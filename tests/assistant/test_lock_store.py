"""Rasa's lock store for scale-out: two Rasa instances take turns on one conversation through Redis."""

import asyncio
import multiprocessing
import time
from typing import Iterator, Tuple

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.core.utils import read_endpoints_from_path
from rasa.utils.endpoints import EndpointConfig

from bot.assistant.lock_store import RedisUrlLockStore
from bot.settings import ROOT

A = "a" * 32


def _from_scaleout_endpoints(monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str) -> LockStore:
    """The lock store Rasa builds from endpoints-scaleout.yml (Rasa would silently use memory if it failed)."""
    monkeypatch.setenv("HAVEN_DATABASE_URL", "sqlite:///var/haven.db")
    monkeypatch.setenv("HAVEN_REDIS_URL", redis_url)
    monkeypatch.setenv("HAVEN_REDIS_PREFIX", redis_prefix)
    monkeypatch.setenv("HAVEN_ACTION_ENDPOINT", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("HAVEN_ACTIONS_SECRET", "a-secret")
    return LockStore.create(read_endpoints_from_path(ROOT / "endpoints-scaleout.yml").lock_store)


async def test_a_second_rasa_instance_waits_for_the_first_to_finish_a_turn(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str
) -> None:
    first = _from_scaleout_endpoints(monkeypatch, redis_url, redis_prefix)
    second = _from_scaleout_endpoints(monkeypatch, redis_url, redis_prefix)
    assert isinstance(first, RedisUrlLockStore)
    order = []

    async def turn(store: LockStore, name: str) -> None:
        async with store.lock(A, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append(f"{name} starts")
            await asyncio.sleep(0.3)
            order.append(f"{name} ends")

    holder = asyncio.ensure_future(turn(first, "first"))
    await asyncio.sleep(0.1)
    assert redis.Redis.from_url(redis_url).exists(f"{redis_prefix}lock:{A}"), "the lock lives under our prefix"
    await asyncio.gather(holder, turn(second, "second"))
    assert order == ["first starts", "first ends", "second starts", "second ends"]
    assert not redis.Redis.from_url(redis_url).exists(f"{redis_prefix}lock:{A}"), "a finished turn leaves no lock"


RACED = "b" * 32
RACERS = 3
TURNS_EACH = 1000
RACE_DEADLINE_S = 150
LIFETIME_S = 120
"""Longer than the whole race, so no ticket expires in it: two holders at once could only be the store's fault."""
STUCK_S = 5


@pytest.fixture
def red(redis_url: str, redis_prefix: str) -> Iterator[redis.Redis]:
    """The real Redis; the test's keys (its prefix) are deleted afterwards, whatever the test left."""
    client = redis.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(match=f"{redis_prefix}*"):
        client.delete(key)


def _wait_for_the_others(red: redis.Redis, key: str, racers: int) -> None:
    """A start line in Redis, so the racers (started one after the other) race from the first turn."""
    red.incr(key)
    deadline = time.monotonic() + 60
    while int(red.get(key) or 0) < racers and time.monotonic() < deadline:
        time.sleep(0.01)


async def _turn(store: LockStore, red: redis.Redis, holders: str) -> bool:
    """One turn, counting itself in and out of `holders` while it holds the lock: whether another was inside."""
    async with store.lock(RACED, lock_lifetime=LIFETIME_S, wait_time_in_seconds=0.001):
        overlapped = int(red.incr(holders)) > 1
        red.decr(holders)
    return overlapped


async def _turns(store: LockStore, red: redis.Redis, holders: str, turns: int) -> Tuple[int, int, int]:
    """`turns` turns on one conversation: how many found another holder inside, how many got a LockError,
    and whether one was still waiting after STUCK_S (a turn waits for two others at most: a ticket nobody
    holds any more stands first in the queue until it expires, so this racer stops there)."""
    overlaps = lock_errors = 0
    for _ in range(turns):
        try:
            overlaps += await asyncio.wait_for(_turn(store, red, holders), STUCK_S)
        except LockError:
            lock_errors += 1
        except asyncio.TimeoutError:
            return overlaps, lock_errors, 1
    return overlaps, lock_errors, 0


def _race(redis_url: str, prefix: str, racers: int, turns: int) -> Tuple[int, int, int]:
    """One Rasa instance, in a process of its own, with the lock store endpoints-scaleout.yml configures."""
    store = RedisUrlLockStore(EndpointConfig(url=redis_url, key_prefix=prefix))
    red = redis.Redis.from_url(redis_url)
    _wait_for_the_others(red, f"{prefix}ready", racers)
    return asyncio.run(_turns(store, red, f"{prefix}holders", turns))


def test_instances_racing_for_one_conversation_never_hold_it_at_once(
    red: redis.Redis, redis_url: str, redis_prefix: str
) -> None:
    """Thousands of turns from several processes on one conversation against the real Redis: never two
    holders at once, and every turn served. Rasa's own RedisLockStore fails this (tickets issued twice, or
    lost)."""
    spawn = multiprocessing.get_context("spawn")  # a clean process each, like separate Rasa servers
    started = time.monotonic()
    with spawn.Pool(RACERS) as pool:
        race = pool.starmap_async(_race, [(redis_url, redis_prefix, RACERS, TURNS_EACH)] * RACERS)
        try:
            results = race.get(timeout=RACE_DEADLINE_S)
        except multiprocessing.TimeoutError:
            pytest.fail(f"The racers did not finish {RACERS * TURNS_EACH} turns in {RACE_DEADLINE_S} s: stuck waiting")
    overlaps, lock_errors, stuck = (sum(counts) for counts in zip(*results, strict=True))
    print(f"{RACERS} processes, {RACERS * TURNS_EACH} turns in {time.monotonic() - started:.1f} s")
    assert (overlaps, lock_errors, stuck) == (0, 0, 0), (
        f"{overlaps} turns overlapped another, {lock_errors} got a LockError, {stuck} racers got stuck waiting"
    )
    assert not red.exists(f"{redis_prefix}lock:{RACED}"), "the last turn left no lock"


def test_a_lock_expires_with_its_last_ticket(
    monkeypatch: pytest.MonkeyPatch, red: redis.Redis, redis_url: str, redis_prefix: str
) -> None:
    """A Rasa that dies mid-turn never finishes it: its lock must not stay in Redis for ever."""
    store = _from_scaleout_endpoints(monkeypatch, redis_url, redis_prefix)
    store.issue_ticket(A, lock_lifetime=5)
    store.issue_ticket(A, lock_lifetime=30)
    store.issue_ticket(A, lock_lifetime=10)
    remaining_ms = red.pttl(f"{redis_prefix}lock:{A}")
    assert 25_000 < remaining_ms <= 30_000, remaining_ms
