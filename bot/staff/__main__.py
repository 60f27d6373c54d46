"""Staff accounts from the command line (the first admin; admins manage everyone else in the console).

    python -m bot.staff create-admin --username alex --display-name "Alex"          asks for the password
    python -m bot.staff create-admin --username alex --display-name "Alex" --password-stdin

The database is HAVEN_DATABASE_URL (the same as the directory's); its tables are brought up to date first.
"""

import argparse
import getpass
import logging
import sys
from typing import Optional, Sequence, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.database import migrate
from bot.database.engine import default_engine
from bot.staff import accounts
from bot.staff.accounts import AccountError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_DATABASE = 0, 1, 2


def _password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("The same password again: ") != first:
        raise AccountError("The two passwords were different; nothing was created.")
    return first


def main(argv: Optional[Sequence[str]] = None, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account")
    create.add_argument("--username", required=True, help="what they sign in with (never shown to survivors)")
    create.add_argument("--display-name", required=True, help="what survivors see: a first name or a role")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    try:
        password = _password(args.password_stdin, stdin)
        engine = default_engine()
        migrate.upgrade(engine)
        account = accounts.create(engine, args.username, args.display_name, "admin", password)
    except AccountError as error:
        print(error, file=sys.stderr)
        return EXIT_REJECTED
    except SQLAlchemyError as error:
        print(f"The database could not be reached or updated ({type(error).__name__}).", file=sys.stderr)
        return EXIT_DATABASE
    print(f"Created admin account {account.username} (shown to survivors as {account.display_name}).", file=out)
    return EXIT_OK


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
