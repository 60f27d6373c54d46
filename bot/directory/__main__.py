"""The charity's tools for keeping the directory current.

    python -m bot.directory migrate              create or update the directory's tables
    python -m bot.directory seed [--if-empty]    national helplines + the sample set
    python -m bot.directory import FILE          a .csv or .yaml list; every row checked, all or nothing
    python -m bot.directory export [--format csv|yaml] [--output FILE]
    python -m bot.directory list --stale DAYS    entries not verified in the last DAYS days

The database is HAVEN_DATABASE_URL (default: sqlite:///var/haven.db in the repo). See docs/directory.md.
"""

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, TextIO

import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.database import migrate
from bot.database.engine import default_engine
from bot.directory import seed, store
from bot.directory.importer import ImportRejectedError, export_rows, read_rows, validate, write_csv

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_DATABASE = 0, 1, 2


def _migrate(engine: Engine, _: argparse.Namespace, out: TextIO) -> int:
    migrate.upgrade(engine)
    print("The directory's tables are up to date.", file=out)
    return EXIT_OK


def _seed(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    migrate.upgrade(engine)
    saved = seed.seed(engine, date.today(), if_empty=args.if_empty)
    print(f"Seeded {saved} entries (national helplines and the SAMPLE set)." if saved else "Nothing seeded.", file=out)
    return EXIT_OK


def _import(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"There is no file at {path}.", file=sys.stderr)
        return EXIT_REJECTED
    try:
        entries = validate(read_rows(path), date.today())
    except ImportRejectedError as failed:
        for line, reason in failed.problems:
            print(f"{path.name}, line {line}: {reason}", file=sys.stderr)
        count = len(failed.problems)
        print(f"Nothing was imported: fix the {count} problem(s) above and import again.", file=sys.stderr)
        return EXIT_REJECTED
    migrate.upgrade(engine)
    print(f"Imported {store.save(engine, entries)} services from {path.name}.", file=out)
    return EXIT_OK


def _export(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    entries = store.all_entries(engine)
    handle = args.output.open("w", encoding="utf-8", newline="") if args.output else out
    try:
        if args.format == "yaml":
            yaml.safe_dump(export_rows(entries), handle, allow_unicode=True, sort_keys=False)
        else:
            write_csv(entries, handle)
    finally:
        if args.output:
            handle.close()
    return EXIT_OK


def _list(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    entries = store.stale(engine, args.stale, date.today()) if args.stale is not None else store.all_entries(engine)
    for entry in entries:
        flag = " [SAMPLE]" if entry.sample else ""
        print(f"{entry.verified_on.isoformat()}  {entry.key}  {entry.name}{flag}  ({entry.source})", file=out)
    what = f"not verified in the last {args.stale} days" if args.stale is not None else "in the directory"
    print(f"{len(entries)} entries {what}.", file=out)
    return EXIT_OK


COMMANDS: Dict[str, Callable[[Engine, argparse.Namespace, TextIO], int]] = {
    "migrate": _migrate,
    "seed": _seed,
    "import": _import,
    "export": _export,
    "list": _list,
}


def _days(text: str) -> int:
    days = int(text)
    if days < 0:
        raise argparse.ArgumentTypeError("DAYS must be 0 or more")
    return days


def parser() -> argparse.ArgumentParser:
    """The command line described in the module docstring."""
    main_parser = argparse.ArgumentParser(prog="python -m bot.directory", description=__doc__.splitlines()[0])
    commands = main_parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="create or update the directory's tables")
    seeding = commands.add_parser("seed", help="add the national helplines and the SAMPLE services")
    seeding.add_argument("--if-empty", action="store_true", help="only when the directory has no services")
    importing = commands.add_parser("import", help="import a .csv or .yaml list (all rows or none)")
    importing.add_argument("file", type=Path)
    exporting = commands.add_parser("export", help="write every entry in the import format")
    exporting.add_argument("--format", choices=("csv", "yaml"), default="csv")
    exporting.add_argument("--output", type=Path, help="a file (default: standard output)")
    listing = commands.add_parser("list", help="list entries, or with --stale only those not verified recently")
    listing.add_argument("--stale", type=_days, metavar="DAYS", help="not verified in the last DAYS days")
    return main_parser


def main(argv: Optional[Sequence[str]] = None, engine: Optional[Engine] = None, out: TextIO = sys.stdout) -> int:
    """Runs one command; returns the exit code (1: the input was rejected, 2: the database failed)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](engine or default_engine(), args, out)
    except SQLAlchemyError as error:
        print(f"The directory database could not be used: {error.__class__.__name__}: {error}", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
