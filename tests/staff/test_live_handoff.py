"""A whole handoff over the real sockets: survivor asks → queue → staff take → chat both ways (with
typing and a danger message) → hand back → the assistant answers again. Plus leaving, cancelling,
erasure, who may open a staff socket, and a console that is never given a conversation id."""

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed
from websockets.legacy.client import connect

from bot.database.engine import make_engine
from bot.gateway.relay.handoff import RESUME
from bot.handoff import queue
from bot.handoff.models import CANCELLED, OPEN_STATES, audit_log, handoffs
from bot.risk import Risk
from bot.staff import accounts
from bot.staff.references import conversation_hash, reference
from bot.staff.sessions import COOKIE
from bot.wording import emergency_wording, urgent_wording
from tests.gateway.chat.conftest import (  # noqa: F401 (gateway_with_own_rasa: a fixture)
    EVENTS,
    HANDED_BACK_GREETING,
    FakeRasa,
    gateway_with_own_rasa,
    start_gateway,
    stop_gateway,
)
from tests.staff.conftest import PASSWORD, WAIT_S, Console, next_frame, staff_socket


async def survivor_in_queue(console: Console, ws: Any) -> str:
    """A survivor whose request the handoff action has queued (as it does when someone is available)."""
    await ws.send(json.dumps({"type": "start"}))
    conversation = (await next_frame(ws, "started"))["conversation"]
    queue.request(console.engine, conversation, Risk.NONE, "I need to talk to someone")
    await ws.send(json.dumps({"type": "message", "text": "handoff please"}))
    assert (await next_frame(ws, "bot"))["text"] == "A support worker will join this chat."
    assert await next_frame(ws, "handoff") == {"type": "handoff", "state": "queued", "position": 1}
    return str(conversation)


@pytest.fixture(autouse=True)
def empty_queue(console: Console) -> None:
    """Each test starts with nobody waiting (the console tests leave survivors in the shared queue)."""
    with console.engine.begin() as connection:
        connection.execute(handoffs.update().where(handoffs.c.state.in_(OPEN_STATES)).values(state=CANCELLED))


def survivor_socket(console: Console) -> Any:
    return connect(console.url.replace("http", "ws") + "/chat/socket")


def events_of(conversation: str) -> List[Dict[str, Any]]:
    return EVENTS.get(conversation, [])


def handoff_of(console: Console, conversation: str) -> int:
    """The id of the conversation's open handoff: how the console addresses it."""
    handoff = queue.open_handoff(console.engine, conversation)
    assert handoff is not None
    return handoff.id


async def test_request_take_chat_both_ways_hand_back_and_the_assistant_answers_again(console: Console) -> None:
    worker = console.signed_in("ash")
    async with survivor_socket(console) as survivor, staff_socket(console, worker) as staff:
        await next_frame(staff, "queue")
        conversation = await survivor_in_queue(console, survivor)
        arrived = await next_frame(staff, "queue")
        handoff_id = handoff_of(console, conversation)
        assert handoff_id in [item["id"] for item in arrived["waiting"]]

        assert console.api(worker, "POST", f"handoffs/{handoff_id}/take").status_code == 200
        assert await next_frame(survivor, "handoff") == {"type": "handoff", "state": "joined", "name": "Sam"}
        await next_frame(staff, "queue")

        await staff.send(json.dumps({"type": "typing", "handoff": handoff_id, "on": True}))
        assert (await next_frame(survivor, "staff_typing"))["on"] is True
        await staff.send(json.dumps({"type": "message", "handoff": handoff_id, "text": "Hi, I'm Sam."}))
        said = await next_frame(survivor, "staff")
        assert (said["text"], said["name"]) == ("Hi, I'm Sam.", "Sam")
        await next_frame(staff, "sent", handoff=handoff_id)
        staff_event = next(e for e in events_of(conversation) if e["event"] == "bot")
        assert staff_event["metadata"] == {"staff": {"display_name": "Sam", "role": "support_worker"}}
        assert "ash" not in json.dumps(staff_event), "the account name never reaches the transcript"

        await survivor.send(json.dumps({"type": "typing", "on": True}))
        assert (await next_frame(staff, "survivor", event="typing"))["on"] is True
        await survivor.send(json.dumps({"type": "message", "text": "thank you, call me on 07700 900123"}))
        await next_frame(survivor, "received")
        said = await next_frame(staff, "survivor", event="message")
        assert said["danger"] is False and "900123" not in said["text"], "staff see it redacted, as stored"

        await survivor.send(json.dumps({"type": "message", "text": "hes outside and hes got a knife"}))
        assert (await next_frame(survivor, "bot"))["text"] == emergency_wording()
        assert (await next_frame(staff, "survivor", event="message"))["danger"] is True

        assert console.api(worker, "POST", f"handoffs/{handoff_id}/handback").status_code == 200
        assert (await next_frame(survivor, "handoff"))["state"] == "handed_back"
        assert (await next_frame(survivor, "bot"))["text"] == HANDED_BACK_GREETING
        assert {"event": "resume"} in events_of(conversation)
        assert {"event": "action", "name": "action_listen"} in events_of(conversation)
        await survivor.send(json.dumps({"type": "message", "text": "what now"}))
        assert (await next_frame(survivor, "bot"))["text"] == "echo: what now"
        assert [e["text"] for e in events_of(conversation) if e["event"] == "user"][-1] == "what now"
        survivor_lines = [e["text"] for e in events_of(conversation) if e["event"] == "user"]
        assert "thank you, call me on 07700 900123" in survivor_lines, "messages in handoff reach the tracker"


