"""Limits that can't be walked around (security review 2026-12-03, findings 5, 10, 11, 12 and 17), against a
real gateway process with tight limits: each test comes from its own loopback address (127.0.0.x), so the
per-address limits of one test never meet another's."""

import asyncio
import contextlib
import json
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import urlsplit

import aiohttp
import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine
from websockets.legacy.client import connect

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.database.offloop import Database
from bot.gateway import app as gateway_app
from bot.gateway.chat import limits
from bot.gateway.chat.outbox import MemoryOutbox
from bot.gateway.chat.protocol import KIND_ERRORS
from bot.gateway.chat.socket import SurvivorSocket
from bot.gateway.edge import security
from bot.gateway.relay.bus import MemoryBus, staff_channel
from bot.gateway.relay.handoff import HandoffService
from bot.settings import Settings
from tests.gateway.chat.conftest import (
    HELD_CONVERSATION,
    ScriptedWidget,
    bot_texts,
    say,
    start_gateway,
    stop_gateway,
    ws_url,
)

HELPLINE = "0808 2000 247"
CHARITY_SITE = "https://charity.example"
NEW_CHATS, SOCKETS = 3, 4
"""The tight gateway's limits per address: new conversations in 10 minutes, sockets open at once."""
WAIT_S = 10


@dataclass(frozen=True)
class Gateway:
    url: str
    store: RedactingSQLTrackerStore
    log: Path

    def stored(self, conversation: str) -> bool:
        return asyncio.run(self.store.retrieve(conversation)) is not None


