"""What reaches the database: the stored rows are read back and must hold no personal data.

SQLite always; PostgreSQL (127.0.0.1:5432, db `test`) when it is reachable, and always under CI=true,
including a restart of the database connections between two turns (nothing may be lost).
"""

import json
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AgentUttered,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.assistant.tracker_store import RedactingSQLTrackerStore, event_from_dict, redact_event_data
from bot.settings import ROOT
from tests.privacy.conftest import PG, stored_rows

PHONE, POSTCODE, EMAIL = "07700 900123", "SE15 4QT", "jane.doe@example.com"
MESSAGE = f"he took my phone, call me on {PHONE} or {EMAIL}, I'm at {POSTCODE}"


def _turn(text: str = MESSAGE) -> List[Event]:
    parse_data = {
        "text": text,
        "intent": {"name": "find_services", "confidence": 0.9},
        "entities": [{"entity": "location", "value": POSTCODE, "start": 48, "end": 56}],
    }
    return [
        UserUttered(text, parse_data["intent"], parse_data["entities"], parse_data),
        SlotSet("safety_plan_people", f"my sister on {PHONE}"),
        ActionExecuted("action_find_services"),
        BotUttered(f"Here is help near {POSTCODE}. The helpline is 0808 2000 247."),
    ]


def _assert_nothing_personal(rows: List[Dict[str, Any]]) -> None:
    stored = json.dumps(rows)
    for personal in ("900123", "jane.doe", "4QT"):
        assert personal not in stored, f"{personal} reached the database"
    assert "SE15 [postcode]" in stored, "the district is kept, so local help can still be found"
    assert "0808 2000 247" in stored, "the helpline the assistant gave is not personal data"


async def _store_and_check(store: RedactingSQLTrackerStore, sender: str) -> None:
    tracker = DialogueStateTracker.from_events(sender, _turn())
    await store.save(tracker)
    assert tracker.latest_message is not None and PHONE in tracker.latest_message.text, "the live turn keeps the words"
    rows = stored_rows(store, sender)
    assert [row["event"] for row in rows] == ["user", "slot", "action", "bot"]
    _assert_nothing_personal(rows)
    loaded = await store.retrieve(sender)
    assert loaded is not None and loaded.latest_message is not None
    assert loaded.latest_message.text.startswith("he took my phone, call me on [phone number]")


async def test_sqlite_rows_hold_no_personal_data(sqlite_store: RedactingSQLTrackerStore) -> None:
    await _store_and_check(sqlite_store, uuid.uuid4().hex)


async def test_a_sqlite_turn_is_committed_in_wal_mode_and_seen_by_other_processes(tmp_path: Path) -> None:
    """The gateway's "Delete chat" and the retention purge open the same file on their own connections."""
    database = tmp_path / "haven.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
    sender = uuid.uuid4().hex
    await store.save(DialogueStateTracker.from_events(sender, _turn()))
    with sqlite3.connect(database) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0] == 4


def test_nested_values_and_metadata_are_redacted_and_other_fields_kept() -> None:
    data = {
        "event": "user",
        "timestamp": 1.5,
        "metadata": {"note": f"ring {PHONE}"},
        "parse_data": {"entities": [{"entity": "phone", "value": [PHONE]}], "intent": {"name": "inform"}},
    }
    cleaned = redact_event_data(data)
    assert cleaned["metadata"] == {"note": "ring [phone number]"}
    assert cleaned["parse_data"]["entities"][0] == {"entity": "phone", "value": ["[phone number]"]}
    assert cleaned["timestamp"] == 1.5 and cleaned["parse_data"]["intent"] == {"name": "inform"}


def test_rasas_model_id_is_kept_but_a_number_under_its_name_is_still_redacted() -> None:
    """A model id is a run of hex digits Presidio took for bank details; it is Rasa's, never personal."""
    model_id = "abc8f432053443d3a27562919d49592c"
    kept = redact_event_data({"event": "action", "metadata": {"model_id": model_id, "assistant_id": "haven"}})
    assert kept["metadata"] == {"model_id": model_id, "assistant_id": "haven"}
    cleaned = redact_event_data({"event": "user", "metadata": {"model_id": f"call {PHONE}"}})
    assert cleaned["metadata"] == {"model_id": "call [phone number]"}


def _kill_store_connections(store: RedactingSQLTrackerStore) -> int:
    """What a database restart does to the store: every one of its connections is cut."""
    with sa.create_engine(RedactingSQLTrackerStore.get_db_url(**PG)).connect() as admin:
        killed = admin.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": store.application_name},
        )
        return len(list(killed))


