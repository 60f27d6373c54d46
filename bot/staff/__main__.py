"""Staff accounts from the command line (the first admin, and a way back in; admins manage everyone else in
the console).

    python -m bot.staff create-admin --username alex --display-name "Alex"          asks for the password
    python -m bot.staff create-admin --username alex --display-name "Alex" --password-stdin
    python -m bot.staff reset-password --username alex [--password-stdin]           ends alex's sessions

The database is HAVEN_DATABASE_URL (the same as the directory's); its tables are brought up to date first.
"""

import argparse
import getpass
import logging
import sys
from typing import Optional, Sequence, TextIO

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.database import migrate
from bot.database.engine import default_engine
from bot.staff import accounts, sessions
from bot.staff.accounts import AccountError
from bot.staff.passwords import MIN_PASSWORD_CHARS

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_REJECTED, EXIT_DATABASE = 0, 1, 2


def _password(from_stdin: bool, stdin: TextIO) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_CHARS} characters, not a common one): ")
    if getpass.getpass("The same password again: ") != first:
        raise AccountError("The two passwords were different; nothing was changed.")
    return first


def _create_admin(engine: Engine, args: argparse.Namespace, password: str) -> str:
    account = accounts.create(engine, args.username, args.display_name, "admin", password)
    return f"Created admin account {account.username} (shown to survivors as {account.display_name})."


def _reset_password(engine: Engine, args: argparse.Namespace, password: str) -> str:
    """A new password for any account (an admin who forgot theirs, or the last admin's was leaked); every
    session of the account ends."""
    account = accounts.by_username(engine, args.username)
    if account is None:
        raise AccountError(f"There is no account called {args.username}.")
    accounts.set_password(engine, account.id, password)
    ended = sessions.end_all(engine, account.id)
    return f"Set a new password for {account.username}; {ended} signed-in session(s) ended."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account")
    create.add_argument("--username", required=True, help="what they sign in with (never shown to survivors)")
    create.add_argument("--display-name", required=True, help="what survivors see: a first name or a role")
    create.set_defaults(run=_create_admin)
    reset = commands.add_parser("reset-password", help="set a new password for an account and sign it out")
    reset.add_argument("--username", required=True, help="the account's username")
    reset.set_defaults(run=_reset_password)
    for command in (create, reset):
        command.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def main(argv: Optional[Sequence[str]] = None, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    try:
        password = _password(args.password_stdin, stdin)
        engine = default_engine()
        migrate.upgrade(engine)
        done = args.run(engine, args, password)
    except AccountError as error:
        print(error, file=sys.stderr)
        return EXIT_REJECTED
    except SQLAlchemyError as error:
        print(f"The database could not be reached or updated ({type(error).__name__}).", file=sys.stderr)
        return EXIT_DATABASE
    print(done, file=out)
    return EXIT_OK


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
