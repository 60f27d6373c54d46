"""Opening hours: "open now" must be right for a survivor deciding whether to call, in GMT and in BST."""

from datetime import datetime, timezone

import pytest

from bot.hours import HoursError, format_hours, parse_hours

OFFICE = "Mon-Fri 09:00-17:00; Sat 10:00-13:00"


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "moment, expected",
    [
        (utc(2026, 3, 27, 8, 30), False),  # Friday 08:30 GMT: not yet open
        (utc(2026, 3, 27, 9, 0), True),  # Friday 09:00 GMT: opens
        (utc(2026, 3, 30, 8, 30), True),  # Monday after the clocks go forward: 09:30 BST
        (utc(2026, 3, 30, 16, 30), False),  # 17:30 BST: closed, though 16:30 in UTC
        (utc(2026, 10, 23, 16, 30), False),  # Friday 17:30 BST in October
        (utc(2026, 10, 26, 16, 30), True),  # Monday after the clocks go back: 16:30 GMT
        (utc(2026, 3, 28, 9, 59), False),  # Saturday 09:59 GMT
        (utc(2026, 3, 28, 10, 0), True),  # Saturday 10:00 GMT
        (utc(2026, 3, 29, 12, 0), False),  # Sunday: closed
    ],
)
def test_open_now_follows_uk_clock_changes(moment: datetime, expected: bool) -> None:
    assert parse_hours(OFFICE).is_open(moment) is expected


def test_the_night_the_clocks_go_forward() -> None:
    overnight = parse_hours("Sat 22:00-06:00")
    assert overnight.is_open(utc(2026, 3, 28, 23, 30)) is True  # Saturday 23:30 GMT
    assert overnight.is_open(utc(2026, 3, 29, 4, 30)) is True  # Sunday 05:30 BST
    assert overnight.is_open(utc(2026, 3, 29, 5, 0)) is False  # Sunday 06:00 BST: closed


def test_24_7_is_always_open_and_unknown_hours_are_never_claimed() -> None:
    assert parse_hours("24/7").is_open(utc(2026, 12, 25, 3, 0)) is True
    unknown = parse_hours("")
    assert unknown.is_open(utc(2026, 3, 27, 12, 0)) is None
    assert unknown.describe() == ""


def test_described_as_people_say_it() -> None:
    assert parse_hours(OFFICE).describe() == "Mon–Fri 9am–5pm, Sat 10am–1pm"
    assert parse_hours("Mon-Thu 09:30-13:00, 14:00-20:00").describe() == "Mon–Thu 9:30am–1pm and 2pm–8pm"
    assert parse_hours("24/7").describe() == "24/7"


@pytest.mark.parametrize("text", [OFFICE, "Mon,Wed 09:00-12:00", "Fri 22:00-06:00", "Sun 00:00-24:00", "24/7"])
def test_canonical_text_reads_back_the_same(text: str) -> None:
    hours = parse_hours(text)
    assert parse_hours(format_hours(hours)) == hours


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Mondays 9-5", "is not a time range"),
        ("whenever", "should be days then times"),
        ("Mon-Fri 9am-5pm", "is not a time range"),
        ("Mon-Fri 09:00-25:00", "is not a time"),
        ("Funday 09:00-17:00", "is not a day"),
        ("Mon 09:00-09:00", "opens and closes at the same time"),
        ("'; DROP TABLE services;--", "should be days then times"),
        ("Mon 09:00-17:00; " * 40, "longer than"),
    ],
)
def test_unreadable_hours_say_why(text: str, reason: str) -> None:
    with pytest.raises(HoursError, match=reason):
        parse_hours(text)
