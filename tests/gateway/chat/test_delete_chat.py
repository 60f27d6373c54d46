"""The gateway's "Delete chat" endpoint (bot/gateway/app.py) against a real gateway process and a real tracker store."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from websockets.legacy.client import connect

from bot.assistant.tracker_store import RedactingSQLTrackerStore
from bot.gateway.app import NOT_DELETED
from tests.gateway.chat.conftest import SLOW_S, start_gateway, stop_gateway
from tools.bench import free_port


@pytest.fixture(scope="module")
def gateway_and_store(
    fake_rasa_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tuple[str, RedactingSQLTrackerStore]]:
    work = tmp_path_factory.mktemp("delete")
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(work / "haven.db"))
    log = work / "gateway.log"
    database = f"sqlite:///{work / 'haven.db'}"
    process = start_gateway(fake_rasa_url, log, HAVEN_DATABASE_URL=database, HAVEN_ERASE_ON_EXIT="false")
    yield process.base_url, store  # type: ignore[attr-defined]
    stop_gateway(process, log)


@pytest.fixture
def stored(gateway_and_store: Tuple[str, RedactingSQLTrackerStore]) -> Tuple[str, str]:
    """Two stored conversations: the survivor's and someone else's."""
    _, store = gateway_and_store
    survivor, someone_else = uuid.uuid4().hex, uuid.uuid4().hex
    for sender in (survivor, someone_else):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("he hurt me again")])))
    return survivor, someone_else


def _stored(store: RedactingSQLTrackerStore, sender: str) -> bool:
    return asyncio.run(store.retrieve(sender)) is not None


def test_delete_chat_erases_that_conversation_only_even_with_erase_on_exit_off(
    gateway_and_store: Tuple[str, RedactingSQLTrackerStore], stored: Tuple[str, str]
) -> None:
    gateway, store = gateway_and_store
    survivor, someone_else = stored
    answer = requests.post(f"{gateway}/chat/delete", data=json.dumps({"conversation": survivor}), timeout=10)
    assert answer.status_code == 200 and answer.json() == {"deleted": True}
    assert answer.headers["cache-control"] == "no-store", "security headers on this response too"
    assert not _stored(store, survivor)
    assert _stored(store, someone_else)
    again = requests.post(f"{gateway}/chat/delete", data=json.dumps({"conversation": survivor}), timeout=10)
    assert again.json() == {"deleted": True}, "the answer never says whether anything was stored"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\x00\xff",
        b"[1]",
        json.dumps({"conversation": "' OR 1=1 --"}).encode(),
        json.dumps({"conversation": "a" * 32 + "\n"}).encode(),
        b"x" * 5000,
    ],
)
def test_a_bad_delete_request_gets_a_kind_message_and_erases_nothing(
    gateway_and_store: Tuple[str, RedactingSQLTrackerStore], stored: Tuple[str, str], body: bytes
) -> None:
    gateway, store = gateway_and_store
    survivor, someone_else = stored
    answer = requests.post(f"{gateway}/chat/delete", data=body, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {"deleted": False, "text": NOT_DELETED}
    assert _stored(store, survivor) and _stored(store, someone_else)


def test_another_site_cannot_delete_a_chat(
    gateway_and_store: Tuple[str, RedactingSQLTrackerStore], stored: Tuple[str, str]
) -> None:
    gateway, store = gateway_and_store
    survivor = stored[0]
    answer = requests.post(
        f"{gateway}/chat/delete",
        data=json.dumps({"conversation": survivor}),
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert answer.status_code == 403
    assert _stored(store, survivor)


async def test_replies_kept_for_a_survivors_return_are_deleted_with_the_chat(gateway: str) -> None:
    socket_url = gateway.replace("http://", "ws://") + "/chat/socket"
    async with connect(socket_url) as ws:
        await ws.send(json.dumps({"type": "start"}))
        conversation = json.loads(await ws.recv())["conversation"]
        await ws.send(json.dumps({"type": "message", "text": "slow reply then i delete"}))
        assert json.loads(await ws.recv())["type"] == "typing"
    await asyncio.sleep(SLOW_S + 1)
    deleted = requests.post(f"{gateway}/chat/delete", data=json.dumps({"conversation": conversation}), timeout=10)
    assert deleted.json() == {"deleted": True}
    async with connect(socket_url) as ws:
        await ws.send(json.dumps({"type": "resume", "conversation": conversation}))
        assert json.loads(await ws.recv())["type"] == "resumed"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.recv(), 1.5)


def test_a_database_that_fails_gets_a_kind_answer_not_a_crash(fake_rasa_url: str, tmp_path: Path) -> None:
    log = tmp_path / "gateway.log"
    unreachable = f"postgresql://haven@127.0.0.1:{free_port()}/haven"  # nothing listens there
    process = start_gateway(fake_rasa_url, log, HAVEN_DATABASE_URL=unreachable)
    try:
        answer = requests.post(
            f"{process.base_url}/chat/delete",  # type: ignore[attr-defined]
            data=json.dumps({"conversation": uuid.uuid4().hex}),
            timeout=10,
        )
    finally:
        stop_gateway(process, log)
    assert answer.status_code == 503
    assert answer.json() == {"deleted": False, "text": NOT_DELETED}
