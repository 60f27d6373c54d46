"""The audit log: who requested, opened, took, transferred, handed back and ended which conversation,
and when. Metadata only, never message text; it is not erased with a conversation (supervisors need to
see what staff did), which is why nothing in it can say what was written. It names a conversation by a keyed
hash of its id (bot/staff/references.py), never the id: the id is the credential for the survivor's chat,
and the log outlives the conversation by months."""

import logging
import time
from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.handoff.models import audit_log
from bot.staff.models import staff_accounts
from bot.staff.references import REFERENCE_CHARS, conversation_hash

logger = logging.getLogger(__name__)

MAX_SHOWN = 500


def record(connection: Connection, actor: Optional[int], action: str, conversation: Optional[str] = None,
           target: Optional[int] = None) -> None:
    connection.execute(
        audit_log.insert().values(actor_id=actor, action=action, target_id=target, at=time.time(),
                                  conversation=conversation_hash(conversation) if conversation else None)
    )


def opened(engine: Engine, actor: int, conversation: str) -> None:
    """A staff member read a conversation's transcript."""
    with engine.begin() as connection:
        record(connection, actor, "opened", conversation)


def purge(engine: Engine, cutoff: float) -> int:
    """Deletes the entries older than `cutoff` (Unix seconds); returns how many went. The log says who handled
    which conversation (by its hash), so it has its own retention period instead of living for ever."""
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table(audit_log.name):
            return 0
        return int(connection.execute(audit_log.delete().where(audit_log.c.at < cutoff)).rowcount)


def recent(engine: Engine, limit: int = MAX_SHOWN) -> List[Dict[str, object]]:
    """The latest entries, newest first, with the actor's account name (supervisors need to know who) and the
    conversation's reference, as the console shows it."""
    query = (
        sa.select(audit_log, staff_accounts.c.username)
        .select_from(audit_log.outerjoin(staff_accounts, staff_accounts.c.id == audit_log.c.actor_id))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [
            {"at": row.at, "actor": row.username or "survivor", "action": row.action,
             "reference": (row.conversation or "")[:REFERENCE_CHARS], "target": row.target_id}
            for row in connection.execute(query)
        ]
