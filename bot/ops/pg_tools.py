"""PostgreSQL's own tools, pg_dump and pg_restore, run against the server in HAVEN_DATABASE_URL.

The connection is given to them in libpq's environment variables (PGHOST, PGUSER, PGPASSWORD, ...), never
on the command line, where every account on the machine could read a password in the process list; with no
password in the URL, libpq finds one in ~/.pgpass (or PGPASSFILE) as usual. `--no-password` makes them fail
at once rather than wait at a prompt nobody sees (a nightly job).

pg_dump writes its custom format (`-Fc`) to a pipe, from a snapshot the caller exported, so the dump and
the counts reported with it are of the same moment while Haven keeps running. pg_restore reads the
decrypted backup from a pipe and restores it in one transaction (`--single-transaction --exit-on-error`)
into a database with no tables (the caller has checked): any failure leaves the target as it was.
`--no-owner --no-privileges` makes the restoring account the owner, as a new server's accounts need not
match the old one's.
"""

import logging
import shutil
import subprocess
import tempfile
from typing import IO, Dict, Iterator, List, Mapping, Sequence, cast

from sqlalchemy.engine import URL

from bot.ops.errors import OpsError

logger = logging.getLogger(__name__)

READ_BYTES = 1 << 20
LIBPQ_SETTINGS = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "passfile": "PGPASSFILE", "service": "PGSERVICE", "gssencmode": "PGGSSENCMODE",
}
"""Settings a HAVEN_DATABASE_URL may carry after `?`, and the libpq variable that gives each to the tools."""
RESTORE_OPTIONS = ("--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges")
MESSAGE_LINES = 3


def libpq_environment(url: URL, base: Mapping[str, str]) -> Dict[str, str]:
    """`base` (the environment) with the connection in `url` as libpq variables."""
    env = dict(base)
    for name, value in url.query.items():
        if name not in LIBPQ_SETTINGS:
            raise OpsError(
                f"HAVEN_DATABASE_URL has a setting pg_dump and pg_restore don't know ({name}=...). Remove it, or "
                "set it for libpq in the environment instead. Nothing was done."
            )
        env[LIBPQ_SETTINGS[name]] = value if isinstance(value, str) else value[-1]
    fields = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
              "PGDATABASE": url.database}
    env.update({name: str(value) for name, value in fields.items() if value})
    return env


def tool(name: str) -> str:
    """The path of `name` (pg_dump or pg_restore), or a plain way to install it."""
    found = shutil.which(name)
    if found is None:
        raise OpsError(
            f"{name} isn't installed on this machine. Install PostgreSQL's client tools, the same major version "
            "as the server or newer (Debian: apt-get install postgresql-client). Nothing was done."
        )
    return found


def _said(name: str, stderr: IO[bytes]) -> str:
    """The tool's own last error lines, without the context lines in which the server may quote a row."""
    stderr.seek(0)
    lines = [line.split("CONTEXT:")[0].strip() for line in stderr.read().decode("utf-8", "replace").splitlines()]
    said = [line for line in lines if line.startswith(f"{name}:")][-MESSAGE_LINES:]
    return " ".join(said) or f"{name} gave no reason"


def dump(url: URL, snapshot: str, base: Mapping[str, str], without_data: Sequence[str] = ()) -> Iterator[bytes]:
    """The database in `url` as pg_dump's custom format, as of the exported `snapshot`, a piece at a time;
    the tables in `without_data` are dumped empty."""
    command: List[str] = [tool("pg_dump"), "--format=custom", "--no-password", f"--snapshot={snapshot}",
                          *(f"--exclude-table-data={table}" for table in without_data)]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=libpq_environment(url, base))
        try:
            output = cast(IO[bytes], process.stdout)
            while piece := output.read(READ_BYTES):
                yield piece
            if process.wait() != 0:
                raise OpsError(f"pg_dump could not back up the database: {_said('pg_dump', stderr)}")
        finally:
            _stop(process)


def restore(url: URL, content: Iterator[bytes], base: Mapping[str, str]) -> None:
    """Restores pg_dump's custom format, read from `content`, into the database in `url`, all or nothing."""
    database = (url.database or "").replace("\\", "\\\\").replace("'", "\\'")
    command = [tool("pg_restore"), "--no-password", *RESTORE_OPTIONS, f"--dbname=dbname='{database}'"]
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=libpq_environment(url, base))
        try:
            _feed(process, content)
            if process.wait() != 0:
                raise OpsError(
                    f"pg_restore could not restore the backup, so nothing was changed (the restore is one "
                    f"transaction): {_said('pg_restore', stderr)}"
                )
        finally:
            _stop(process)


def _feed(process: "subprocess.Popen[bytes]", content: Iterator[bytes]) -> None:
    stdin = cast(IO[bytes], process.stdin)
    try:
        for piece in content:
            stdin.write(piece)
    except BrokenPipeError:  # pg_restore stopped early; its exit code and message say why
        logger.debug("pg_restore stopped reading the backup.")
    else:
        stdin.close()


def _stop(process: "subprocess.Popen[bytes]") -> None:
    """Ends the tool if it is still running (the caller failed): an unfinished restore's transaction is
    then rolled back by the server, and no half-written dump is used."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None and not stream.closed:
            try:
                stream.close()
            except BrokenPipeError:
                logger.debug("The tool had stopped reading.")
