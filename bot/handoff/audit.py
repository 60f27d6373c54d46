"""The audit log: who requested, opened, took, transferred, handed back and ended which conversation,
and when. Metadata only, never message text; it is not erased with a conversation (supervisors need to
see what staff did), which is why nothing in it can say what was written."""

import logging
import time
from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.handoff.models import audit_log
from bot.staff.models import staff_accounts

logger = logging.getLogger(__name__)

MAX_SHOWN = 500


def record(connection: Connection, actor: Optional[int], action: str, conversation: Optional[str] = None,
           target: Optional[int] = None) -> None:
    connection.execute(
        audit_log.insert().values(actor_id=actor, action=action, conversation=conversation, target_id=target,
                                  at=time.time())
    )


def opened(engine: Engine, actor: int, conversation: str) -> None:
    """A staff member read a conversation's transcript."""
    with engine.begin() as connection:
        record(connection, actor, "opened", conversation)


def purge(engine: Engine, cutoff: float) -> int:
    """Deletes the entries older than `cutoff` (Unix seconds); returns how many went. The log keeps
    conversation ids, so it has its own retention period instead of living for ever."""
    with engine.begin() as connection:
        if not sa.inspect(connection).has_table(audit_log.name):
            return 0
        return int(connection.execute(audit_log.delete().where(audit_log.c.at < cutoff)).rowcount)


def recent(engine: Engine, limit: int = MAX_SHOWN) -> List[Dict[str, object]]:
    """The latest entries, newest first, with the actor's account name (supervisors need to know who)."""
    query = (
        sa.select(audit_log, staff_accounts.c.username)
        .select_from(audit_log.outerjoin(staff_accounts, staff_accounts.c.id == audit_log.c.actor_id))
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        return [
            {"at": row.at, "actor": row.username or "survivor", "action": row.action,
             "conversation": row.conversation, "target": row.target_id}
            for row in connection.execute(query)
        ]
