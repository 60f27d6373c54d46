"""The console's API: signing in, CSRF, roles on every call, nobody reading what isn't theirs, and no
conversation id handed to the console (a conversation is addressed by its handoff's id)."""

import uuid
from pathlib import Path
from typing import Any, Dict

import pytest
import requests

from bot.database.engine import make_engine
from bot.gateway.console.routes import transcript_line
from bot.handoff import queue
from bot.risk import Risk
from bot.staff import accounts
from bot.staff.references import reference
from tests.gateway.chat.conftest import start_gateway, stop_gateway
from tests.staff.conftest import PASSWORD, Console


def _waiting(console: Console) -> queue.Handoff:
    conversation = uuid.uuid4().hex
    queue.request(console.engine, conversation, Risk.NONE, "preview")
    found = queue.open_handoff(console.engine, conversation)
    assert found is not None
    return found


def test_sign_in_sets_a_strict_httponly_cookie_and_the_wrong_password_says_nothing_more(console: Console) -> None:
    response = requests.post(f"{console.url}/staff/api/login", json={"username": "ash", "password": PASSWORD},
                             headers={"Origin": console.url})
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert response.json()["display_name"] == "Sam" and "password" not in response.text
    wrong = requests.post(f"{console.url}/staff/api/login", json={"username": "ash", "password": "nope"},
                          headers={"Origin": console.url})
    unknown = requests.post(f"{console.url}/staff/api/login", json={"username": "nobody", "password": "nope"},
                            headers={"Origin": console.url})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["text"] == unknown.json()["text"], "the answer must not say whether the account exists"


def test_login_from_another_site_is_refused(console: Console) -> None:
    response = requests.post(f"{console.url}/staff/api/login", json={"username": "ash", "password": PASSWORD},
                             headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_every_api_call_needs_a_session(console: Console) -> None:
    anonymous = requests.Session()
    for method, path in [("GET", "queue"), ("GET", "me"), ("GET", "audit"), ("GET", "accounts"),
                         ("POST", "handoffs/1/take"), ("GET", "handoffs/1/transcript")]:
        assert console.api(anonymous, method, path).status_code == 401, path


def test_changes_need_the_csrf_token_and_the_console_origin(console: Console) -> None:
    session = console.signed_in("ash")
    handoff = _waiting(console)
    token = session.headers.pop("X-CSRF-Token")
    assert console.api(session, "POST", f"handoffs/{handoff.id}/take").status_code == 403
    session.headers["X-CSRF-Token"] = "forged"
    assert console.api(session, "POST", f"handoffs/{handoff.id}/take").status_code == 403
    session.headers["X-CSRF-Token"] = token
    session.headers["Origin"] = "https://evil.example"
    assert console.api(session, "POST", f"handoffs/{handoff.id}/take").status_code == 403
    assert queue.get(console.engine, handoff.id).state == queue.WAITING  # type: ignore[union-attr]


def test_a_support_worker_cannot_reach_admin_or_supervisor_pages(console: Console) -> None:
    worker = console.signed_in("ash")
    assert console.api(worker, "GET", "accounts").status_code == 403
    assert console.api(worker, "GET", "audit").status_code == 403
    created = console.api(worker, "POST", "accounts",
                          json={"username": "sneaky", "display_name": "S", "role": "admin", "password": PASSWORD * 2})
    assert created.status_code == 403
    assert console.api(worker, "POST", "quick-replies", json={"title": "x", "text": "y"}).status_code == 403
    assert console.api(worker, "PUT", "quick-replies/1", json={"title": "x", "text": "y"}).status_code == 403
    supervisor = console.signed_in("cam")
    assert console.api(supervisor, "GET", "audit").status_code == 200
    assert console.api(supervisor, "GET", "accounts").status_code == 403


def test_nobody_reads_a_conversation_they_do_not_hold_unless_supervisor(console: Console) -> None:
    handoff = _waiting(console)
    ash, bob, cam = console.signed_in("ash"), console.signed_in("bob"), console.signed_in("cam")
    path = f"handoffs/{handoff.id}"
    assert console.api(ash, "GET", f"{path}/transcript").status_code == 403, "waiting: nobody holds it yet"
    assert console.api(ash, "POST", f"handoffs/{handoff.id}/take").status_code == 200
    assert console.api(ash, "GET", f"{path}/transcript").status_code == 200
    assert console.api(bob, "GET", f"{path}/transcript").status_code == 403
    assert console.api(bob, "GET", f"{path}/notes").status_code == 403
    assert console.api(bob, "POST", f"{path}/notes", json={"text": "mine now"}).status_code == 409
    assert console.api(bob, "POST", f"{path}/handback").status_code == 409
    assert console.api(bob, "POST", f"{path}/end").status_code == 409
    assert console.api(cam, "GET", f"{path}/transcript").status_code == 200
    assert console.api(cam, "GET", "handoffs/999999/transcript").status_code == 403, "no such handoff"
    entries = console.api(cam, "GET", "audit").json()["entries"]
    opened = [entry for entry in entries if entry["reference"] == reference(handoff.conversation)]
    assert {"requested", "took", "opened"} <= {entry["action"] for entry in opened}
    assert all(set(entry) == {"at", "actor", "action", "reference", "target"} for entry in entries)


def test_a_second_take_is_refused_cleanly(console: Console) -> None:
    handoff = _waiting(console)
    ash, bob = console.signed_in("ash"), console.signed_in("bob")
    assert console.api(ash, "POST", f"handoffs/{handoff.id}/take").status_code == 200
    second = console.api(bob, "POST", f"handoffs/{handoff.id}/take")
    assert second.status_code == 409
    assert second.json()["text"] == "A colleague has already taken this conversation."


def test_admins_create_accounts_and_disabling_one_ends_its_sessions(console: Console) -> None:
    admin = console.signed_in("dee")
    created = console.api(admin, "POST", "accounts", json={"username": "eve", "display_name": "Eve",
                                                           "role": "support_worker", "password": PASSWORD})
    assert created.status_code == 200
    weak = console.api(admin, "POST", "accounts", json={"username": "fay", "display_name": "Fay",
                                                        "role": "support_worker", "password": "short"})
    assert weak.status_code == 400 and "12" in weak.json()["text"]
    common = console.api(admin, "POST", "accounts", json={"username": "fay", "display_name": "Fay",
                                                          "role": "support_worker", "password": "password1234"})
    assert common.status_code == 400 and "most common" in common.json()["text"], "length alone let it through"
    eve = console.signed_in("eve")
    assert console.api(eve, "GET", "queue").status_code == 200
    assert console.api(admin, "POST", f"accounts/{created.json()['id']}", json={"active": False}).status_code == 200
    assert console.api(eve, "GET", "queue").status_code == 401
    refused = requests.post(f"{console.url}/staff/api/login", json={"username": "eve", "password": PASSWORD},
                            headers={"Origin": console.url})
    assert refused.status_code == 401
    itself = console.api(admin, "POST", f"accounts/{console.ids['dee']}", json={"active": False})
    assert itself.status_code == 400, "the last admin must not lock everyone out"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"username": 5, "password": []}', b"{" * 10_000])
