"""Scale-out with Redis down: staff get a clear error instead of a console that silently stops updating,
and a survivor whose live chat can't reach staff is told so, with the helpline, while the assistant goes on."""

import json
from pathlib import Path

from bot.gateway.console.routes import REFUSALS
from bot.handoff import queue
from bot.risk import Risk
from bot.wording import live_chat_down_text
from tests.gateway.chat.conftest import fake_rasa_url  # noqa: F401 (a fixture)
from tests.staff.conftest import next_frame, running_console, staff_socket
from tests.staff.test_live_handoff import survivor_socket
from tools.bench import free_port


async def test_with_redis_down_staff_see_a_clear_error_and_a_survivor_is_told_to_call_the_helpline(
    fake_rasa_url: str, tmp_path: Path  # noqa: F811
) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    with running_console(fake_rasa_url, tmp_path, HAVEN_REDIS_URL=dead_redis) as console:
        worker = console.signed_in("ash")
        async with staff_socket(console, worker) as staff:
            error = await next_frame(staff, "error")
        assert error == {"type": "error", "code": "live_unavailable", "text": REFUSALS["live_unavailable"]}

        async with survivor_socket(console) as survivor:
            await survivor.send(json.dumps({"type": "start"}))
            conversation = (await next_frame(survivor, "started"))["conversation"]
            queue.request(console.engine, conversation, Risk.NONE, "")
            await survivor.send(json.dumps({"type": "message", "text": "handoff please"}))
            assert (await next_frame(survivor, "bot"))["text"] == "A support worker will join this chat."
            assert await next_frame(survivor, "handoff") == {"type": "handoff", "state": "cancelled"}
            assert (await next_frame(survivor, "bot"))["text"] == live_chat_down_text()
            assert queue.open_handoff(console.engine, conversation) is None, "nobody left waiting for no one"
            await survivor.send(json.dumps({"type": "message", "text": "hello"}))
            assert (await next_frame(survivor, "bot"))["text"] == "echo: hello"
