"""`python -m bot.ops`: the charity's operations commands.

    python -m bot.ops backup-key --out /root/haven-backup.key   a new key (keep a copy in the password manager)
    python -m bot.ops backup --out haven-2026-12-01.backup      the whole database, encrypted (HAVEN_BACKUP_KEY)
    python -m bot.ops backup --without-conversations --out F    all but conversations (may be kept long-term)
    python -m bot.ops restore haven-2026-12-01.backup           into the empty database in HAVEN_DATABASE_URL
    python -m bot.ops check [--summary]                         what is unsafe in this configuration (exit 1)

The key comes from --key-file, or else HAVEN_BACKUP_KEY. The database is HAVEN_DATABASE_URL, as for every
other Haven process. Exit code 0 when done, 1 when refused (the message says why and what to do).
"""

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, TextIO

from bot.ops import check
from bot.ops.backup import backup, restore
from bot.ops.errors import OpsError
from bot.ops.sealed import load_key, new_key, write_new_key
from bot.settings import Settings, database_url

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_REFUSED = 0, 1
DEFAULT_RETENTION_DAYS = Settings.retention_days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.ops", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("backup-key", help="make a new backup key")
    key.add_argument("--out", type=Path, help="write it to this new file (mode 0600) instead of printing it")
    made = commands.add_parser("backup", help="back up the database, encrypted")
    made.add_argument("--out", type=Path, required=True, help="the backup file to write (never replaced)")
    made.add_argument("--key-file", type=Path, help="the key's file (default: HAVEN_BACKUP_KEY)")
    made.add_argument("--without-conversations", action="store_true",
                      help="leave conversations out (the directory and staff accounts): may be kept long-term")
    back = commands.add_parser("restore", help="restore a backup into an empty database")
    back.add_argument("file", type=Path, help="the backup file")
    back.add_argument("--key-file", type=Path, help="the key's file (default: HAVEN_BACKUP_KEY)")
    checked = commands.add_parser("check", help="report what is unsafe in this configuration")
    checked.add_argument("--summary", action="store_true", help="a short version (one line per finding)")
    return parser


def _backup_key(args: argparse.Namespace, _: Mapping[str, str], out: TextIO) -> int:
    if args.out is None:
        print(new_key(), file=out)
        return EXIT_OK
    write_new_key(args.out)
    print(f"Wrote a new backup key to {args.out} (readable by this account only). Keep a copy in the charity's "
          "password manager, away from the backups: without it no backup can be read.", file=out)
    return EXIT_OK


def _backup(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    made = backup(database_url(env), args.out, load_key(args.key_file, env), env, not args.without_conversations)
    print(f"Backed up the {made.header.database} database to {made.path} ({made.size:,} bytes, encrypted): "
          f"{made.contents.describe()}.", file=out)
    return EXIT_OK


def _retention_days(env: Mapping[str, str]) -> float:
    try:
        return Settings.from_env(env).retention_days
    except ValueError:
        return DEFAULT_RETENTION_DAYS


def _restore(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    days = _retention_days(env)
    restored = restore(args.file, database_url(env), load_key(args.key_file, env), env, days)
    print(f"Restored {args.file} (made {restored.header.created}): {restored.contents.describe()}.", file=out)
    if restored.past_retention:
        print(f"{restored.past_retention} of these conversations are older than the retention period ({days:g} "
              "days): the next purge deletes them (python -m bot.privacy purge; make run runs it at start).", file=out)
    return EXIT_OK


def _check(args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> int:
    found = check.findings(env)
    print(check.summary(found) if args.summary else check.report(found, env), file=out)
    return EXIT_REFUSED if check.failed(found) else EXIT_OK


COMMANDS: Dict[str, Callable[[argparse.Namespace, Mapping[str, str], TextIO], int]] = {
    "backup-key": _backup_key, "backup": _backup, "restore": _restore, "check": _check,
}


def main(argv: Optional[List[str]] = None, env: Optional[Mapping[str, str]] = None, out: TextIO = sys.stdout) -> int:
    """Runs one command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, os.environ if env is None else env, out)
    except OpsError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    sys.exit(main())