def test_malformed_logins_get_a_kind_refusal(console: Console, body: bytes) -> None:
    response = requests.post(f"{console.url}/staff/api/login", data=body,
                             headers={"Origin": console.url, "Content-Type": "application/json"})
    assert response.status_code == 401
    assert "didn't match" in response.json()["text"]


def test_logout_ends_the_session(console: Console) -> None:
    session = console.signed_in("bob")
    assert console.api(session, "POST", "logout").status_code == 200
    assert console.api(session, "GET", "me").status_code == 401


def test_repeated_failed_logins_from_one_address_are_slowed_down(fake_rasa_url: str, tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    process = start_gateway(fake_rasa_url, log, HAVEN_STAFF_LOGIN_FAILURES="3", HAVEN_STAFF_LOGIN_WINDOW_S="600")
    url = process.base_url  # type: ignore[attr-defined]
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
        accounts.create(engine, "gus", "Gus", "support_worker", PASSWORD)
        engine.dispose()
        answers = [requests.post(f"{url}/staff/api/login", json={"username": f"guess{n}", "password": "x"},
                                 headers={"Origin": url}).status_code for n in range(4)]
        assert answers == [401, 401, 401, 429]
        right = requests.post(f"{url}/staff/api/login", json={"username": "gus", "password": PASSWORD},
                              headers={"Origin": url})
        assert right.status_code == 429 and "wait a few minutes" in right.json()["text"]
    finally:
        stop_gateway(process, log)


def test_an_admin_rewords_a_standard_reply_in_place_and_bad_edits_change_nothing(console: Console) -> None:
    admin = console.signed_in("dee")
    added = console.api(admin, "POST", "quick-replies", json={"title": "Refuge", "text": "Refuges are safe."}).json()
    edit = {"title": " Refuge space ", "text": "Refuges are safe places to stay."}
    assert console.api(admin, "PUT", f"quick-replies/{added['id']}", json=edit).json() == {"updated": True}
    blank = console.api(admin, "PUT", f"quick-replies/{added['id']}", json={"title": "Refuge", "text": "  "})
    assert blank.status_code == 400
    too_long = console.api(admin, "PUT", f"quick-replies/{added['id']}", json={"title": "x" * 81, "text": "y"})
    assert too_long.status_code == 400
    assert console.api(admin, "PUT", "quick-replies/999999", json=edit).status_code == 404
    replies = console.api(admin, "GET", "quick-replies").json()["replies"]
    assert {"id": added["id"], "title": "Refuge space", "text": "Refuges are safe places to stay."} in replies
    assert sum(reply["title"].startswith("Refuge") for reply in replies) == 1, "edited in place, not added"
    without_csrf = requests.put(f"{console.url}/staff/api/quick-replies/{added['id']}", json=edit,
                                cookies=admin.cookies, headers={"Origin": console.url}, timeout=15)
    assert without_csrf.status_code == 403


def test_the_transcript_shows_staff_which_messages_the_assistant_took_for_a_risk_to_life() -> None:
    def user(text: str, intent: str) -> Dict[str, Any]:
        return {"event": "user", "text": text, "timestamp": 1.0, "parse_data": {"intent": {"name": intent}}}

    events = [user("i want to end it all", "self_harm"), {"event": "bot", "text": "I'm really glad you told me."},
              user("hes outside with a knife", "immediate_danger"), user("what is clares law", "clares_law")]
    lines = [transcript_line(event) for event in events]
    assert [(line["from"], line.get("risk")) for line in lines if line] == [
        ("survivor", "self_harm"), ("assistant", None), ("survivor", "danger"), ("survivor", "none")]


def test_the_queue_says_why_a_survivor_is_first(console: Console) -> None:
    conversation = uuid.uuid4().hex
    queue.request(console.engine, conversation, Risk.SELF_HARM, "i want to end it all")
    handoff = queue.open_handoff(console.engine, conversation)
    waiting = console.api(console.signed_in("ash"), "GET", "queue").json()["waiting"]
    entry = next(item for item in waiting if handoff and item["id"] == handoff.id)
    assert (entry["urgent"], entry["risk"]) == (True, "self_harm")
    assert all(item["urgent"] for item in waiting[: waiting.index(entry)]), "ahead of everyone not at risk"
