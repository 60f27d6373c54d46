"""What happens when staff or a survivor change a handoff: the database first, then Rasa's tracker, then
the live sockets over the bus.

One transcript: staff messages go into the conversation's tracker as `bot` events whose metadata names
the staff member's display name and role (never their account name); handing back or ending appends
`resume`, so the assistant answers again. Survivor messages reach staff redacted, as they are stored.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from bot.database.offloop import Database
from bot.gateway.edge import metrics
from bot.gateway.relay.bus import QUEUE_CHANNEL, Bus, conversation_channel, staff_channel
from bot.gateway.relay.rasa_client import RasaClient, RasaUnavailableError
from bot.handoff import queue
from bot.handoff.queue import Handoff
from bot.privacy.redaction import redact
from bot.risk import Risk
from bot.staff import accounts
from bot.staff.accounts import Account

logger = logging.getLogger(__name__)

HAND_BACK_INTENT = "greet"
"""Triggered after `resume`, so the assistant introduces itself again as an automated assistant."""
RESUME = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
"""`resume`, then `action_listen` as after any turn: without it the next intent is predicted from the state
the handoff action left (no rule matches, and the policies may ask for a person again)."""


@dataclass(frozen=True)
class RejoinState:
    """Where a returning survivor is with a person: waiting (with their place) or with a named worker."""

    waiting: bool
    position: int
    staff_name: str


@dataclass(frozen=True)
class StaffMessage:
    """A support worker's message as the tracker stored it (text redacted like every stored event)."""

    text: str
    name: str
    sent_at: Optional[float]
    """Its tracker timestamp, also on the live bus event: tells a replayed message from the same one live."""


