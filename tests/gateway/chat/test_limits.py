"""Rate limits: a survivor typing fast is slowed kindly; one address can't open endless chats."""

from bot.gateway.chat.limits import KeyedRateLimit, RateLimit


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