async def test_postgresql_rows_hold_no_personal_data(pg_store: RedactingSQLTrackerStore) -> None:
    await _store_and_check(pg_store, uuid.uuid4().hex)


async def test_postgresql_connections_cut_between_turns_lose_nothing(pg_store: RedactingSQLTrackerStore) -> None:
    sender = uuid.uuid4().hex
    tracker = DialogueStateTracker.from_events(sender, _turn("first message"))
    await pg_store.save(tracker)
    assert _kill_store_connections(pg_store) >= 1, "the store's pooled connection should have been cut"
    for event in _turn("second message"):
        tracker.update(event)
    await pg_store.save(tracker)
    rows = stored_rows(pg_store, sender)
    assert [row["text"] for row in rows if row["event"] == "user"] == ["first message", "second message"]
    assert len(rows) == 8


@pytest.mark.parametrize("endpoints_file", ["endpoints.yml", "endpoints-scaleout.yml"])
def test_both_endpoints_files_give_rasa_the_redacting_store_on_haven_database_url(
    endpoints_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa silently falls back to an in-memory store if the module path is wrong: check it loads ours,
    on the one database the gateway and the purge use too."""
    from rasa.core.tracker_store import create_tracker_store
    from rasa.core.utils import read_endpoints_from_path

    monkeypatch.setenv("HAVEN_DATABASE_URL", f"sqlite:///{tmp_path / 'haven.db'}")
    monkeypatch.setenv("HAVEN_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("HAVEN_REDIS_PREFIX", "haven:")
    monkeypatch.setenv("HAVEN_ACTION_ENDPOINT", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("HAVEN_ACTIONS_SECRET", "a-secret")
    endpoints = read_endpoints_from_path(ROOT / endpoints_file)
    store = create_tracker_store(endpoints.tracker_store)
    assert isinstance(store, RedactingSQLTrackerStore)
    assert store.engine.url.database == str(tmp_path / "haven.db")
    assert endpoints.action.headers == {"X-Haven-Action-Secret": "a-secret"}, "Rasa must send the actions secret"


def test_a_relative_sqlite_url_is_the_repos_file_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = RedactingSQLTrackerStore(Domain.empty(), host="sqlite:///var/haven-relative-test.db")
    store.engine.dispose()
    assert store.engine.url.database == str(ROOT / "var" / "haven-relative-test.db")
    assert not (tmp_path / "var").exists()
    (ROOT / "var" / "haven-relative-test.db").unlink()


def _statements(store: RedactingSQLTrackerStore) -> List[str]:
    """Every SQL statement the store runs from now on."""
    seen: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2].lower()))
    return seen


async def _two_turns_saved_twice(store: RedactingSQLTrackerStore, sender: str) -> List[str]:
    """As Rasa does: retrieve, add a turn, save (twice per message: after the user's words and at the end)."""
    await store.save(DialogueStateTracker.from_events(sender, _turn()))
    statements = _statements(store)
    tracker = await store.retrieve(sender)
    assert tracker is not None
    for event in _turn("and now?"):
        tracker.update(event)
    await store.save(tracker)
    await store.save(tracker)
    return statements


async def test_a_retrieved_tracker_stores_each_new_event_once_without_counting_rows(
    sqlite_store: RedactingSQLTrackerStore,
) -> None:
    sender = uuid.uuid4().hex
    statements = await _two_turns_saved_twice(sqlite_store, sender)
    rows = stored_rows(sqlite_store, sender)
    assert [row["event"] for row in rows] == ["user", "slot", "action", "bot"] * 2
    assert [row.get("text") for row in rows if row["event"] == "user"][1] == "and now?"
    assert not [sql for sql in statements if "count(" in sql], "the tracker knows what is stored"


async def test_postgresql_retrieved_tracker_stores_each_new_event_once(pg_store: RedactingSQLTrackerStore) -> None:
    sender = uuid.uuid4().hex
    statements = await _two_turns_saved_twice(pg_store, sender)
    assert [row["event"] for row in stored_rows(pg_store, sender)] == ["user", "slot", "action", "bot"] * 2
    assert not [sql for sql in statements if "count(" in sql]


async def test_a_tracker_the_store_did_not_load_is_counted_so_nothing_is_stored_twice(
    sqlite_store: RedactingSQLTrackerStore,
) -> None:
    """Rasa's HTTP API can build a tracker itself (replace events); then the rows are counted."""
    sender = uuid.uuid4().hex
    await sqlite_store.save(DialogueStateTracker.from_events(sender, _turn()))
    await sqlite_store.save(DialogueStateTracker.from_events(sender, _turn() + _turn("and now?")))
    assert len(stored_rows(sqlite_store, sender)) == 8


async def test_sqlite_connections_are_reused_and_tuned_once(sqlite_store: RedactingSQLTrackerStore) -> None:
    opened: List[Any] = []
    sa.event.listen(sqlite_store.engine, "connect", lambda connection, _: opened.append(connection))
    sender = uuid.uuid4().hex
    for turn in range(3):
        await sqlite_store.save(DialogueStateTracker.from_events(sender, _turn(f"turn {turn}")))
        assert await sqlite_store.retrieve(sender) is not None
    assert len(opened) == 1, "one connection, opened (and put in WAL mode) once"


async def test_a_chat_deleted_while_rasa_answers_is_not_stored_again(
    sqlite_store: RedactingSQLTrackerStore,
) -> None:
    """"Delete chat" removes the rows mid-turn; the turn's save must not bring the deleted words back."""
    sender = uuid.uuid4().hex
    await sqlite_store.save(DialogueStateTracker.from_events(sender, _turn()))
    tracker = await sqlite_store.retrieve(sender)
    assert tracker is not None
    with sqlite_store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender})
    tracker.update(BotUttered("Here is the answer to the last question."))
    await sqlite_store.save(tracker)
    assert [row["event"] for row in stored_rows(sqlite_store, sender)] == ["bot"]