async def raw_frames_until(staff: Any, *kinds: str) -> List[str]:
    """Every frame the console receives, as sent, until one of each of `kinds` has arrived."""
    frames: List[str] = []
    missing = set(kinds)
    while missing:
        frames.append(await asyncio.wait_for(staff.recv(), WAIT_S))
        missing.discard(json.loads(frames[-1])["type"])
    return frames


async def test_a_support_workers_console_is_never_given_the_conversation_id(console: Console) -> None:
    """The id is the only credential for a survivor's chat (whoever has it can resume the chat from anywhere):
    every frame and every answer a support worker's console gets names the conversation by its handoff's id
    and a short reference instead, and the audit log keeps a keyed hash of it."""
    worker, supervisor = console.signed_in("ash"), console.signed_in("cam")
    async with survivor_socket(console) as survivor, staff_socket(console, worker) as staff:
        conversation = await survivor_in_queue(console, survivor)
        handoff_id = handoff_of(console, conversation)
        answers = [console.api(worker, "GET", "queue"), console.api(worker, "POST", f"handoffs/{handoff_id}/take"),
                   console.api(supervisor, "GET", "audit")]
        assert [answer.text for answer in answers if conversation in answer.text] == []
        with console.engine.connect() as connection:
            audited = connection.execute(sa.select(audit_log.c.conversation)).scalars().all()
        assert conversation not in audited and conversation_hash(conversation) in audited
        answers += [console.api(worker, "GET", f"handoffs/{handoff_id}/transcript"),
                    console.api(worker, "GET", f"handoffs/{handoff_id}/notes")]
        assert [answer.status_code for answer in answers] == [200] * 5
        await survivor.send(json.dumps({"type": "message", "text": "are you there"}))
        await staff.send(json.dumps({"type": "message", "handoff": handoff_id, "text": "Yes, I'm here."}))
        frames = await raw_frames_until(staff, "queue", "survivor", "sent")
    assert [text for text in frames + [answer.text for answer in answers] if conversation in text] == []
    assert any(reference(conversation) in frame for frame in frames)


async def queue_entry(staff: Any, handoff_id: int, **expected: Any) -> Dict[str, Any]:
    """The handoff's entry (waiting or held) in the next queue frame that shows it with `expected`."""
    while True:
        frame = await next_frame(staff, "queue")
        for item in frame["waiting"] + frame["mine"]:
            if item["id"] == handoff_id and all(item[key] == value for key, value in expected.items()):
                return dict(item)


async def test_thoughts_of_self_harm_in_a_live_chat_get_the_assistants_answer_and_staff_see_why(
    console: Console,
) -> None:
    """The abuser's threat to kill himself is not the survivor's risk: no answer, no flag. Their own thoughts
    of self-harm get the assistant's answer at once (the paused assistant gives none) and reach staff marked
    self-harm, not danger; danger afterwards marks the conversation danger."""
    async with survivor_socket(console) as survivor:
        conversation, handoff_id, worker = await joined_by(console, survivor, "ash")
        async with staff_socket(console, worker) as staff:
            await next_frame(staff, "queue")  # listening to the conversation it holds
            await survivor.send(json.dumps({"type": "message", "text": "he says he'll kill himself if i leave"}))
            said = await next_frame(staff, "survivor", event="message")
            assert (said["risk"], said["danger"]) == ("none", False)
            await survivor.send(json.dumps({"type": "message", "text": "honestly i want to end it all"}))
            assert (await next_frame(survivor, "bot"))["text"] == urgent_wording(Risk.SELF_HARM), \
                "the first answer the survivor gets, so none came for the abuser's threat"
            said = await next_frame(staff, "survivor", event="message")
            assert (said["risk"], said["danger"]) == ("self_harm", False)
            assert (await queue_entry(staff, handoff_id, risk="self_harm"))["urgent"] is True
            await survivor.send(json.dumps({"type": "message", "text": "hes outside and hes got a knife"}))
            assert (await next_frame(survivor, "bot"))["text"] == emergency_wording()
            said = await next_frame(staff, "survivor", event="message")
            assert (said["risk"], said["danger"]) == ("danger", True)
            await queue_entry(staff, handoff_id, risk="danger")


