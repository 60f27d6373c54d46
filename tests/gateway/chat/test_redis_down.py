"""Scale-out with Redis down: survivors are still answered, and a reply kept while they changed page
still reaches them (on this instance); the gateway's log says clearly what is degraded."""

import asyncio
import json
from pathlib import Path

import requests

from bot.gateway.app import NOT_DELETED
from tests.gateway.chat.conftest import SLOW_REPLY, back_after_a_slow_reply, bot_texts, say, start_gateway, stop_gateway
from tools.bench import free_port


async def _conversation_with_a_page_change(gateway: str) -> str:
    async with back_after_a_slow_reply(gateway) as (ws, conversation, kept):
        assert kept[1]["text"] == f"echo: {SLOW_REPLY}"
        assert bot_texts(await say(ws, "still here")) == ["echo: still here"]
    return conversation


def test_with_redis_down_survivors_are_still_answered_and_delete_chat_does_not_claim_success(
    fake_rasa_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    process = start_gateway(
        fake_rasa_url,
        log,
        HAVEN_DATABASE_URL=f"sqlite:///{tmp_path / 'haven.db'}",
        HAVEN_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    try:
        base_url = process.base_url  # type: ignore[attr-defined]
        conversation = asyncio.run(_conversation_with_a_page_change(base_url))
        deleted = requests.post(f"{base_url}/chat/delete", data=json.dumps({"conversation": conversation}), timeout=10)
        assert deleted.status_code == 503, "replies kept in Redis may still be there: never say deleted"
        assert deleted.json() == {"deleted": False, "text": NOT_DELETED}
    finally:
        stop_gateway(process, log)
    assert "Redis can't be reached (ConnectionError): a reply for a survivor who left is kept in this gateway" in (
        log.read_text()
    )
