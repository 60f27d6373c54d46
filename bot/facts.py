"""The national helplines Haven may name, read from data/facts/helplines.csv.

That file is a copy of shared/facts/uk-support.md with `verified_on` and `source` kept, so a charity
can re-verify every number before launch; tests check the two agree.
"""

import csv
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Tuple

from bot.settings import ROOT

logger = logging.getLogger(__name__)

HELPLINES_CSV = ROOT / "data" / "facts" / "helplines.csv"
NATIONAL_HELPLINE = "national_helpline"


@dataclass(frozen=True)
class Helpline:
    """One helpline as the facts file states it. `hours` is empty where hours are unverified."""

    key: str
    name: str
    number: str
    who_for: str
    hours: str
    serves: Tuple[str, ...]
    verified_on: str
    source: str

    @property
    def short_name(self) -> str:
        """The name without the operator in brackets: "National Domestic Abuse Helpline"."""
        return self.name.split(" (")[0]

    def describe(self) -> str:
        """One line a survivor can act on: name, number, who for, and hours only if verified."""
        hours = f", {self.hours}" if self.hours else ""
        return f"{self.name}: {self.number} ({self.who_for}{hours})"


def _from_row(row: Dict[str, str]) -> Helpline:
    serves = tuple(tag.strip() for tag in row["serves"].split(";") if tag.strip())
    return Helpline(
        key=row["key"],
        name=row["name"],
        number=row["number"],
        who_for=row["who_for"],
        hours=row["hours"],
        serves=serves,
        verified_on=row["verified_on"],
        source=row["source"],
    )


@lru_cache(maxsize=1)
def helplines() -> Dict[str, Helpline]:
    """All helplines by key, read once per process."""
    with HELPLINES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["key"]: _from_row(row) for row in csv.DictReader(handle)}


def helplines_serving(tag: str) -> Tuple[Helpline, ...]:
    """Helplines whose `serves` tags include `tag` (a nation, a who-for group or a need)."""
    return tuple(line for line in helplines().values() if tag in line.serves)


def national_helpline() -> Helpline:
    """The 24-hour National Domestic Abuse Helpline: the number every fallback gives."""
    return helplines()[NATIONAL_HELPLINE]