async def test_self_harm_while_waiting_puts_the_survivor_first_and_the_queue_says_why(console: Console) -> None:
    worker = console.signed_in("bob")
    async with survivor_socket(console) as first, survivor_socket(console) as second, \
            staff_socket(console, worker) as staff:
        earlier = await survivor_in_queue(console, first)
        conversation = await survivor_in_queue(console, second)
        await next_frame(second, "handoff", position=2)
        await second.send(json.dumps({"type": "message", "text": "i just want to die"}))
        assert (await next_frame(second, "bot"))["text"] == urgent_wording(Risk.SELF_HARM)
        assert (await next_frame(second, "handoff"))["position"] == 1
        await queue_entry(staff, handoff_of(console, conversation), risk="self_harm", urgent=True)
        assert [(h.conversation, h.risk) for h in queue.waiting(console.engine)] == [
            (conversation, Risk.SELF_HARM), (earlier, Risk.NONE)]


async def test_a_survivor_who_cancels_while_waiting_goes_back_to_the_assistant(console: Console) -> None:
    worker = console.signed_in("bob")
    async with survivor_socket(console) as survivor, staff_socket(console, worker) as staff:
        conversation = await survivor_in_queue(console, survivor)
        handoff_id = handoff_of(console, conversation)
        await survivor.send(json.dumps({"type": "cancel_handoff"}))
        assert (await next_frame(survivor, "handoff"))["state"] == "cancelled"
        gone = await next_frame(staff, "queue")
        while handoff_id in [item["id"] for item in gone["waiting"]]:
            gone = await next_frame(staff, "queue")
        assert queue.open_handoff(console.engine, conversation) is None
        assert events_of(conversation)[-2:] == RESUME
        await survivor.send(json.dumps({"type": "message", "text": "ok"}))
        assert (await next_frame(survivor, "bot"))["text"] == "echo: ok"


async def test_staff_see_at_once_when_the_survivor_leaves_or_deletes_the_chat(console: Console) -> None:
    worker = console.signed_in("ash")
    async with staff_socket(console, worker) as staff:
        async with survivor_socket(console) as survivor:
            conversation = await survivor_in_queue(console, survivor)
            handoff = queue.open_handoff(console.engine, conversation)
            assert handoff is not None
            assert console.api(worker, "POST", f"handoffs/{handoff.id}/take").status_code == 200
            assert console.api(worker, "POST", f"handoffs/{handoff.id}/notes",
                               json={"text": "asked about refuges"}).status_code == 200
        assert (await next_frame(staff, "survivor", event="away"))["handoff"] == handoff.id
        deleted = requests.post(f"{console.url}/chat/delete", data=json.dumps({"conversation": conversation}))
        assert deleted.status_code == 200
        left = await next_frame(staff, "survivor", event="left")
        assert left == {"type": "survivor", "handoff": handoff.id, "event": "left", "reason": "erased"}
    with console.engine.connect() as connection:
        assert connection.execute(sa.select(handoffs).where(handoffs.c.conversation == conversation)).first() is None
        assert console.api(worker, "GET", f"handoffs/{handoff.id}/notes").status_code == 403
        audit = connection.execute(
            sa.select(audit_log).where(audit_log.c.conversation == conversation_hash(conversation))).all()
        assert connection.execute(sa.select(audit_log).where(audit_log.c.conversation == conversation)).all() == []
    assert {row.action for row in audit} >= {"requested", "took", "cancelled"}, "the audit log outlives erasure"
    assert "refuges" not in str(audit)


async def test_a_second_staff_member_can_not_write_into_a_conversation_they_do_not_hold(console: Console) -> None:
    holder, other = console.signed_in("ash"), console.signed_in("bob")
    async with survivor_socket(console) as survivor, staff_socket(console, other) as intruder:
        conversation = await survivor_in_queue(console, survivor)
        handoff = queue.open_handoff(console.engine, conversation)
        assert handoff is not None
        assert console.api(holder, "POST", f"handoffs/{handoff.id}/take").status_code == 200
        await intruder.send(json.dumps({"type": "message", "handoff": handoff.id, "text": "hello"}))
        refused = await next_frame(intruder, "error")
        assert refused["code"] == "not_yours"
        assert not [e for e in events_of(conversation) if e["event"] == "bot"]


