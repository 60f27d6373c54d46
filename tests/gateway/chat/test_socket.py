"""The survivor socket against a real gateway process: order, limits, bad input, never silent."""

import asyncio
import json
import time
from pathlib import Path
from typing import List, Union

import pytest
from websockets.legacy.client import connect

from bot.gateway.chat.protocol import KIND_ERRORS
from bot.risk import Risk
from bot.wording import emergency_wording, urgent_wording
from tests.gateway.chat.conftest import (
    SLOW_REPLY,
    SLOW_S,
    back_after_a_slow_reply,
    bot_texts,
    frames_until,
    say,
    start_gateway,
    stop_gateway,
    ws_url,
)

HELPLINE = "0808 2000 247"


async def test_a_conversation_starts_with_an_unguessable_id_and_replies_come_in_order(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        await ws.send(json.dumps({"type": "start"}))
        started = json.loads(await ws.recv())
        assert started["type"] == "started" and len(started["conversation"]) == 32
        int(started["conversation"], 16)
        frames = await say(ws, "first")
        assert [frame["type"] for frame in frames] == ["typing", "bot", "typing"]
        assert frames[1] == {"type": "bot", "text": "echo: first", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
        assert bot_texts(await say(ws, "second")) == ["echo: second"]


async def test_resume_keeps_the_conversation_and_a_bad_id_starts_a_new_one(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        await ws.send(json.dumps({"type": "resume", "conversation": "ab" * 16}))
        assert json.loads(await ws.recv()) == {"type": "resumed", "conversation": "ab" * 16}
        await ws.send(json.dumps({"type": "resume", "conversation": "'; DROP TABLE events;--"}))
        assert json.loads(await ws.recv())["code"] == "bad_conversation"
        assert json.loads(await ws.recv())["type"] == "started"


async def test_bad_input_gets_a_kind_error_and_the_conversation_goes_on(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        bad: List[Union[str, bytes]] = [
            "not json",
            b"\x00\xff\xfe",
            json.dumps([1]),
            "x" * 100_000,
            json.dumps({"type": "message", "text": None}),
        ]
        for raw in bad:
            await ws.send(raw)
            error = json.loads(await ws.recv())
            assert error == {"type": "error", "code": "bad_message", "text": KIND_ERRORS["bad_message"]}
        await ws.send(json.dumps({"type": "message", "text": "x" * 2001}))
        assert json.loads(await ws.recv())["code"] == "too_long"
        assert bot_texts(await say(ws, "<script>alert(1)</script>")) == ["echo: <script>alert(1)</script>"]


async def test_too_many_messages_get_a_kind_error_not_silence(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        for number in range(8):
            await say(ws, f"message {number}")
        await ws.send(json.dumps({"type": "message", "text": "one too many"}))
        assert json.loads(await ws.recv())["code"] == "too_fast"


async def test_slow_rasa_gets_the_fallback_within_3_seconds_then_the_late_reply(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        sent = time.monotonic()
        await ws.send(json.dumps({"type": "message", "text": "slow question"}))
        frames = await frames_until(ws, "bot")
        assert time.monotonic() - sent < 3.5
        assert HELPLINE in frames[-1]["text"] and "999" in frames[-1]["text"]
        late = await frames_until(ws, "bot")
        assert late[-1]["text"] == "echo: slow question"
        assert time.monotonic() - sent >= SLOW_S


async def test_broken_or_silent_rasa_still_gets_the_helpline(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        for text in ("broken please", "silent please"):
            texts = bot_texts(await say(ws, text))
            assert len(texts) == 1 and HELPLINE in texts[0]


async def test_danger_when_rasa_fails_gets_the_fixed_emergency_wording_first(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        texts = bot_texts(await say(ws, "broken and hes outside with a knife"))
        assert texts[0] == emergency_wording()
        assert HELPLINE in texts[1]


async def test_self_harm_when_rasa_fails_gets_the_assistants_self_harm_answer_first(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        texts = bot_texts(await say(ws, "broken and i want to end it all"))
        assert texts[0] == urgent_wording(Risk.SELF_HARM) and "116 123" in texts[0]
        assert HELPLINE in texts[1]


async def test_end_closes_the_conversation(gateway: str) -> None:
    async with connect(ws_url(gateway)) as ws:
        await ws.send(json.dumps({"type": "end"}))
        assert json.loads(await ws.recv()) == {"type": "ended"}


async def test_a_socket_from_another_site_is_refused(gateway: str) -> None:
    async with connect(ws_url(gateway), origin="https://evil.example") as ws:  # type: ignore[arg-type]
        await ws.wait_closed()
        assert ws.close_code == 1008


async def test_a_reply_that_arrives_after_the_survivor_left_is_delivered_on_resume(gateway: str) -> None:
    async with back_after_a_slow_reply(gateway) as (_, _, kept):
        assert HELPLINE in kept[0]["text"]
        assert kept[1]["text"] == f"echo: {SLOW_REPLY}"


async def test_too_many_new_chats_from_one_address_get_a_kind_answer_with_the_helpline(
    fake_rasa_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    process = start_gateway(fake_rasa_url, log, HAVEN_RATE_CONVERSATIONS="2", HAVEN_RATE_CONVERSATIONS_SECONDS="600")
    try:
        async with connect(ws_url(process.base_url)) as ws:  # type: ignore[attr-defined]
            for _ in range(2):
                await ws.send(json.dumps({"type": "start"}))
                started = json.loads(await ws.recv())
                assert started["type"] == "started"
            await ws.send(json.dumps({"type": "start"}))
            refused = json.loads(await ws.recv())
            assert refused["code"] == "too_many_chats" and HELPLINE in refused["text"] and "999" in refused["text"]
            assert 590 <= refused["retry_after"] <= 600
        async with connect(ws_url(process.base_url)) as ws:  # type: ignore[attr-defined]
            await ws.send(json.dumps({"type": "message", "text": "hello"}))
            first = json.loads(await ws.recv())
            assert first.get("code") == "too_many_chats", first
            await ws.send(json.dumps({"type": "resume", "conversation": started["conversation"]}))
            assert json.loads(await ws.recv())["type"] == "resumed", "an existing chat carries on"
            assert bot_texts(await say(ws, "still here")) == ["echo: still here"]
    finally:
        stop_gateway(process, log)


async def test_a_socket_only_ever_receives_its_own_conversations_replies(gateway: str) -> None:
    async with connect(ws_url(gateway)) as first:
        await first.send(json.dumps({"type": "start"}))
        mine = json.loads(await first.recv())["conversation"]
        await first.send(json.dumps({"type": "message", "text": "slow and private"}))
        assert json.loads(await first.recv())["type"] == "typing"
    await asyncio.sleep(SLOW_S + 1)
    async with connect(ws_url(gateway)) as other:
        await other.send(json.dumps({"type": "start"}))
        assert json.loads(await other.recv())["conversation"] != mine
        assert bot_texts(await say(other, "hello")) == ["echo: hello"]
        await other.send(json.dumps({"type": "resume", "conversation": "0" * 32}))
        assert json.loads(await other.recv())["type"] == "resumed"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(other.recv(), 1.5)
    async with connect(ws_url(gateway)) as back:
        await back.send(json.dumps({"type": "resume", "conversation": mine}))
        assert json.loads(await back.recv())["type"] == "resumed"
        kept = [json.loads(await asyncio.wait_for(back.recv(), 5)) for _ in range(2)]
        assert kept[1]["text"] == "echo: slow and private"
