"""The handoff state machine, in the database so a gateway restart (or a second gateway) loses nothing.

    waiting ──take──► active ──hand back──► handed_back
       │                 ├──end──────────► ended
       └──cancel─────────┴──cancel───────► cancelled   (the survivor cancelled, left or erased the chat)

Every transition is one conditional UPDATE: whoever's UPDATE changes the row wins, everyone else
is told cleanly (two staff taking at once, a survivor leaving while being taken).
"""

import logging
import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff.audit import record
from bot.handoff.models import ACTIVE, CANCELLED, ENDED, HANDED_BACK, OPEN_STATES, WAITING, handoffs
from bot.risk import Risk, less_serious_than

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handoff:
    """One request for a person, as staff see it in the queue."""

    id: int
    conversation: str
    state: str
    risk: Risk
    """The gravest risk to life recognised in the conversation: why it is urgent, if it is."""
    requested_at: float
    staff_id: Optional[int]
    preview: str


def _handoff(row: sa.engine.Row) -> Handoff:
    return Handoff(row.id, row.conversation, row.state, Risk(row.risk), row.requested_at, row.staff_id, row.preview)


def open_handoff(engine: Engine, conversation: str) -> Optional[Handoff]:
    """The conversation's waiting or active handoff, if any."""
    query = sa.select(handoffs).where(handoffs.c.conversation == conversation, handoffs.c.state.in_(OPEN_STATES))
    with engine.connect() as connection:
        row = connection.execute(query.order_by(handoffs.c.id.desc())).first()
    return _handoff(row) if row is not None else None


def get(engine: Engine, handoff_id: int) -> Optional[Handoff]:
    with engine.connect() as connection:
        row = connection.execute(sa.select(handoffs).where(handoffs.c.id == handoff_id)).first()
    return _handoff(row) if row is not None else None


def _queue_order() -> List[sa.sql.ColumnElement]:
    """Any risk to life first, danger and self-harm alike (which is graver for this survivor is the support
    worker's judgement, not the queue's), then longest waiting."""
    no_risk_last = sa.case((handoffs.c.risk == Risk.NONE.value, 1), else_=0)
    return [no_risk_last, handoffs.c.requested_at, handoffs.c.id]


def waiting(engine: Engine) -> List[Handoff]:
    """The queue: a risk to life first, then longest waiting."""
    query = sa.select(handoffs).where(handoffs.c.state == WAITING).order_by(*_queue_order())
    with engine.connect() as connection:
        return [_handoff(row) for row in connection.execute(query)]


def held_by(engine: Engine, staff_id: int) -> List[Handoff]:
    """The conversations a staff member holds now (what their console reconnects to)."""
    query = sa.select(handoffs).where(handoffs.c.state == ACTIVE, handoffs.c.staff_id == staff_id)
    with engine.connect() as connection:
        return [_handoff(row) for row in connection.execute(query.order_by(handoffs.c.taken_at))]


def position(engine: Engine, conversation: str) -> Optional[int]:
    """1 for the next survivor to be seen; None when the conversation is not waiting."""
    for place, handoff in enumerate(waiting(engine), start=1):
        if handoff.conversation == conversation:
            return place
    return None


def request(engine: Engine, conversation: str, risk: Risk, preview: str) -> int:
    """Puts the conversation in the queue (once: asking again keeps its place); returns its position."""
    with engine.begin() as connection:
        existing = connection.execute(
            sa.select(handoffs.c.id).where(handoffs.c.conversation == conversation,
                                           handoffs.c.state.in_(OPEN_STATES))
        ).first()
        if existing is None:
            connection.execute(
                handoffs.insert().values(conversation=conversation, state=WAITING, risk=risk.value,
                                         requested_at=time.time(), preview=preview)
            )
            record(connection, None, "requested", conversation)
    return position(engine, conversation) or 1


def _transition(engine: Engine, where: sa.sql.ColumnElement, values: dict, actor: Optional[int], action: str,
                conversation: str, target: Optional[int] = None) -> bool:
    """One conditional UPDATE and its audit entry; True if this caller won."""
    with engine.begin() as connection:
        changed = connection.execute(handoffs.update().where(where).values(**values)).rowcount
        if changed:
            record(connection, actor, action, conversation, target)
    return bool(changed)


def take(engine: Engine, handoff: Handoff, staff_id: int) -> bool:
    """Staff takes a waiting conversation; False if a colleague (or the survivor's leaving) got there first."""
    where = sa.and_(handoffs.c.id == handoff.id, handoffs.c.state == WAITING)
    return _transition(engine, where, {"state": ACTIVE, "staff_id": staff_id, "taken_at": time.time()},
                       staff_id, "took", handoff.conversation)


def _held(handoff: Handoff, staff_id: int) -> sa.sql.ColumnElement:
    return sa.and_(handoffs.c.id == handoff.id, handoffs.c.state == ACTIVE, handoffs.c.staff_id == staff_id)


def hand_back(engine: Engine, handoff: Handoff, staff_id: int) -> bool:
    """The assistant carries on the conversation."""
    return _transition(engine, _held(handoff, staff_id), {"state": HANDED_BACK, "ended_at": time.time()},
                       staff_id, "handed_back", handoff.conversation)


def end(engine: Engine, handoff: Handoff, staff_id: int) -> bool:
    """Staff closes the conversation."""
    return _transition(engine, _held(handoff, staff_id), {"state": ENDED, "ended_at": time.time()},
                       staff_id, "ended", handoff.conversation)


def transfer(engine: Engine, handoff: Handoff, staff_id: int, to_staff_id: int) -> bool:
    """Passes a held conversation to a colleague."""
    return _transition(engine, _held(handoff, staff_id), {"staff_id": to_staff_id}, staff_id, "transferred",
                       handoff.conversation, to_staff_id)


def cancel(engine: Engine, conversation: str) -> Optional[Handoff]:
    """The survivor cancelled or left: ends whatever handoff is open; returns it as it was (None if none)."""
    current = open_handoff(engine, conversation)
    if current is None:
        return None
    where = sa.and_(handoffs.c.id == current.id, handoffs.c.state.in_(OPEN_STATES))
    if not _transition(engine, where, {"state": CANCELLED, "ended_at": time.time()}, None, "cancelled",
                       conversation):
        return cancel(engine, conversation)  # it changed under us (taken just now): cancel what it is now
    return get(engine, current.id)


def escalate(engine: Engine, conversation: str, risk: Risk) -> bool:
    """A risk to life during a handoff: a waiting survivor moves up to be seen first, and the handoff says why
    (the gravest risk so far: self-harm after danger keeps it marked danger). True if it changed."""
    lesser = [lower.value for lower in less_serious_than(risk)]
    with engine.begin() as connection:
        changed = connection.execute(
            handoffs.update()
            .where(handoffs.c.conversation == conversation, handoffs.c.state.in_(OPEN_STATES),
                   handoffs.c.risk.in_(lesser))
            .values(risk=risk.value)
        ).rowcount
    return bool(changed)
