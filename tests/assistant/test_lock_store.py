"""Rasa's lock store for scale-out: two Rasa instances take turns on one conversation through Redis."""

import asyncio

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.core.utils import read_endpoints_from_path

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
