"""`python -m bot.privacy purge [--days N] [--audit-days N]`: delete what is past its retention period:
conversations (HAVEN_RETENTION_DAYS) and staff audit-log entries (HAVEN_AUDIT_RETENTION_DAYS).

`scripts/run` (make run) runs it at start and then every HAVEN_PURGE_EVERY_S seconds (default hourly).
`python -m bot.privacy erase ID` deletes one conversation at once (for a request made to the charity).
Only metadata is logged: how many conversations and rows, never an id's content.
"""

import argparse
import logging
import os
import sys
import time
from typing import List, Optional

from bot.database.engine import make_engine
from bot.file_modes import private_from_now
from bot.handoff import audit
from bot.privacy.erasure import ConversationEraser
from bot.settings import Settings

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command; returns the process exit code."""
    private_from_now()
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m bot.privacy", description="Haven's data retention tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge", help="delete conversations whose last message is older than --days")
    purge.add_argument("--days", type=float, default=settings.retention_days, help="retention period in days")
    purge.add_argument("--audit-days", type=float, default=settings.audit_retention_days,
                       help="retention period of the staff audit log in days")
    erase = commands.add_parser("erase", help="delete one conversation now")
    erase.add_argument("conversation")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    eraser = ConversationEraser(make_engine(settings.database_url))
    if args.command == "erase":
        print(f"Deleted {eraser.erase(args.conversation)} rows.")
        return 0
    if args.days <= 0 or args.audit_days <= 0:
        parser.error("--days and --audit-days must be more than 0")
    now = time.time()
    conversations, rows = eraser.purge(now - args.days * SECONDS_PER_DAY)
    logger.info(
        "Retention purge: %d conversations (%d rows) older than %g days deleted.",
        conversations, rows, args.days,
    )
    entries = audit.purge(eraser.engine, now - args.audit_days * SECONDS_PER_DAY)
    logger.info("Retention purge: %d audit-log entries older than %g days deleted.", entries, args.audit_days)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    sys.exit(main())
