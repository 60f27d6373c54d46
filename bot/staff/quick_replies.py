"""Standard replies staff insert with one click: the helpline and the fixed emergency wording, from the
facts file and domain.yml so they are the same words the assistant uses. Admins edit the list."""

import logging
from typing import Dict, List, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.staff.models import quick_replies
from bot.wording import emergency_wording, helpline_line

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 80
MAX_TEXT_CHARS = 2000


def defaults() -> List[Tuple[str, str]]:
    return [("24-hour helpline", helpline_line()), ("In danger now", emergency_wording())]


def ensure_defaults(engine: Engine) -> None:
    """An empty list gets the standard replies (at gateway start), so a new console is never without them."""
    with engine.begin() as connection:
        if connection.execute(sa.select(quick_replies.c.id).limit(1)).first() is None:
            connection.execute(quick_replies.insert(), [{"title": title, "text": text} for title, text in defaults()])


def all_replies(engine: Engine) -> List[Dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(quick_replies).order_by(quick_replies.c.id))
        return [{"id": row.id, "title": row.title, "text": row.text} for row in rows]


def add(engine: Engine, title: str, text: str) -> int:
    with engine.begin() as connection:
        return int(connection.execute(quick_replies.insert().values(title=title, text=text)).inserted_primary_key[0])


def update(engine: Engine, reply_id: int, title: str, text: str) -> bool:
    """Rewords a standard reply in place (False if it has gone)."""
    with engine.begin() as connection:
        changed = connection.execute(
            quick_replies.update().where(quick_replies.c.id == reply_id).values(title=title, text=text)
        ).rowcount
    return bool(changed)


def remove(engine: Engine, reply_id: int) -> bool:
    with engine.begin() as connection:
        return bool(connection.execute(quick_replies.delete().where(quick_replies.c.id == reply_id)).rowcount)