@pytest.mark.parametrize("signed_in", [True, False])
async def test_a_staff_socket_needs_the_session_cookie_and_the_console_origin(console: Console,
                                                                               signed_in: bool) -> None:
    """Signed in but opened from another site (cross-site WebSocket hijacking), or not signed in: closed."""
    cookie = console.signed_in("ash").cookies[COOKIE] if signed_in else "forged"
    origin = "https://evil.example" if signed_in else console.url
    async with connect(console.url.replace("http", "ws") + "/staff/socket", origin=origin,  # type: ignore[arg-type]
                       extra_headers={"Cookie": f"{COOKIE}={cookie}"}) as refused:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(refused.recv(), WAIT_S)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_a_gateway_restart_loses_no_one(fake_rasa_url: str, tmp_path: Path) -> None:
    """The queue and who holds what are in the database: after a restart the waiting survivor is still
    waiting (told their place again on resume), and staff take them as before."""
    log = tmp_path / "gateway.log"
    first = start_gateway(fake_rasa_url, log)
    engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
    accounts.create(engine, "ash", "Sam", "support_worker", PASSWORD)
    restarted = Console(first.base_url, engine, {})  # type: ignore[attr-defined]
    async with survivor_socket(restarted) as survivor:
        conversation = await survivor_in_queue(restarted, survivor)
    stop_gateway(first, log)
    second = start_gateway(fake_rasa_url, tmp_path / "again.log")  # the same database, beside the logs
    try:
        restarted.url = second.base_url  # type: ignore[attr-defined]
        async with survivor_socket(restarted) as survivor:
            await survivor.send(json.dumps({"type": "resume", "conversation": conversation}))
            assert await next_frame(survivor, "handoff") == {"type": "handoff", "state": "queued", "position": 1}
            handoff = queue.open_handoff(engine, conversation)
            assert handoff is not None
            worker = restarted.signed_in("ash")
            assert restarted.api(worker, "POST", f"handoffs/{handoff.id}/take").status_code == 200
            assert await next_frame(survivor, "handoff") == {"type": "handoff", "state": "joined", "name": "Sam"}
    finally:
        stop_gateway(second, tmp_path / "again.log")
        engine.dispose()


def console_with_sam(url: str, tmp_path: Path) -> Console:
    """The console of a gateway with its own fake Rasa (so a test can stop it), with one support worker, Sam."""
    engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
    accounts.create(engine, "ash", "Sam", "support_worker", PASSWORD)
    return Console(url, engine, {})


async def test_with_rasa_down_a_staff_message_is_refused_kindly_and_the_console_stays_connected(
    gateway_with_own_rasa: Tuple[str, FakeRasa], tmp_path: Path  # noqa: F811
) -> None:
    url, rasa = gateway_with_own_rasa
    console = console_with_sam(url, tmp_path)
    worker = console.signed_in("ash")
    async with survivor_socket(console) as survivor, staff_socket(console, worker) as staff:
        conversation = await survivor_in_queue(console, survivor)
        handoff = queue.open_handoff(console.engine, conversation)
        assert handoff is not None
        assert console.api(worker, "POST", f"handoffs/{handoff.id}/take").status_code == 200
        rasa.stop()
        await staff.send(json.dumps({"type": "message", "handoff": handoff.id, "text": "are you safe?"}))
        refused = await next_frame(staff, "error")
        assert refused["code"] == "not_delivered" and "try again" in refused["text"]
        transcript = console.api(worker, "GET", f"handoffs/{handoff.id}/transcript")
        assert transcript.status_code == 503 and "try again" in transcript.json()["text"]
        await staff.send(json.dumps({"type": "typing", "handoff": handoff.id, "on": True}))
        assert (await next_frame(survivor, "staff_typing"))["on"] is True, "the console is still connected"
    console.engine.dispose()


async def joined_by(console: Console, survivor: Any, username: str) -> Tuple[str, int, requests.Session]:
    """A survivor's conversation, queued and taken by `username`: the conversation, its handoff's id, and the
    worker's signed-in session."""
    conversation = await survivor_in_queue(console, survivor)
    worker = console.signed_in(username)
    handoff_id = handoff_of(console, conversation)
    assert console.api(worker, "POST", f"handoffs/{handoff_id}/take").status_code == 200
    await next_frame(survivor, "handoff", state="joined")
    return conversation, handoff_id, worker