def staff_metadata(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """Who sent a `bot` event, if a support worker did (the metadata staff_message stores)."""
    metadata = event.get("metadata")
    staff = metadata.get("staff") if event.get("event") == "bot" and isinstance(metadata, dict) else None
    return staff if isinstance(staff, dict) else None


def staff_messages_in(events: List[Dict[str, Any]]) -> List[StaffMessage]:
    """The support workers' messages among a conversation's stored events, in order."""
    return [
        StaffMessage(event["text"], str(staff.get("display_name", "")), event.get("timestamp"))
        for event in events
        if (staff := staff_metadata(event)) is not None and isinstance(event.get("text"), str)
    ]


class HandoffRefusedError(Exception):
    """A staff action that can't happen; `reason` is a short code the console turns into a kind sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HandoffService:
    """Staff and survivor actions on handoffs, for the gateway's sockets and console routes."""

    def __init__(self, database: Database, rasa: RasaClient, bus: Bus) -> None:
        self.database = database
        self.rasa = rasa
        self.bus = bus

    async def queue_changed(self) -> None:
        """Tells every console to refresh its queue, and every waiting survivor their place."""
        await self.bus.publish(QUEUE_CHANNEL, {"event": "changed"})
        for place, handoff in enumerate(await self.database.run(queue.waiting), start=1):
            await self.bus.publish(conversation_channel(handoff.conversation), {"event": "position", "position": place})

    async def rejoin_state(self, conversation: str) -> Optional[RejoinState]:
        """For a survivor's socket coming back (a page change, another gateway): the open handoff's state,
        or None when there is none."""
        current = await self.database.run(queue.open_handoff, conversation)
        if current is None:
            return None
        if current.state == queue.WAITING:
            place = await self.database.run(queue.position, conversation)
            return RejoinState(waiting=True, position=place or 1, staff_name="")
        staff = await self.database.run(accounts.get, current.staff_id or 0)
        return RejoinState(waiting=False, position=0, staff_name=staff.display_name if staff else "")

    async def held(self, account: Account, conversation: str) -> Handoff:
        """The active handoff of `conversation` if `account` holds it; refuses otherwise."""
        handoff = await self.database.run(queue.open_handoff, conversation)
        if handoff is None or handoff.state != queue.ACTIVE or handoff.staff_id != account.id:
            raise HandoffRefusedError("not_yours")
        return handoff

    async def take(self, account: Account, handoff_id: int) -> Handoff:
        handoff = await self.database.run(queue.get, handoff_id)
        if handoff is None or handoff.state != queue.WAITING:
            raise HandoffRefusedError("taken" if handoff and handoff.state == queue.ACTIVE else "gone")
        if not await self.database.run(queue.take, handoff, account.id):
            current = await self.database.run(queue.get, handoff_id)
            raise HandoffRefusedError("taken" if current and current.state == queue.ACTIVE else "gone")
        metrics.handoff_taken(handoff)
        joined = {"event": "joined", "name": account.display_name}
        await self.bus.publish(conversation_channel(handoff.conversation), joined)
        await self.queue_changed()
        return handoff

    async def staff_message(self, account: Account, conversation: str, text: str) -> None:
        """Appends the message to the tracker (one transcript, and what a survivor who was between pages
        gets on resume), then shows it to the survivor."""
        await self.held(account, conversation)
        metadata = {"staff": {"display_name": account.display_name, "role": account.role}}
        sent_at = time.time()
        await self.rasa.append_events(
            conversation, [{"event": "bot", "text": text, "metadata": metadata, "timestamp": sent_at}]
        )
        await self.bus.publish(conversation_channel(conversation),
                               {"event": "staff", "text": text, "name": account.display_name, "sent_at": sent_at})

    async def staff_messages(self, conversation: str) -> List[StaffMessage]:
        """The support workers' messages in `conversation` so far; raises RasaUnavailableError."""
        return staff_messages_in(await self.rasa.transcript(conversation))

    async def staff_typing(self, account: Account, conversation: str, on: bool) -> None:
        await self.held(account, conversation)
        await self.bus.publish(conversation_channel(conversation), {"event": "staff_typing", "on": on})

    async def hand_back(self, account: Account, conversation: str) -> None:
        """The assistant carries on: `resume`, then it introduces itself again."""
        handoff = await self.held(account, conversation)
        if not await self.database.run(queue.hand_back, handoff, account.id):
            raise HandoffRefusedError("not_yours")
        await self._resume(conversation, "handed_back")
        try:
            replies = await self.rasa.trigger_intent(conversation, HAND_BACK_INTENT)
        except RasaUnavailableError as error:
            logger.warning("The assistant did not pick up after a hand-back (%s).", error)
            return
        for reply in replies:
            await self.bus.publish(conversation_channel(conversation),
                                   {"event": "bot", "text": reply.text, "buttons": reply.buttons})

    async def end(self, account: Account, conversation: str) -> None:
        """Staff closes the chat; the assistant answers anything the survivor writes afterwards."""
        handoff = await self.held(account, conversation)
        if not await self.database.run(queue.end, handoff, account.id):
            raise HandoffRefusedError("not_yours")
        await self._resume(conversation, "ended")

    async def transfer(self, account: Account, conversation: str, to_id: int) -> Account:
        handoff = await self.held(account, conversation)
        colleague = await self.database.run(accounts.get, to_id)
        if colleague is None or not colleague.active or colleague.id == account.id:
            raise HandoffRefusedError("no_colleague")
        if not await self.database.run(queue.transfer, handoff, account.id, colleague.id):
            raise HandoffRefusedError("not_yours")
        await self.bus.publish(conversation_channel(conversation), {"event": "joined", "name": colleague.display_name})
        await self.queue_changed()
        return colleague

    async def survivor_left(self, conversation: str, reason: str) -> Optional[Handoff]:
        """The survivor cancelled, ended the chat, quick-exited or deleted it: whoever holds it is told at once."""
        cancelled = await self.database.run(queue.cancel, conversation)
        if cancelled is None:
            return None
        metrics.handoff_cancelled(cancelled)
        await self.bus.publish(staff_channel(conversation), {"event": "left", "reason": reason})
        if reason != "erased":
            await self._append_resume(conversation)
        await self.queue_changed()
        return cancelled

    async def survivor_message(self, conversation: str, text: str, risk: Risk) -> None:
        """A survivor's message during handoff, for the staff member: redacted, with its risk to life so they
        see it is urgent and why (`danger` as before `risk` existed); the queue follows the gravest risk."""
        escalated = risk.urgent and await self.database.run(queue.escalate, conversation, risk)
        await self.bus.publish(staff_channel(conversation), {"event": "message", "text": redact(text),
                                                             "risk": risk.value, "danger": risk is Risk.DANGER})
        if escalated:
            await self.queue_changed()

    async def survivor_event(self, conversation: str, event: Dict[str, Any]) -> None:
        """Typing, gone from the page, back: live only, nothing stored."""
        await self.bus.publish(staff_channel(conversation), event)

    async def _resume(self, conversation: str, state: str) -> None:
        await self._append_resume(conversation)
        await self.bus.publish(conversation_channel(conversation), {"event": state})
        await self.queue_changed()

    async def abandon(self, conversation: str) -> None:
        """The bus is down, so no support worker could reach this survivor: the queue entry goes (in the
        database only) and the assistant answers again. No false promise of a person."""
        if await self.database.run(queue.cancel, conversation) is not None:
            await self._append_resume(conversation)

    async def _append_resume(self, conversation: str) -> None:
        try:
            await self.rasa.append_events(conversation, RESUME)
        except RasaUnavailableError as error:
            logger.error("Could not resume the assistant after a handoff (%s).", error)
