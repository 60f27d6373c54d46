"""The audit log names a conversation by a keyed hash of its id, never the id: the id is the credential for a
survivor's chat, and the log outlives the conversation by months (security review, finding 13)."""

import hashlib
import hmac
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.database import migrate
from bot.database.engine import make_engine
from bot.handoff import audit, queue
from bot.handoff.models import audit_log
from bot.risk import Risk
from bot.staff import sessions
from bot.staff.models import staff_accounts, staff_sessions
from bot.staff.references import HASH_CHARS, REFERENCE_CHARS, conversation_hash, reference, server_key
from tests.handoff.conftest import db, migrated_engine, worker  # noqa: F401 (both databases)

CONVERSATION = "0123456789abcdef0123456789abcdef"


def test_the_audit_log_keeps_a_keyed_hash_of_the_conversation_never_its_id(db: Engine) -> None:  # noqa: F811
    ash = worker(db, "ash")
    queue.request(db, CONVERSATION, Risk.NONE, "")
    handoff = queue.open_handoff(db, CONVERSATION)
    assert handoff is not None and queue.take(db, handoff, ash.id)
    audit.opened(db, ash.id, CONVERSATION)
    with db.connect() as connection:
        stored = connection.execute(sa.select(audit_log.c.conversation)).scalars().all()
    expected = hmac.new(server_key(), CONVERSATION.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]
    assert stored == [expected] * 3, "requested, took, opened: each by the keyed hash"
    assert expected != hashlib.sha256(CONVERSATION.encode()).hexdigest()[:HASH_CHARS], "keyed, not a plain digest"
    assert CONVERSATION not in str(audit.recent(db))
    assert {entry["reference"] for entry in audit.recent(db)} == {reference(CONVERSATION)}
    assert len(reference(CONVERSATION)) == REFERENCE_CHARS and conversation_hash(CONVERSATION).startswith(
        reference(CONVERSATION)), "the console's reference is the start of the log's, so a supervisor finds it"


def test_an_upgrade_hashes_the_ids_already_in_the_audit_log_and_keeps_sessions_working(tmp_path: Path) -> None:
    """Revision 0004: the entries written before it named conversations by id; the lockout and CSRF columns go."""
    engine = make_engine(f"sqlite:///{tmp_path / 'haven.db'}")
    migrate.upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO staff_accounts (id, username, display_name, role, password_hash, active, presence, last_seen,"
            " failed_logins, locked_until) VALUES (1, 'ash', 'Sam', 'support_worker', 'x', 1, 'away', 0, 5, 9e9)"))
        connection.execute(sa.text(
            "INSERT INTO staff_sessions (token_hash, account_id, csrf, created, last_active) "
            "VALUES (:hash, 1, 'plain csrf token', :now, :now)"),
            {"hash": hashlib.sha256(b"token").hexdigest(), "now": time.time()})
        for action, conversation in (("requested", CONVERSATION), ("took", CONVERSATION), ("opened", None)):
            connection.execute(sa.text("INSERT INTO audit_log (actor_id, action, conversation, at) "
                                       "VALUES (1, :action, :conversation, 1.0)"),
                               {"action": action, "conversation": conversation})
    migrate.upgrade(engine)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(audit_log.c.conversation).order_by(audit_log.c.id)).scalars().all()
        columns = {table: {column["name"] for column in sa.inspect(connection).get_columns(table)}
                   for table in ("staff_accounts", "staff_sessions")}
    assert stored == [conversation_hash(CONVERSATION), conversation_hash(CONVERSATION), None]
    assert columns == {"staff_accounts": set(staff_accounts.c.keys()), "staff_sessions": set(staff_sessions.c.keys())}
    assert "failed_logins" not in columns["staff_accounts"] and "csrf" not in columns["staff_sessions"]
    assert sessions.find(engine, "token", sessions.Limits()) is not None, "signed-in staff stay signed in"
    engine.dispose()
