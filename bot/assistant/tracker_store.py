"""Rasa's SQL tracker store, redacting every event before it is written.

Configured in endpoints.yml as `type: bot.assistant.tracker_store.RedactingSQLTrackerStore` with
`url: ${HAVEN_DATABASE_URL}` (Rasa loads a custom store by module path, passes `url` as `host` and the
other keys through; a `host` that is a whole SQLAlchemy URL is used as it is). So Rasa, the gateway,
the directory and the purge all use the one database setting. During a turn Rasa keeps the
tracker in memory with the survivor's own words, so the assistant understands them; what reaches the
database has personal data replaced by labels (`bot.privacy.redaction`). No event broker is used: one
would receive the unredacted events.

The engine comes from the one engine factory (bot/database/engine.py): connections to a database server
are checked before use, so a restarted database costs nothing; a SQLite file is pooled and in
write-ahead-log mode, so a turn's commit no longer waits for several fsyncs (a tenth of the Rasa
server's CPU under load, docs/performance.md).

Rasa rebuilds each stored event by searching every class of event for its type, for every event of
the conversation on every turn (a twentieth of the server's CPU); this store looks the type up in a
table made once, and reads only the stored JSON, not whole rows.

Rasa's store counts a conversation's stored events with a query before every save, to know which
events are new. This store remembers the count on the tracker it retrieved or saved instead, which is
exact: the events a tracker has beyond it are the ones this process added since. A tracker that did
not come from this store is counted as Rasa does. (Rasa's lock store keeps one process at a time on a
conversation, so nothing else writes to it between the two.)

A safety plan is never stored (bot/privacy/safety_plan.py): a message that answers a plan question, the
slots it sets and the summary are written as placeholders, from the first write. Replaying the tracker's
events tells which messages answer a question: those that came while the plan form asked one, unless the
question's `from_text` mapping in domain.yml refuses their intent (danger, self-harm, stop, skip, asking for
a person: they interrupt the plan and are stored redacted as ever, so staff see why it stopped). The
summary is the bot message whose metadata names what to store instead (`STORED_AS`).

The patches Haven makes to Rasa (log redaction first of all) are installed by the Rasa server's entry point,
`python -m bot.assistant` (bot/assistant/patches.py), not here; a server started another way is warned.
"""

import functools
import json
import logging
import re
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Text, Type, cast

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.slot_mappings import SlotMapping
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.assistant import patches
from bot.database.engine import make_engine
from bot.privacy.redaction import default_redactor, redact
from bot.privacy.safety_plan import PLAN_ANSWER, SAFETY_PLAN_FORM, STORED_AS
from bot.settings import absolute_database_url

logger = logging.getLogger(__name__)

REDACTED_KEYS = frozenset({"text", "value", "metadata"})
"""Where survivor words can be in an event: message and bot text, entity and slot values, metadata."""
SKIPPED_KEYS = frozenset({"response_selector"})
"""The assistant's own fixed answers, repeated in the parse data: nothing personal, and long."""
RASA_MODEL_ID = re.compile(r"[0-9a-f]{32}")
"""The model id Rasa puts in every event's metadata: not personal, but a run of hex digits that Presidio
can take for bank details, which mangled the id and cost a fifth of the Rasa server's CPU (it was
analysed again for every event, as text found to hold personal data is never remembered as clean)."""
STORED_EVENTS = "_haven_stored_events"
"""Set on a tracker this store retrieved or saved: how many of its events are in the database."""
KEPT_PARSE_DATA = ("intent", "intent_ranking", "message_id", "metadata")
"""What a plan answer's parse data keeps: the intent and its confidence (the risk staff see is read from it,
bot/risk.py), never the words, nor anything an NLU component derived from them."""


def redact_values(value: Any) -> Any:
    """Every string in `value` (a string, or lists and dicts of them) redacted; other values as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_values(item) for item in value]
    if isinstance(value, dict):
        return {key: item if _is_model_id(key, item) else redact_values(item) for key, item in value.items()}
    return value


def _is_model_id(key: str, value: Any) -> bool:
    return key == "model_id" and isinstance(value, str) and RASA_MODEL_ID.fullmatch(value) is not None


def redact_event_data(data: Any) -> Any:
    """An event's dict with the text, values and metadata redacted wherever they are nested."""
    if isinstance(data, list):
        return [redact_event_data(item) for item in data]
    if not isinstance(data, dict):
        return data
    return {
        key: value
        if key in SKIPPED_KEYS
        else redact_values(value)
        if key in REDACTED_KEYS
        else redact_event_data(value)
        for key, value in data.items()
    }


@functools.cache
def _event_classes() -> Dict[str, Type[Event]]:
    """Rasa's event classes by type name, the first of a name winning as in `Event.resolve_by_type`.
    Made on first use, when Rasa and the action server's events are all imported."""
    classes: Dict[str, Type[Event]] = {}
    for event_class in all_subclasses(Event):
        classes.setdefault(event_class.type_name, event_class)
    return classes


def event_from_dict(data: Dict[str, Any]) -> Optional[Event]:
    """The event a stored dict describes, as `Event.from_parameters` makes it, without its class search."""
    event_class = _event_classes().get(data.get("event", ""))
    if event_class is None:  # no type, or one Rasa resolves specially (or refuses): its own way
        return Event.from_parameters(data)
    return event_class._from_parameters(data)


