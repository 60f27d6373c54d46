"""Importing a charity's list of services (CSV or YAML), every row checked before anything is saved.

A bad row is reported with its line and the reason, in words a volunteer can act on, and then
nothing at all is saved: a half-imported list would show survivors an out-of-date mix. The format
is in docs/directory.md; docs/directory-template.csv is a filled-in example.
"""

import csv
import io
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

import yaml

from bot.directory.areas import Areas, default_areas
from bot.directory.entries import Entry
from bot.hours import HoursError, format_hours, parse_hours
from bot.nlp.vocabulary import NEEDS, WHO_FOR, canonical_need, canonical_who_for

logger = logging.getLogger(__name__)

COLUMNS: Tuple[str, ...] = (
    "key", "organisation", "name", "description", "needs", "who_for", "languages", "topics", "areas",
    "national", "phone", "text_number", "web_chat", "website", "hours", "verified_on", "source", "sample",
)  # fmt: skip
REQUIRED: Tuple[str, ...] = ("key", "organisation", "name", "description", "needs", "areas", "verified_on", "source")
MAX_FILE_BYTES = 20_000_000
MAX_ROWS = 50_000
MAX_FIELD_CHARS = {"name": 200, "organisation": 200, "description": 500, "source": 500, "key": 64}
DEFAULT_MAX_CHARS = 300
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TOPIC = re.compile(r"^[a-z][a-z_]{0,39}$")
PHONE = re.compile(r"^(?:\+44\s?|0)[0-9 ]{8,14}$|^1[0-9]{2}(?: ?[0-9]{3})?$")
URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:[/?#][^\s<>\"']*)?$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TRUE = ("true", "yes", "y", "1")
FALSE = ("false", "no", "n", "0", "")
SAMPLE_SUFFIX = "(example)"
SAMPLE_PHONE_PREFIXES: Tuple[str, ...] = (
    "0207946",  # 020 7946 0000-0999 London
    "0113496",  # 0113 496 0000-0999 Leeds
    "0117496",  # 0117 496 0000-0999 Bristol
    "0121496",  # 0121 496 0000-0999 Birmingham
    "0131496",  # 0131 496 0000-0999 Edinburgh
    "0141496",  # 0141 496 0000-0999 Glasgow
    "0151496",  # 0151 496 0000-0999 Liverpool
    "0161496",  # 0161 496 0000-0999 Manchester
    "0292018",  # 029 2018 0000-0999 Cardiff
)
"""Ofcom's numbers reserved for drama (never in use): the only numbers a sample entry may have."""
SAMPLE_WEB_DOMAIN = "example.org"


class ImportRejectedError(Exception):
    """The file was not imported. `problems` lists every (line, reason); nothing was saved."""

    def __init__(self, problems: List[Tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"line {line}: {reason}" for line, reason in problems))


@dataclass(frozen=True)
class Row:
    """One row as read from the file, and the line it starts on."""

    line: int
    values: Dict[str, Any]


class RowError(ValueError):
    """One field of one row is wrong; the message is the reason."""


def _text(row: Row, column: str) -> str:
    value = row.values.get(column)
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    text = "" if value is None else str(value).strip()
    limit = MAX_FIELD_CHARS.get(column, DEFAULT_MAX_CHARS)
    if len(text) > limit:
        raise RowError(f"{column} is {len(text)} characters long; the most is {limit}")
    if CONTROL.search(text):
        raise RowError(f"{column} contains control characters")
    if column in REQUIRED and not text:
        raise RowError(f"{column} is empty")
    return text


def _list(row: Row, column: str) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in _text(row, column).split(";") if part.strip()))


def _canonical_list(row: Row, column: str, canonicalise: Any, allowed: Sequence[str]) -> Tuple[str, ...]:
    values = []
    for value in _list(row, column):
        canonical = canonicalise(value)
        if canonical not in allowed:
            raise RowError(f"{column} has '{value}', which is not one of: {', '.join(allowed)}")
        values.append(canonical)
    return tuple(dict.fromkeys(values))


