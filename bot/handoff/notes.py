"""Private notes staff keep on a conversation (never shown to the survivor; erased with the conversation)."""

import logging
import time
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff.models import handoff_notes
from bot.staff.models import staff_accounts

logger = logging.getLogger(__name__)

MAX_NOTE_CHARS = 4000


def add(engine: Engine, conversation: str, staff_id: int, text: str) -> None:
    with engine.begin() as connection:
        connection.execute(handoff_notes.insert().values(conversation=conversation, staff_id=staff_id, text=text,
                                                         at=time.time()))


def for_conversation(engine: Engine, conversation: str) -> List[Dict[str, object]]:
    query = (
        sa.select(handoff_notes.c.text, handoff_notes.c.at, staff_accounts.c.display_name)
        .join(staff_accounts, staff_accounts.c.id == handoff_notes.c.staff_id)
        .where(handoff_notes.c.conversation == conversation)
        .order_by(handoff_notes.c.at, handoff_notes.c.id)
    )
    with engine.connect() as connection:
        return [{"text": row.text, "at": row.at, "by": row.display_name} for row in connection.execute(query)]
