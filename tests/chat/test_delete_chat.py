"""The gateway's "Delete chat" endpoint (bot/app.py) against a real gateway process and a real tracker store."""

import asyncio
import json
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import requests
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from websockets.legacy.client import connect

from bot.app import NOT_DELETED
from bot.privacy.tracker_store import RedactingSQLTrackerStore
from tests.chat.conftest import SLOW_S, start_gateway, stop_gateway

SURVIVOR, SOMEONE_ELSE = "a1" * 16, "b2" * 16


@pytest.fixture
def gateway_and_store(fake_rasa_url: str, tmp_path: Path) -> Iterator[Tuple[str, RedactingSQLTrackerStore]]:
    db = tmp_path / "haven.db"
    store = RedactingSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    for sender in (SURVIVOR, SOMEONE_ELSE):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("he hurt me again")])))
    log = tmp_path / "gateway.log"
    process = start_gateway(fake_rasa_url, log, HAVEN_TRACKER_DB=str(db), HAVEN_ERASE_ON_EXIT="false")
    yield process.base_url, store  # type: ignore[attr-defined]
    stop_gateway(process, log)


def _stored(store: RedactingSQLTrackerStore, sender: str) -> bool:
    return asyncio.run(store.retrieve(sender)) is not None


def test_delete_chat_erases_that_conversation_only_even_with_erase_on_exit_off(
    gateway_and_store: Tuple[str, RedactingSQLTrackerStore],
) -> None:
    gateway, store = gateway_and_store
    answer = requests.post(f"{gateway}/chat/delete", data=json.dumps({"conversation": SURVIVOR}), timeout=10)
    assert answer.status_code == 200 and answer.json() == {"deleted": True}
    assert answer.headers["cache-control"] == "no-store", "security headers on this response too"
    assert not _stored(store, SURVIVOR)
    assert _stored(store, SOMEONE_ELSE)
    again = requests.post(f"{gateway}/chat/delete", data=json.dumps({"conversation": SURVIVOR}), timeout=10)
    assert again.json() == {"deleted": True}, "the answer never says whether anything was stored"


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\x00\xff", b"[1]", json.dumps({"conversation": "' OR 1=1 --"}).encode(), b"x" * 5000],
)
def test_a_bad_delete_request_gets_a_kind_message_and_erases_nothing(
    gateway_and_store: Tuple[str, RedactingSQLTrackerStore], body: bytes
) -> None:
    gateway, store = gateway_and_store
    answer = requests.post(f"{gateway}/chat/delete", data=body, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {"deleted": False, "text": NOT_DELETED}
    assert _stored(store, SURVIVOR) and _stored(store, SOMEONE_ELSE)


def test_another_site_cannot_delete_a_chat(gateway_and_store: Tuple[str, RedactingSQLTrackerStore]) -> None:
    gateway, store = gateway_and_store
    answer = requests.post(
        f"{gateway}/chat/delete",
        data=json.dumps({"conversation": SURVIVOR}),
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert answer.status_code == 403
    assert _stored(store, SURVIVOR)


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