async def staff_says(staff: Any, handoff_id: int, *texts: str) -> None:
    """Staff messages, each stored and published before the next (the console's `sent`)."""
    for text in texts:
        await staff.send(json.dumps({"type": "message", "handoff": handoff_id, "text": text}))
        await next_frame(staff, "sent", handoff=handoff_id)


async def resumed(survivor: Any, conversation: str, **fields: Any) -> List[Dict[str, Any]]:
    """Resumes `conversation`; the frames up to the handoff state the gateway repeats."""
    await survivor.send(json.dumps({"type": "resume", "conversation": conversation, **fields}))
    frames = [await next_frame(survivor, "resumed")]
    while frames[-1]["type"] != "handoff":
        frames.append(json.loads(await asyncio.wait_for(survivor.recv(), WAIT_S)))
    return frames


async def staff_frames_until(survivor: Any, last: str) -> List[str]:
    """The texts of the staff frames the survivor gets, up to and including `last`."""
    texts = [(await next_frame(survivor, "staff"))["text"]]
    while texts[-1] != last:
        texts.append((await next_frame(survivor, "staff"))["text"])
    return texts


async def test_staff_messages_sent_while_the_survivor_changes_page_are_shown_once_in_order(
    console: Console,
) -> None:
    """The widget was between pages (no socket): what the support worker wrote meanwhile is in the tracker
    and follows the resume, exactly once; the live chat then carries on."""
    async with survivor_socket(console) as survivor:
        conversation, handoff_id, worker = await joined_by(console, survivor, "ash")
        async with staff_socket(console, worker) as staff:
            await next_frame(staff, "queue")  # listening to the conversation it holds
            await staff_says(staff, handoff_id, "Hi, I'm Sam.")
            assert (await next_frame(survivor, "staff"))["text"] == "Hi, I'm Sam."
            await survivor.close()
            await next_frame(staff, "survivor", event="away", handoff=handoff_id)
            await staff_says(staff, handoff_id, "Are you somewhere safe?", "Take your time.")
            async with survivor_socket(console) as next_page:
                frames = await resumed(next_page, conversation, staff_seen=1)
                assert frames[-1] == {"type": "handoff", "state": "joined", "name": "Sam"}
                await staff_says(staff, handoff_id, "I'm still here.")
                shown = await staff_frames_until(next_page, "I'm still here.")
    assert shown == ["Are you somewhere safe?", "Take your time.", "I'm still here."]


async def test_a_resume_with_nothing_missed_shows_nothing_again(console: Console) -> None:
    async with survivor_socket(console) as survivor:
        conversation, handoff_id, worker = await joined_by(console, survivor, "bob")
        async with staff_socket(console, worker) as staff:
            await next_frame(staff, "queue")
            await staff_says(staff, handoff_id, "Hello, I'm Jo.", "How can I help?")
            assert await staff_frames_until(survivor, "How can I help?") == ["Hello, I'm Jo.", "How can I help?"]
            await survivor.close()
            await next_frame(staff, "survivor", event="away", handoff=handoff_id)
            async with survivor_socket(console) as next_page:
                await resumed(next_page, conversation, staff_seen=2)
                await staff_says(staff, handoff_id, "Still with me?")
                assert await staff_frames_until(next_page, "Still with me?") == ["Still with me?"]
            await next_frame(staff, "survivor", event="away", handoff=handoff_id)
            async with survivor_socket(console) as old_widget:
                await resumed(old_widget, conversation)  # no staff_seen: a widget that can't count asks for none
                await staff_says(staff, handoff_id, "Bye for now.")
                assert await staff_frames_until(old_widget, "Bye for now.") == ["Bye for now."]


async def test_with_rasa_down_a_resume_still_rejoins_the_chat_without_the_replay(
    gateway_with_own_rasa: Tuple[str, FakeRasa], tmp_path: Path  # noqa: F811
) -> None:
    url, rasa = gateway_with_own_rasa
    console = console_with_sam(url, tmp_path)
    async with survivor_socket(console) as survivor:
        conversation, handoff_id, worker = await joined_by(console, survivor, "ash")
    async with staff_socket(console, worker) as staff:
        await staff_says(staff, handoff_id, "Are you safe?")
        rasa.stop()
        async with survivor_socket(console) as next_page:
            frames = await resumed(next_page, conversation, staff_seen=0)
            assert [frame["type"] for frame in frames] == ["resumed", "handoff"]
            await staff.send(json.dumps({"type": "typing", "handoff": handoff_id, "on": True}))
            assert (await next_frame(next_page, "staff_typing"))["on"] is True, "the live chat carries on"
    console.engine.dispose()
    assert "Could not replay staff messages" in (tmp_path / "gateway.log").read_text()