def plan_placeholder(data: Dict[str, Any]) -> Dict[str, Any]:
    """A plan answer's event dict (a survivor's message, or a slot it set) with the placeholder for her words."""
    if data.get("event") == "slot":
        return {**data, "value": PLAN_ANSWER}
    parse_data = data.get("parse_data") or {}
    kept = {key: parse_data[key] for key in KEPT_PARSE_DATA if key in parse_data}
    entities = [{"entity": entity.get("entity"), "value": PLAN_ANSWER} for entity in parse_data.get("entities", [])]
    return {**data, "text": PLAN_ANSWER, "parse_data": {**kept, "text": PLAN_ANSWER, "entities": entities}}


def stored_text(data: Dict[str, Any]) -> Dict[str, Any]:
    """A bot message's dict with the text its metadata says to store instead of the one shown (the plan summary)."""
    instead = (data.get("metadata") or {}).get(STORED_AS) if data.get("event") == "bot" else None
    return {**data, "text": instead} if isinstance(instead, str) else data


def _with_staff_kept(data: Dict[str, Any], redacted_data: Dict[str, Any]) -> Dict[str, Any]:
    """A support worker's message keeps who sent it (`metadata.staff`, written by the gateway): the display name
    is chosen to be shown to survivors, and a name list would otherwise take "Sam" for personal data."""
    metadata = data.get("metadata")
    staff = metadata.get("staff") if data.get("event") == "bot" and isinstance(metadata, dict) else None
    if isinstance(staff, dict) and isinstance(redacted_data.get("metadata"), dict):
        redacted_data["metadata"]["staff"] = staff
    return redacted_data


def redacted(event: Event, plan_answer: bool = False) -> Event:
    """A copy of `event` as it may be stored; a plan answer's words replaced by the placeholder."""
    data = stored_text(event.as_dict())
    data = plan_placeholder(data) if plan_answer else data
    copy = type(event)._from_parameters(_with_staff_kept(data, redact_event_data(data)))
    if copy is None:
        raise ValueError(f"Rasa could not rebuild a {event.type_name} event from its own dict.")
    return copy


def not_answers(slot: Slot) -> FrozenSet[str]:
    """The intents a message can't answer `slot` with: refused by every one of its `from_text` mappings.
    A slot without one takes no words at all, so nothing is refused and every message counts as an answer."""
    refused = [
        frozenset(SlotMapping.to_list(mapping.get("not_intent")))
        for mapping in slot.mappings
        if mapping.get("type") == "from_text"
    ]
    return frozenset.intersection(*refused) if refused else frozenset()


class PlanScreen:
    """Replays a conversation's events, in order, to tell which hold a safety-plan answer."""

    def __init__(self, domain: Domain) -> None:
        self.plan_slots = frozenset(domain.required_slots_for_form(SAFETY_PLAN_FORM))
        self.not_answers = {slot.name: not_answers(slot) for slot in domain.slots if slot.name in self.plan_slots}
        self.loop: Optional[str] = None
        self.asked: Optional[str] = None
        """The plan question the form asked last (its slot)."""
        self.answering = False
        """The survivor's latest message answered a plan question: every slot set in that turn is hers."""

    def holds_answer(self, event: Event) -> bool:
        """Whether `event` holds a plan answer (the screen then moves past it)."""
        if isinstance(event, UserUttered):
            self.answering = self._answers_question(event)
            return self.answering
        if isinstance(event, SlotSet):
            return self._slot_holds_answer(event)
        if isinstance(event, ActiveLoop):
            self.loop = event.name
        elif isinstance(event, SessionStarted | Restarted):
            self.loop, self.asked, self.answering = None, None, False
        return False

    def _answers_question(self, message: UserUttered) -> bool:
        if self.loop != SAFETY_PLAN_FORM or self.asked not in self.plan_slots:
            return False
        return message.intent_name not in self.not_answers.get(self.asked, frozenset())

    def _slot_holds_answer(self, event: SlotSet) -> bool:
        if event.key == REQUESTED_SLOT:
            self.asked = event.value
            return False
        return event.value is not None and (self.answering or event.key in self.plan_slots)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events never hold personal data."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        **kwargs: Dict[Text, Any],
    ) -> None:
        if host and "://" in host:  # HAVEN_DATABASE_URL: a relative SQLite path is the repo's, as everywhere
            host = absolute_database_url(host)
            dialect = make_url(host).get_backend_name()
        super().__init__(
            domain, dialect, host, port, db, username, password, event_broker, login_db, query, **kwargs
        )
        url = self.get_db_url(dialect, host, port, db, username, password, None, query)
        cast(Engine, vars(self)["engine"]).dispose()
        self.engine = make_engine(url, future=False, **create_engine_kwargs(url))
        self.sessionmaker = sessionmaker(bind=self.engine)
        default_redactor()
        patches.warn_if_missing()
        logger.info("Conversations are stored redacted (%s).", dialect)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's query and tracker, reading only the events' JSON and rebuilding them by table."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        if not (self.domain and rows):
            return None
        events: List[Event] = [event for event in (event_from_dict(json.loads(data)) for (data,) in rows) if event]
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The latest session's tracker, which knows that all its events are stored."""
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the new events; the tracker then knows they are stored."""
        await super().save(tracker)
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Event]:
        """The events not yet stored, redacted and with plan answers replaced: SQLTrackerStore.save writes
        exactly these. Every event is replayed, to know where the safety plan stood at each new one."""
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None or tracker.events.maxlen is not None:
            stored = len(tracker.events) - len(list(super()._additional_events(session, tracker)))
        screen = PlanScreen(self.domain)
        for index, event in enumerate(tracker.events):
            plan_answer = screen.holds_answer(event)
            if index >= stored:
                yield redacted(event, plan_answer)
