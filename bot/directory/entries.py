"""One directory entry as the rest of Haven sees it: plain, immutable, detached from the database."""

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Tuple

from bot.directory.areas import UK
from bot.directory.models import Service, join_list, split_list

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """A service and its organisation. `areas` are coverage keys; `hours` is the canonical hours text."""

    key: str
    organisation: str
    name: str
    description: str
    needs: Tuple[str, ...]
    areas: Tuple[str, ...]
    verified_on: date
    source: str
    who_for: Tuple[str, ...] = ()
    languages: Tuple[str, ...] = ()
    topics: Tuple[str, ...] = ()
    phone: str = ""
    text_number: str = ""
    web_chat: str = ""
    website: str = ""
    hours: str = ""
    national: bool = False
    sample: bool = False

    def area_names(self) -> Tuple[str, ...]:
        """The areas as a charity writes them ("Lambeth", "SE", "UK"), for export."""
        return tuple("UK" if area == UK else area.split(":", 1)[1] for area in self.areas)


def entry_from_row(service: Service) -> Entry:
    """The Entry for a loaded Service row (its organisation and areas loaded with it)."""
    return entry_from_columns(service, service.organisation.name, [area.area_key for area in service.areas])


def entry_from_columns(service: Any, organisation: str, areas: Iterable[str]) -> Entry:
    """The Entry for a Service row or a result row with the same column names."""
    return Entry(
        key=service.key,
        organisation=organisation,
        name=service.name,
        description=service.description,
        needs=split_list(service.needs),
        areas=tuple(sorted(areas)),
        verified_on=service.verified_on,
        source=service.source,
        who_for=split_list(service.who_for),
        languages=split_list(service.languages),
        topics=split_list(service.topics),
        phone=service.phone,
        text_number=service.text_number,
        web_chat=service.web_chat,
        website=service.website,
        hours=service.hours,
        national=service.national,
        sample=service.sample,
    )


def fill_row(service: Service, entry: Entry) -> None:
    """Copies `entry`'s own fields onto a Service row (organisation and areas are set by the store)."""
    service.key = entry.key
    service.name = entry.name
    service.description = entry.description
    service.needs = join_list(entry.needs)
    service.who_for = join_list(entry.who_for)
    service.languages = join_list(entry.languages)
    service.topics = join_list(entry.topics)
    service.phone = entry.phone
    service.text_number = entry.text_number
    service.web_chat = entry.web_chat
    service.website = entry.website
    service.hours = entry.hours
    service.national = entry.national
    service.verified_on = entry.verified_on
    service.source = entry.source
    service.sample = entry.sample
