"""The in-process bus: what a gateway's sockets rely on to hear about each other."""

import asyncio

import pytest

from bot.bus import MAX_PENDING, MemoryBus, SubscriptionClosedError, conversation_channel, staff_channel


@pytest.mark.asyncio
async def test_a_subscriber_gets_messages_in_order_and_only_from_its_channels() -> None:
    bus = MemoryBus()
    survivor = await bus.subscribe(conversation_channel("a" * 32))
    for number in range(3):
        await bus.publish(conversation_channel("a" * 32), {"n": number})
    await bus.publish(conversation_channel("b" * 32), {"n": 99})
    assert [(await survivor.get())["n"] for _ in range(3)] == [0, 1, 2]
    assert survivor.queue.empty()


@pytest.mark.asyncio
async def test_every_subscriber_of_a_channel_gets_its_own_copy() -> None:
    bus = MemoryBus()
    first, second = await bus.subscribe("queue"), await bus.subscribe("queue", staff_channel("c" * 32))
    await bus.publish("queue", {"items": [1]})
    one, two = await first.get(), await second.get()
    one["items"].append(2)
    assert two == {"items": [1]}


@pytest.mark.asyncio
async def test_messages_must_be_json_as_they_would_be_over_redis() -> None:
    bus = MemoryBus()
    await bus.subscribe("queue")
    with pytest.raises(TypeError):
        await bus.publish("queue", {"when": object()})


@pytest.mark.asyncio
async def test_closing_wakes_a_waiting_reader_and_leaves_nothing_subscribed() -> None:
    bus = MemoryBus()
    subscription = await bus.subscribe("queue", staff_channel("d" * 32))
    reader = asyncio.ensure_future(subscription.get())
    await asyncio.sleep(0)
    await subscription.close()
    with pytest.raises(SubscriptionClosedError):
        await reader
    await subscription.close()
    assert bus.subscriber_count() == 0


@pytest.mark.asyncio
async def test_a_subscriber_that_falls_too_far_behind_is_dropped_not_grown() -> None:
    bus = MemoryBus()
    stuck = await bus.subscribe("queue")
    for number in range(MAX_PENDING + 5):
        await bus.publish("queue", {"n": number})
    assert bus.subscriber_count("queue") == 0
    received = [(await stuck.get())["n"] for _ in range(MAX_PENDING)]
    assert received == list(range(MAX_PENDING))
    with pytest.raises(SubscriptionClosedError):
        await stuck.get()
