"""What a fresh directory starts with: the national helplines and the clearly marked sample set.

The helplines come from data/facts/helplines.csv (the copy of shared/facts/uk-support.md), with
their numbers, hours, `verified_on` and `source` exactly as written there. The sample services
(data/directory/sample-services.yaml) are fictional and flagged `sample`; they exist so the feature
can be shown before the charity imports its real list. Seeding is idempotent: it adds or replaces
these entries by key and leaves everything else alone.
"""

import logging
import re
from datetime import date
from typing import List, Tuple

from sqlalchemy.engine import Engine

from bot.directory import store
from bot.directory.areas import UK, key
from bot.directory.entries import Entry
from bot.directory.importer import read_rows, validate
from bot.facts import Helpline, helplines
from bot.hours import format_hours, parse_hours
from bot.nlp.vocabulary import WHO_FOR
from bot.settings import ROOT

logger = logging.getLogger(__name__)

SAMPLE_FILE = ROOT / "data" / "directory" / "sample-services.yaml"
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
EVERYONE = "all"
GENERAL_TOPIC = "general"
"""Lines with no domestic-abuse tag (Samaritans, Crimestoppers) are kept but not offered by place."""
SPOKEN_TIME = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>am|pm)", re.IGNORECASE)


def _clock(match: "re.Match[str]") -> str:
    hour = int(match.group("hour")) % 12 + (12 if match.group("half").lower() == "pm" else 0)
    return f"{hour:02d}:{match.group('minute') or '00'}"


def hours_from_facts(text: str) -> str:
    """The facts sheet's hours ("24/7", "Mon–Fri 9am–5pm") in the directory's format."""
    return format_hours(parse_hours(SPOKEN_TIME.sub(_clock, text.replace("–", "-"))))


def _organisation(line: Helpline) -> str:
    """The operator in brackets ("... (Refuge)" -> "Refuge"), else the service's own name."""
    inside = re.search(r"\(([^)]+)\)$", line.name)
    return inside.group(1) if inside and inside.group(1) not in NATIONS else line.short_name


def _tags(line: Helpline) -> Tuple[Tuple[str, ...], Tuple[str, ...], Tuple[str, ...]]:
    """(areas, who_for, topics) from the facts' `serves` tags."""
    nations = tuple(key("nation", tag) for tag in line.serves if tag in NATIONS)
    who_for = tuple(tag for tag in line.serves if tag in WHO_FOR)
    topics = tuple(tag for tag in line.serves if tag not in NATIONS and tag not in WHO_FOR and tag != EVERYONE)
    general = not (nations or who_for or EVERYONE in line.serves)
    return nations or (UK,), who_for, topics or ((GENERAL_TOPIC,) if general else ())


def national_entries() -> List[Entry]:
    """Every helpline of the facts sheet as a national directory entry."""
    entries = []
    for line in helplines().values():
        areas, who_for, topics = _tags(line)
        entries.append(
            Entry(
                key=f"national-{line.key.replace('_', '-')}",
                organisation=_organisation(line),
                name=line.name,
                description=f"{line.who_for[:1].upper()}{line.who_for[1:]}.",
                needs=("helpline",),
                areas=areas,
                who_for=who_for,
                topics=topics,
                phone=line.number,
                hours=hours_from_facts(line.hours),
                national=True,
                verified_on=date.fromisoformat(line.verified_on),
                source=line.source,
            )
        )
    return entries


def sample_entries(today: date) -> List[Entry]:
    """The fictional sample services, validated like any import."""
    return validate(read_rows(SAMPLE_FILE), today)


def seed(engine: Engine, today: date, if_empty: bool = False) -> int:
    """Adds or replaces the national and sample entries; with `if_empty`, only into an empty directory."""
    if if_empty and store.count(engine):
        logger.info("The directory already has services; not seeding.")
        return 0
    return store.save(engine, [*national_entries(), *sample_entries(today)])
