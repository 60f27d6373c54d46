"""The replay of missed staff messages on resume, at the edges the live tests can't time: a staff message
the old socket kept in the outbox, and one published while the new socket is reading the tracker. Either
way the survivor sees each message once, in order (a real SurvivorSocket, bus, outbox and database;
a stand-in for the WebSocket and for Rasa's tracker)."""

import asyncio
from typing import Any, Dict, List, Optional

from sqlalchemy.engine import Engine

from bot.database.offloop import Database
from bot.gateway.chat.outbox import MemoryOutbox
from bot.gateway.chat.protocol import staff_frame
from bot.gateway.chat.socket import SurvivorSocket
from bot.gateway.relay.bus import MemoryBus, conversation_channel
from bot.gateway.relay.handoff import HandoffService
from bot.settings import Settings
from tests.gateway.chat.conftest import HELD_CONVERSATION as CONVERSATION
from tests.gateway.chat.conftest import ScriptedWidget

STAFF = {"display_name": "Sam", "role": "support_worker"}


class _Tracker:
    """Rasa's HTTP API as the replay uses it: the stored events; `while_read` runs as they are read."""

    def __init__(self, texts: List[str]) -> None:
        self.events = [{"event": "bot", "text": text, "metadata": {"staff": STAFF}, "timestamp": float(at)}
                       for at, text in enumerate(texts, start=1)]
        self.while_read: Any = None

    async def transcript(self, conversation: str) -> List[Dict[str, Any]]:
        if self.while_read is not None:
            await self.while_read()
        return self.events


async def resume(engine: Engine, tracker: _Tracker, outbox: MemoryOutbox, staff_seen: int,
                 bus: Optional[MemoryBus] = None) -> ScriptedWidget:
    """Resumes CONVERSATION with `staff_seen`; the widget's frames once the replay has run."""
    bus = bus or MemoryBus()
    widget = ScriptedWidget({"type": "resume", "conversation": CONVERSATION, "staff_seen": staff_seen})
    service = HandoffService(Database(engine), tracker, bus)  # type: ignore[arg-type]
    survivor = SurvivorSocket(widget, tracker, Settings(), outbox, handoff=service)  # type: ignore[arg-type]
    serving = asyncio.ensure_future(survivor.serve())
    for _ in range(200):
        if widget.staff_texts()[-1:] == [tracker.events[-1]["text"]]:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # anything sent twice would be sent by now
    widget.leave.set()
    await serving
    return widget


async def test_a_staff_message_kept_in_the_outbox_is_not_replayed_again(held_conversation: Engine) -> None:
    tracker = _Tracker(["Hi, I'm Sam.", "Are you safe?", "Take your time."])
    outbox = MemoryOutbox()
    await outbox.keep(CONVERSATION, staff_frame("Are you safe?", "Sam", 2.0))  # the old socket's send failed
    widget = await resume(held_conversation, tracker, outbox, staff_seen=1)
    assert widget.staff_texts() == ["Are you safe?", "Take your time."]
    assert [frame["type"] for frame in widget.sent][:3] == ["resumed", "staff", "handoff"], "kept frames first"


async def test_a_staff_message_sent_during_the_resume_is_shown_once(held_conversation: Engine) -> None:
    """Stored before the tracker is read, published after the socket subscribed: in both, shown once."""
    tracker = _Tracker(["Hi, I'm Sam.", "Are you safe?"])
    bus = MemoryBus()
    published = {"event": "staff", "text": "Are you safe?", "name": "Sam", "sent_at": 2.0}

    async def publish_meanwhile() -> None:
        await bus.publish(conversation_channel(CONVERSATION), published)
    tracker.while_read = publish_meanwhile
    widget = await resume(held_conversation, tracker, MemoryOutbox(), staff_seen=1, bus=bus)
    assert widget.staff_texts() == ["Are you safe?"]