EVERY_KIND_OF_EVENT: List[Event] = [
    SessionStarted(),
    ActionExecuted("action_listen"),
    UserUttered("make a plan", {"name": "safety_plan", "confidence": 1.0}),
    DefinePrevUserUtteredFeaturization(False),
    ActiveLoop("safety_plan_form"),
    SlotSet("requested_slot", "safety_plan_places"),
    EntitiesAdded([{"entity": "need", "value": "refuge"}]),
    LoopInterrupted(True),
    ActionExecutionRejected("safety_plan_form"),
    FollowupAction("utter_offer_person"),
    ReminderScheduled("check_in", datetime(2026, 11, 22, 9, 30), name="reminder"),
    ReminderCancelled(name="reminder"),
    ConversationPaused(),
    AgentUttered("a support worker has joined"),
    ConversationResumed(),
    BotUttered("The helpline is 0808 2000 247.", {"buttons": [{"title": "Talk to a person"}]}),
]


async def test_every_kind_of_event_loads_as_rasa_itself_would_load_it(sqlite_store: RedactingSQLTrackerStore) -> None:
    """The store rebuilds events from a table of Rasa's event classes; Rasa's own way must agree."""
    sender = uuid.uuid4().hex
    await sqlite_store.save(DialogueStateTracker.from_events(sender, EVERY_KIND_OF_EVENT))
    loaded = await sqlite_store.retrieve(sender)
    assert loaded is not None
    as_rasa_loads_it = DialogueStateTracker.from_dict(sender, stored_rows(sqlite_store, sender))
    assert [event.as_dict() for event in loaded.events] == [event.as_dict() for event in as_rasa_loads_it.events]
    assert [type(event) for event in loaded.events] == [type(event) for event in EVERY_KIND_OF_EVENT]


def test_an_event_of_a_type_rasa_does_not_know_is_left_to_rasa() -> None:
    assert event_from_dict({"event": "topic", "topic": "old"}) is None  # Rasa's own: an old event, dropped
    with pytest.raises(ValueError, match="Unknown event name"):
        event_from_dict({"event": "no_such_event"})


async def test_a_support_workers_name_stays_and_a_survivors_metadata_is_redacted(
    sqlite_store: RedactingSQLTrackerStore,
) -> None:
    """The gateway names the support worker in a staff message's metadata; the survivor sees that name again
    after a page change (docs/protocol.md), so the name list must not turn "Sam" into [name]. The same key on
    a survivor's own message is personal data like any other."""
    sender = uuid.uuid4().hex
    staff = {"staff": {"display_name": "Sam", "role": "support_worker"}}
    tracker = DialogueStateTracker.from_events(sender, [
        BotUttered("Hi, it's Sam from the support team.", metadata=staff),
        UserUttered("my name is Sarah", {"name": "greet", "confidence": 0.9}, metadata=staff),
    ])
    await sqlite_store.save(tracker)
    bot_row, user_row = stored_rows(sqlite_store, sender)
    assert bot_row["metadata"]["staff"] == staff["staff"]
    assert "Sarah" not in json.dumps(user_row)
    assert user_row["metadata"]["staff"]["display_name"] != "Sam"