@pytest.fixture(scope="module")
def tight(fake_rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway with small per-address limits, a charity site allowed, and its tracker store to look into."""
    work = tmp_path_factory.mktemp("tight")
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(work / "haven.db"))
    log = work / "gateway.log"
    process = start_gateway(
        fake_rasa_url,
        log,
        HAVEN_DATABASE_URL=f"sqlite:///{work / 'haven.db'}",
        HAVEN_RATE_CONVERSATIONS=str(NEW_CHATS),
        HAVEN_MAX_SOCKETS_PER_ADDRESS=str(SOCKETS),
        HAVEN_ALLOWED_ORIGINS=CHARITY_SITE,
    )
    yield Gateway(process.base_url, store, log)  # type: ignore[attr-defined]
    stop_gateway(process, log)


def socket_from(gateway: str, address: str, **options: Any) -> Any:
    """The survivor socket, opened from `address`."""
    return connect(ws_url(gateway), local_addr=(address, 0), **options)


def http_from(address: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


async def receive(ws: Any) -> Dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), WAIT_S)))


async def start(ws: Any) -> str:
    await ws.send(json.dumps({"type": "start"}))
    started = await receive(ws)
    assert started["type"] == "started", started
    return str(started["conversation"])


async def resume(ws: Any, conversation: str) -> Dict[str, Any]:
    await ws.send(json.dumps({"type": "resume", "conversation": conversation}))
    return await receive(ws)


def save(gateway: Gateway, conversation: str) -> None:
    asyncio.run(gateway.store.save(DialogueStateTracker.from_events(conversation, [UserUttered("he hurt me again")])))


async def test_a_second_socket_on_a_conversation_gets_no_fresh_message_budget(tight: Gateway) -> None:
    async with socket_from(tight.url, "127.0.0.2") as first:
        conversation = await start(first)
        for number in range(8):
            await say(first, f"message {number}")
        async with socket_from(tight.url, "127.0.0.2") as second:
            assert await resume(second, conversation) == {"type": "resumed", "conversation": conversation}
            await second.send(json.dumps({"type": "message", "text": "one too many"}))
            assert await receive(second) == {"type": "error", "code": "too_fast", "text": KIND_ERRORS["too_fast"]}
    async with socket_from(tight.url, "127.0.0.2") as other:
        await start(other)
        assert bot_texts(await say(other, "a chat of my own")) == ["echo: a chat of my own"], (
            "the limit is the conversation's, not the address's"
        )


async def test_a_resume_of_an_id_never_issued_is_charged_like_a_new_conversation(tight: Gateway) -> None:
    async with socket_from(tight.url, "127.0.0.3") as ws:
        mine = await start(ws)
        made_up = uuid.uuid4().hex
        assert await resume(ws, made_up) == {"type": "resumed", "conversation": made_up}, (
            "a chat from before ids were signed carries on while the address has room"
        )
        await start(ws)
        refused = await resume(ws, uuid.uuid4().hex)
        assert refused["code"] == "too_many_chats" and HELPLINE in refused["text"] and "999" in refused["text"]
        assert 0 < refused["retry_after"] <= 600
        assert await resume(ws, mine) == {"type": "resumed", "conversation": mine}, "an issued id is never charged"
        assert bot_texts(await say(ws, "still here")) == ["echo: still here"]


async def _admitted(ws: Any) -> None:
    """A round trip: the gateway is serving this socket (counted) by the time it answers."""
    await ws.send("not json")
    assert (await receive(ws))["code"] == "bad_message"


async def test_an_address_with_too_many_sockets_is_told_kindly_and_no_other_address_is_affected(
    tight: Gateway,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        held = [await stack.enter_async_context(socket_from(tight.url, "127.0.0.4")) for _ in range(SOCKETS)]
        for ws in held:
            await _admitted(ws)
        async with socket_from(tight.url, "127.0.0.4") as crowded:
            refused = await receive(crowded)
            assert refused == {"type": "error", "code": "too_many_connections",
                               "text": KIND_ERRORS["too_many_connections"]}
            assert HELPLINE in refused["text"] and "999" in refused["text"]
            await crowded.wait_closed()
            assert crowded.close_code == 1013, "try again later"
        async with socket_from(tight.url, "127.0.0.5") as elsewhere:
            await _admitted(elsewhere)
        await held[0].close()
        for _ in range(50):  # the gateway counts the socket closed once its handler has finished
            async with socket_from(tight.url, "127.0.0.4") as again:
                await again.send("not json")
                if (await receive(again))["code"] == "bad_message":
                    return
            await asyncio.sleep(0.1)
        pytest.fail("a closed socket's place was never freed")


async def test_erasing_made_up_ids_is_charged_to_the_address_and_never_uses_up_a_survivors_own(
    tight: Gateway,
) -> None:
    async with socket_from(tight.url, "127.0.0.6") as ws:
        survivor = await start(ws)
    await asyncio.to_thread(save, tight, survivor)
    async with http_from("127.0.0.6") as script:  # someone else behind the survivor's address
        made_up = [uuid.uuid4().hex for _ in range(NEW_CHATS)]
        statuses = []
        for conversation in made_up:
            beacon = json.dumps({"conversation": conversation})
            async with script.post(f"{tight.url}/chat/delete", data=beacon) as answer:
                statuses.append(answer.status)
                last = await answer.json()
        assert statuses == [200] * (NEW_CHATS - 1) + [429], "the survivor's start used one of the address's three"
        assert last == {"deleted": False, "text": gateway_app.NOT_DELETED_BUSY}
        async with script.post(f"{tight.url}/chat/exit", data=json.dumps({"conversation": made_up[0]})) as answer:
            assert answer.status == 429, "quick exit shares the budget"
        for _ in range(limits.ERASURES):
            async with script.post(f"{tight.url}/chat/delete", data=json.dumps({"conversation": survivor})) as answer:
                assert (answer.status, await answer.json()) == (200, {"deleted": True})
        assert not await asyncio.to_thread(tight.stored, survivor)
        async with script.post(f"{tight.url}/chat/delete", data=json.dumps({"conversation": survivor})) as answer:
            assert answer.status == 429, "one conversation is erased a few times a minute at most"


async def test_origins_are_judged_by_configuration_never_by_the_host_header(tight: Gateway) -> None:
    port = int(urlsplit(tight.url).port or 0)
    rebound = f"rebind.example:{port}"
    forged = {"Host": rebound, "Origin": f"http://{rebound}"}
    body = json.dumps({"conversation": uuid.uuid4().hex})
    login = json.dumps({"username": "nobody-here", "password": "a long enough password"})
    async with http_from("127.0.0.8") as browser:
        async with browser.post(f"{tight.url}/chat/delete", data=body, headers=forged) as answer:
            assert answer.status == 403
        async with browser.post(f"{tight.url}/chat/exit", data=body, headers=forged) as answer:
            assert answer.status == 403
        async with browser.post(f"{tight.url}/staff/api/login", data=login, headers=forged) as answer:
            assert (answer.status, (await answer.json())["error"]) == (403, "csrf")
        wrong_scheme = {"Origin": f"https://127.0.0.1:{port}"}
        async with browser.post(f"{tight.url}/staff/api/login", data=login, headers=wrong_scheme) as answer:
            assert answer.status == 403, "https is not the http origin the gateway serves"
        async with browser.post(f"{tight.url}/staff/api/login", data=login, headers={"Origin": tight.url}) as answer:
            assert (answer.status, (await answer.json())["error"]) == (401, "bad_login"), "its own origin passes"
    with socket.create_connection(("127.0.0.1", port)) as raw:
        async with connect(f"ws://{rebound}/chat/socket", sock=raw, origin=f"http://{rebound}") as ws:  # type: ignore[arg-type]
            await ws.wait_closed()
            assert ws.close_code == 1008


async def test_quick_exit_from_another_site_erases_nothing_and_from_the_charitys_site_erases(tight: Gateway) -> None:
    async with socket_from(tight.url, "127.0.0.9") as ws:
        survivor = await start(ws)
    await asyncio.to_thread(save, tight, survivor)
    beacon = json.dumps({"conversation": survivor})
    async with http_from("127.0.0.9") as browser:
        foreign = {"Origin": "https://evil.example"}
        async with browser.post(f"{tight.url}/chat/exit", data=beacon, headers=foreign) as answer:
            assert answer.status == 403
        assert await asyncio.to_thread(tight.stored, survivor)
        async with browser.post(f"{tight.url}/chat/exit", data=beacon, headers={"Origin": CHARITY_SITE}) as answer:
            assert answer.status == 204
        assert not await asyncio.to_thread(tight.stored, survivor)
        async with browser.post(f"{tight.url}/chat/delete", data=beacon, headers={"Origin": CHARITY_SITE}) as answer:
            assert answer.status == 200 and answer.headers["Access-Control-Allow-Origin"] == CHARITY_SITE


async def test_an_id_with_a_trailing_newline_is_refused_everywhere(tight: Gateway) -> None:
    conversation = uuid.uuid4().hex
    await asyncio.to_thread(save, tight, conversation)
    async with socket_from(tight.url, "127.0.0.10") as ws:
        assert (await resume(ws, conversation + "\n"))["code"] == "bad_conversation"
        started = await receive(ws)
        assert started["type"] == "started" and started["conversation"] != conversation
    beacon = json.dumps({"conversation": conversation + "\n"})
    async with http_from("127.0.0.10") as browser:
        async with browser.post(f"{tight.url}/chat/delete", data=beacon) as answer:
            assert answer.status == 400
        async with browser.post(f"{tight.url}/chat/exit", data=beacon) as answer:
            assert answer.status == 204
        assert await asyncio.to_thread(tight.stored, conversation), "nothing erased for an id that isn't one"


def test_a_nul_in_a_static_path_is_not_found_rather_than_a_server_error(tight: Gateway) -> None:
    for path in ("/widget/haven-widget.js%00.txt", "/widget/haven-widget.css%00", "/staff/static/console.js%00.txt"):
        answer = requests.get(tight.url + path, timeout=10)
        assert answer.status_code == 404, path
        assert answer.headers["cache-control"] == "no-store", "security headers on this response too"
    assert requests.get(f"{tight.url}/widget/haven-widget.css", timeout=10).ok
    assert "null byte" not in tight.log.read_text()


class _Rasa:
    """Nothing here sends a message."""


async def _served(widget: ScriptedWidget, survivor: SurvivorSocket) -> None:
    """Serves `widget` until it has sent every frame and the gateway has dealt with them."""
    serving = asyncio.ensure_future(survivor.serve())
    while widget.frames:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    widget.leave.set()
    await serving


async def test_typing_beyond_the_conversations_limit_is_dropped_whichever_socket_sends_it(
    held_conversation: Engine,
) -> None:
    bus = MemoryBus()
    staff_sees = await bus.subscribe(staff_channel(HELD_CONVERSATION))
    service = HandoffService(Database(held_conversation), _Rasa(), bus)  # type: ignore[arg-type]
    shared = limits.GatewayLimits.from_settings(Settings())
    for _ in range(2):  # a second socket on the same conversation gets no fresh budget
        frames = [{"type": "typing", "on": number % 2 == 0} for number in range(3 * limits.TYPING_FRAMES)]
        widget = ScriptedWidget({"type": "resume", "conversation": HELD_CONVERSATION}, *frames)
        survivor = SurvivorSocket(
            widget, _Rasa(), Settings(), MemoryOutbox(), "203.0.113.7", shared, service  # type: ignore[arg-type]
        )
        await _served(widget, survivor)
        assert [frame["type"] for frame in widget.sent][:2] == ["resumed", "handoff"]
    events: List[Dict[str, Any]] = []
    with contextlib.suppress(asyncio.TimeoutError):
        while True:
            events.append(await asyncio.wait_for(staff_sees.get(), 0.2))
    assert len([event for event in events if event["event"] == "typing"]) == limits.TYPING_FRAMES


async def test_a_conversation_resumed_over_and_over_is_closed_to_come_back_later() -> None:
    ids = security.ConversationIds(b"a secret")
    conversation = ids.new()
    shared = limits.GatewayLimits.from_settings(Settings())
    resumes = [ScriptedWidget({"type": "resume", "conversation": conversation}) for _ in range(limits.RESUMES + 1)]
    for widget in resumes:  # a socket each, as a reconnecting widget does
        survivor = SurvivorSocket(widget, _Rasa(), Settings(), MemoryOutbox(), "203.0.113.8", shared,  # type: ignore[arg-type]
                                  ids=ids)
        await _served(widget, survivor)
    resumed = [{"type": "resumed", "conversation": conversation}]
    assert [widget.sent for widget in resumes[:-1]] == [resumed] * limits.RESUMES
    assert resumes[-1].sent == [] and resumes[-1].close_code == 1013, "closed: the widget tries again later"

DEFAULTS = Settings()
SURVIVORS = 25
"""Survivors behind one address (a refuge's Wi-Fi, a mobile network) who each start a chat within the same
ten minutes: docs/protocol.md, "Limits", has the arithmetic."""


async def attempt(ws: Any, text: str) -> bool:
    """Sends a message: True once it is answered, False if it was refused as too fast."""
    await ws.send(json.dumps({"type": "message", "text": text}))
    while True:
        frame = await receive(ws)
        if frame["type"] == "error":
            assert frame["code"] == "too_fast", frame
            return False
        if frame == {"type": "typing", "on": False}:
            return True


async def _first_page(gateway: str, address: str, number: int) -> str:
    async with socket_from(gateway, address) as ws:
        conversation = await start(ws)
        assert all([await attempt(ws, f"survivor {number}, turn {turn}") for turn in range(2)])
    return conversation


async def _next_page(gateway: str, address: str, conversation: str, number: int) -> bool:
    async with socket_from(gateway, address) as ws:
        assert await resume(ws, conversation) == {"type": "resumed", "conversation": conversation}
        return all([await attempt(ws, f"survivor {number}, turn {turn}") for turn in range(2, 5)])


async def _script(gateway: str, address: str) -> None:
    """Someone else on the same address, misbehaving: made-up ids, a flood of messages and typing, and
    deletions of conversations it doesn't have."""
    async with socket_from(gateway, address) as ws:
        answers = [await resume(ws, uuid.uuid4().hex) for _ in range(20)]
        room = DEFAULTS.rate_conversations - SURVIVORS
        assert [answer["type"] for answer in answers] == ["resumed"] * room + ["error"] * (20 - room)
        flood = [await attempt(ws, f"flood {number}") for number in range(30)]
        assert flood.count(True) == DEFAULTS.rate_messages, "its own conversation's budget, and no more"
        for number in range(50):
            await ws.send(json.dumps({"type": "typing", "on": number % 2 == 0}))
    async with http_from(address) as script:
        for _ in range(10):
            beacon = json.dumps({"conversation": uuid.uuid4().hex})
            async with script.post(f"{gateway}/chat/delete", data=beacon) as answer:
                assert answer.status == 429


async def test_survivors_sharing_an_address_chat_on_whatever_someone_else_there_does(
    fake_rasa_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    process = start_gateway(  # the documented defaults (the other tests' gateways raise the new-chat limit)
        fake_rasa_url,
        log,
        HAVEN_RATE_CONVERSATIONS=str(DEFAULTS.rate_conversations),
        HAVEN_RATE_CONVERSATIONS_SECONDS=str(DEFAULTS.rate_conversations_seconds),
    )
    gateway, refuge = process.base_url, "127.0.0.20"  # type: ignore[attr-defined]
    try:
        conversations = await asyncio.gather(*(_first_page(gateway, refuge, n) for n in range(SURVIVORS)))
        await _script(gateway, refuge)
        pages = await asyncio.gather(*(_next_page(gateway, refuge, c, n) for n, c in enumerate(conversations)))
        assert all(pages), "every survivor changed page and was answered"
        async with socket_from(gateway, refuge) as newcomer:
            await newcomer.send(json.dumps({"type": "start"}))
            refused = await receive(newcomer)
            assert refused["code"] == "too_many_chats" and HELPLINE in refused["text"], (
                "the cost of a limit per address: someone arriving after it was used up is given the helpline"
            )
    finally:
        stop_gateway(process, log)
