"""Undelivered replies are kept in order, per conversation, for a while only."""

import time

from bot.chat.outbox import Outbox


def test_frames_are_given_back_once_in_order_to_their_own_conversation() -> None:
    outbox = Outbox()
    outbox.keep("a" * 32, "first")
    outbox.keep("b" * 32, "other")
    outbox.keep("a" * 32, "second")
    assert outbox.take("a" * 32) == ["first", "second"]
    assert outbox.take("a" * 32) == []
    assert outbox.take("b" * 32) == ["other"]


def test_old_frames_are_dropped_and_a_conversation_holds_a_bounded_number() -> None:
    outbox = Outbox(keep_for_s=0.05, max_kept=3)
    outbox.keep("a" * 32, "stale")
    time.sleep(0.1)
    for number in range(5):
        outbox.keep("b" * 32, str(number))
    assert outbox.take("a" * 32) == []
    assert outbox.take("b" * 32) == ["2", "3", "4"]
