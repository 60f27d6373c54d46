"""Whether a survivor who asks for a person can honestly be told one will come.

Someone must be signed in, have set themselves available, and have been seen by the gateway lately
(their console's socket reports every PRESENCE_FRESH_S / 3 seconds), and it must be within the charity's
live-chat hours: HAVEN_STAFF_HOURS, in the directory's opening-hours format in UK time
("Mon-Fri 09:00-17:00; Sat 10:00-13:00"), default "24/7", meaning whenever someone is available.
"""

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.hours import ALWAYS, WeeklyHours, parse_hours
from bot.staff.models import staff_accounts

logger = logging.getLogger(__name__)

STAFF_HOURS_VARIABLE = "HAVEN_STAFF_HOURS"
PRESENCE_FRESH_S = 90.0
"""A console that has not been heard from for this long counts as away (closed laptop, lost network)."""


@dataclass(frozen=True)
class Availability:
    """What the survivor is told: whether someone can come, and when live chat is open."""

    available: bool
    any_staff: bool
    hours: WeeklyHours


def staff_hours(env: Optional[Mapping[str, str]] = None) -> WeeklyHours:
    """The live-chat hours from HAVEN_STAFF_HOURS (a bad value is a configuration error: it raises)."""
    env = os.environ if env is None else env
    return parse_hours(env.get(STAFF_HOURS_VARIABLE, "").strip() or ALWAYS)


def available_staff(engine: Engine, now: Optional[float] = None) -> int:
    """How many active accounts are available and were seen within PRESENCE_FRESH_S."""
    now = time.time() if now is None else now
    query = sa.select(sa.func.count()).select_from(staff_accounts).where(
        staff_accounts.c.active.is_(True),
        staff_accounts.c.presence == "available",
        staff_accounts.c.last_seen >= now - PRESENCE_FRESH_S,
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def any_staff(engine: Engine) -> bool:
    """Whether this deployment has active staff accounts at all (without any, live chat is not offered)."""
    query = sa.select(staff_accounts.c.id).where(staff_accounts.c.active.is_(True)).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def availability(engine: Engine, hours: WeeklyHours, at: Optional[datetime] = None) -> Availability:
    """Whether a person can join now."""
    open_now = bool(hours.is_open(at))
    return Availability(open_now and available_staff(engine) > 0, any_staff(engine), hours)