def _topics(row: Row) -> Tuple[str, ...]:
    topics = _list(row, "topics")
    for topic in topics:
        if not TOPIC.match(topic):
            raise RowError(f"topics has '{topic}'; a topic is a lowercase word like stalking or forced_marriage")
    return topics


def _flag(row: Row, column: str) -> bool:
    text = _text(row, column).lower()
    if text not in TRUE + FALSE:
        raise RowError(f"{column} should be true or false, not '{text}'")
    return text in TRUE


def _areas(row: Row, areas: Areas) -> Tuple[str, ...]:
    keys = []
    for name in _list(row, "areas"):
        area = areas.coverage_key(name)
        if not area:
            raise RowError(f"areas has '{name}', which is not a place I know (check the spelling)")
        keys.append(area)
    return tuple(sorted(set(keys)))


def _phone(row: Row, column: str) -> str:
    text = _text(row, column)
    if text and not PHONE.match(text):
        raise RowError(f"{column} '{text}' is not a UK phone number (digits and spaces, like 0808 2000 247)")
    return text


def _url(row: Row, column: str) -> str:
    text = _text(row, column)
    if text and not URL.match(text):
        raise RowError(f"{column} '{text}' should be a full https:// web address")
    return text


def _verified_on(row: Row, today: date) -> date:
    text = _text(row, "verified_on")
    try:
        verified = date.fromisoformat(text)
    except ValueError:
        raise RowError(f"verified_on '{text}' should be a date like 2026-11-21") from None
    if verified > today:
        raise RowError(f"verified_on {text} is in the future")
    return verified


def _hours(row: Row) -> str:
    try:
        return format_hours(parse_hours(_text(row, "hours")))
    except HoursError as error:
        raise RowError(f"hours: {error}") from None


