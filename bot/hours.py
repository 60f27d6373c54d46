"""Opening hours: a small weekly format, kept as text, that knows whether a service is open now in UK time.

The format a charity writes (and the importer checks):

    24/7                                    always open
    Mon-Fri 09:00-17:00; Sat 10:00-13:00    day ranges or lists (Mon,Wed) with one or more intervals
    Mon-Thu 09:00-17:00, 18:00-21:00
    Fri 22:00-06:00                         an interval past midnight ends the next morning
    (empty)                                 hours not known: never shown, never called "open now"

Times are wall-clock times in Europe/London, so a service that opens at 9am opens at 9am in both
GMT and BST; "now" is converted from UTC with zoneinfo, which knows the clock changes.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

UK_TIME = ZoneInfo("Europe/London")
ALWAYS = "24/7"
DAYS: Tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTES_PER_DAY = 24 * 60
MAX_CHARS = 300
RULE = re.compile(r"^(?P<days>[A-Za-z,\-–\s]+?)\s+(?P<times>\d.*)$")
INTERVAL = re.compile(r"^(?P<open>\d{1,2}:\d{2})\s*[-–]\s*(?P<close>\d{1,2}:\d{2})$")


class HoursError(ValueError):
    """Opening hours that cannot be read; the message says why, in words a volunteer can act on."""


@dataclass(frozen=True)
class Interval:
    """Open from `opens` to `closes` minutes after midnight on `day` (0 = Monday); `closes` may pass 24:00."""

    day: int
    opens: int
    closes: int


@dataclass(frozen=True)
class WeeklyHours:
    """A service's week. `always` for 24/7; no intervals and not `always` means hours are unknown."""

    always: bool = False
    intervals: Tuple[Interval, ...] = ()

    @property
    def known(self) -> bool:
        return self.always or bool(self.intervals)

    def is_open(self, at: Optional[datetime] = None) -> Optional[bool]:
        """Whether open at `at` (default now); None when hours are unknown. `at` must be timezone-aware."""
        if self.always:
            return True
        if not self.intervals:
            return None
        local = (at or datetime.now(timezone.utc)).astimezone(UK_TIME)
        minute = local.hour * 60 + local.minute
        today = local.weekday()
        yesterday = (today - 1) % 7
        for interval in self.intervals:
            if interval.day == today and interval.opens <= minute < interval.closes:
                return True
            if interval.day == yesterday and minute < interval.closes - MINUTES_PER_DAY:
                return True
        return False

    def describe(self) -> str:
        """Hours as people say them: "24/7", "Mon–Fri 9am–5pm, Sat 10am–1pm"; empty when unknown."""
        if self.always:
            return ALWAYS
        return ", ".join(_describe_group(days, times) for days, times in _grouped(self.intervals))


def _day(name: str) -> int:
    key = name.strip()[:3].title()
    if key not in DAYS:
        raise HoursError(f"'{name.strip()}' is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
    return DAYS.index(key)


def _days(text: str) -> List[int]:
    days: List[int] = []
    for part in text.split(","):
        ends = re.split(r"\s*[-–]\s*", part.strip())
        if len(ends) == 1:
            days.append(_day(ends[0]))
        elif len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            days.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
        else:
            raise HoursError(f"'{part.strip()}' is not a day or a range of days like Mon-Fri")
    return days


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise HoursError(f"'{text}' is not a time (use 24-hour times like 09:00 or 17:30)")
    return hours * 60 + minutes


def _intervals(days: List[int], text: str) -> List[Interval]:
    intervals: List[Interval] = []
    for part in text.split(","):
        match = INTERVAL.match(part.strip())
        if not match:
            raise HoursError(f"'{part.strip()}' is not a time range (write it like 09:00-17:00)")
        opens, closes = _minutes(match.group("open")), _minutes(match.group("close"))
        if closes == opens:
            raise HoursError(f"'{part.strip()}' opens and closes at the same time (for all day, write 00:00-24:00)")
        if closes < opens:
            closes += MINUTES_PER_DAY
        intervals.extend(Interval(day, opens, closes) for day in days)
    return intervals


@lru_cache(maxsize=4096)
def parse_hours(text: Optional[str]) -> WeeklyHours:
    """Reads the format above. Raises HoursError with a plain reason when it can't. Cached: few distinct texts."""
    text = (text or "").strip()
    if not text:
        return WeeklyHours()
    if len(text) > MAX_CHARS:
        raise HoursError(f"opening hours are longer than {MAX_CHARS} characters")
    if text.lower() in (ALWAYS, "24 hours", "24hrs"):
        return WeeklyHours(always=True)
    intervals: List[Interval] = []
    for rule in text.split(";"):
        match = RULE.match(rule.strip())
        if not match:
            raise HoursError(f"'{rule.strip()}' should be days then times, like Mon-Fri 09:00-17:00")
        intervals.extend(_intervals(_days(match.group("days")), match.group("times")))
    return WeeklyHours(intervals=tuple(sorted(set(intervals), key=lambda i: (i.day, i.opens))))


def format_hours(hours: WeeklyHours) -> str:
    """The canonical text for `hours` (what export writes and parse_hours reads back)."""
    if hours.always:
        return ALWAYS
    rules = []
    for days, times in _grouped(hours.intervals):
        spans = ", ".join(f"{_clock(opens)}-{_clock(closes)}" for opens, closes in times)
        rules.append(f"{_day_span(days, '-')} {spans}")
    return "; ".join(rules)


def _grouped(intervals: Tuple[Interval, ...]) -> List[Tuple[List[int], Tuple[Tuple[int, int], ...]]]:
    """Days with identical times, grouped: [(Mon..Fri, ((540, 1020),)), (Sat, ...)]."""
    by_day: Dict[int, List[Tuple[int, int]]] = {}
    for interval in intervals:
        by_day.setdefault(interval.day, []).append((interval.opens, interval.closes))
    groups: List[Tuple[List[int], Tuple[Tuple[int, int], ...]]] = []
    for day in sorted(by_day):
        times = tuple(by_day[day])
        if groups and groups[-1][1] == times and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], times))
    return groups


def _day_span(days: List[int], dash: str) -> str:
    return DAYS[days[0]] if len(days) == 1 else f"{DAYS[days[0]]}{dash}{DAYS[days[-1]]}"


def _clock(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY * 2
    if minutes == MINUTES_PER_DAY:
        return "24:00"
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _spoken(minutes: int) -> str:
    minutes %= MINUTES_PER_DAY
    if minutes == 0:
        return "midnight"
    hour, minute = divmod(minutes, 60)
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if not minute else f"{hour}:{minute:02d}{suffix}"


def _describe_group(days: List[int], times: Tuple[Tuple[int, int], ...]) -> str:
    spans = " and ".join(f"{_spoken(opens)}–{_spoken(closes)}" for opens, closes in times)
    return f"{_day_span(days, '–')} {spans}"