def _is_drama_number(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return len(digits) == 11 and digits[:7] in SAMPLE_PHONE_PREFIXES and digits[7] == "0"


def _check_sample(entry: Entry) -> None:
    """Sample entries can never pass for real ones, and real ones can never look like samples."""
    if entry.name.endswith(SAMPLE_SUFFIX) != entry.sample:
        raise RowError(f"a sample entry's name must end with '{SAMPLE_SUFFIX}', and only a sample entry's may")
    if not entry.sample:
        return
    for number in (entry.phone, entry.text_number):
        if number and not _is_drama_number(number):
            raise RowError(f"sample entry number {number} is not in Ofcom's drama ranges (like 020 7946 0xxx)")
    for url in (entry.website, entry.web_chat):
        host = url.split("/")[2] if url else SAMPLE_WEB_DOMAIN
        if host != SAMPLE_WEB_DOMAIN and not host.endswith(f".{SAMPLE_WEB_DOMAIN}"):
            raise RowError(f"sample entry web address {url} must be under {SAMPLE_WEB_DOMAIN}")


def validate_row(row: Row, areas: Areas, today: date) -> Entry:
    """The Entry a row describes, or RowError with the first reason it can't be one."""
    unknown = sorted(set(row.values) - set(COLUMNS))
    if unknown:
        raise RowError(f"unknown column(s): {', '.join(map(str, unknown))}")
    key = _text(row, "key")
    if not KEY.match(key):
        raise RowError(f"key '{key}' should be lowercase letters, digits, - or _ (like lambeth-outreach)")
    entry = Entry(
        key=key,
        organisation=_text(row, "organisation"),
        name=_text(row, "name"),
        description=_text(row, "description"),
        needs=_canonical_list(row, "needs", canonical_need, tuple(NEEDS)),
        who_for=_canonical_list(row, "who_for", canonical_who_for, tuple(WHO_FOR)),
        languages=_list(row, "languages"),
        topics=_topics(row),
        areas=_areas(row, areas),
        national=_flag(row, "national"),
        phone=_phone(row, "phone"),
        text_number=_phone(row, "text_number"),
        web_chat=_url(row, "web_chat"),
        website=_url(row, "website"),
        hours=_hours(row),
        verified_on=_verified_on(row, today),
        source=_text(row, "source"),
        sample=_flag(row, "sample"),
    )
    if not entry.needs:
        raise RowError("needs is empty")
    if not (entry.phone or entry.text_number or entry.web_chat or entry.website):
        raise RowError("there is no way to contact this service (give a phone, text number, web chat or website)")
    _check_sample(entry)
    return entry


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejectedError([(1, f"the header row has no column(s): {', '.join(missing)}")])
    line = reader.line_num + 1
    for values in reader:
        if None in values:
            raise ImportRejectedError([(line, "this row has more cells than the header (is a comma missing quotes?)")])
        yield Row(line, dict(values))
        line = reader.line_num + 1


def _yaml_rows(text: str) -> Iterator[Row]:
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ImportRejectedError([((mark.line + 1) if mark else 1, f"this is not valid YAML ({error})")]) from None
    if not isinstance(data, list) or document is None:
        raise ImportRejectedError([(1, "the file should be a list of services (each starting with '- key: ...')")])
    for node, values in zip(document.value, data, strict=True):
        if not isinstance(values, dict):
            reason = "each service should be a set of 'column: value' lines"
            raise ImportRejectedError([(node.start_mark.line + 1, reason)])
        yield Row(node.start_mark.line + 1, values)


def read_rows(path: Path) -> List[Row]:
    """The rows of a .csv, .yaml or .yml file, or ImportRejectedError if the file itself can't be read."""
    if path.suffix.lower() not in (".csv", ".yaml", ".yml"):
        raise ImportRejectedError([(0, f"{path.name} should be a .csv or .yaml file")])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportRejectedError([(0, f"{path.name} is larger than {MAX_FILE_BYTES // 1_000_000} MB")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        reason = f"{path.name} is not UTF-8 text (save it as 'CSV UTF-8'): {error.reason}"
        raise ImportRejectedError([(0, reason)]) from None
    rows = list(_csv_rows(text) if path.suffix.lower() == ".csv" else _yaml_rows(text))
    if len(rows) > MAX_ROWS:
        raise ImportRejectedError([(0, f"{path.name} has {len(rows)} services; the most in one file is {MAX_ROWS}")])
    return rows


def validate(rows: List[Row], today: date, areas: Optional[Areas] = None) -> List[Entry]:
    """Every row as an Entry, or ImportRejectedError listing every bad row (and repeated keys)."""
    areas = areas or default_areas()
    entries: List[Entry] = []
    problems: List[Tuple[int, str]] = []
    first_line: Dict[str, int] = {}
    for row in rows:
        try:
            entry = validate_row(row, areas, today)
        except RowError as error:
            problems.append((row.line, str(error)))
            continue
        if entry.key in first_line:
            problems.append((row.line, f"key '{entry.key}' is already used on line {first_line[entry.key]}"))
            continue
        first_line[entry.key] = row.line
        entries.append(entry)
    if not rows:
        problems.append((0, "there are no services in the file"))
    if problems:
        raise ImportRejectedError(problems)
    return entries


def export_rows(entries: List[Entry]) -> List[Dict[str, str]]:
    """Entries as rows in the import format, so an export can be edited and imported again."""
    return [
        {
            "key": entry.key,
            "organisation": entry.organisation,
            "name": entry.name,
            "description": entry.description,
            "needs": "; ".join(entry.needs),
            "who_for": "; ".join(entry.who_for),
            "languages": "; ".join(entry.languages),
            "topics": "; ".join(entry.topics),
            "areas": "; ".join(entry.area_names()),
            "national": str(entry.national).lower(),
            "phone": entry.phone,
            "text_number": entry.text_number,
            "web_chat": entry.web_chat,
            "website": entry.website,
            "hours": entry.hours,
            "verified_on": entry.verified_on.isoformat(),
            "source": entry.source,
            "sample": str(entry.sample).lower(),
        }
        for entry in entries
    ]


def write_csv(entries: List[Entry], handle: TextIO) -> None:
    """Writes `entries` as CSV in the import format."""
    writer = csv.DictWriter(handle, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(export_rows(entries))
