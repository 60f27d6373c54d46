"""What Haven writes is readable by its own user only (docs/privacy.md).

The database files hold every conversation, and a file made with the usual umask (0644) can be read by
every account on the machine. Each program's entry point calls `private_from_now`; the engine factory
(bot/database/engine.py) also makes an existing SQLite file private, as an older version left it.
"""

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
"""New files 0600, new folders 0700."""
OWNER_ONLY = 0o600
OTHERS = 0o077
"""The group's and everyone else's permission bits."""


def private_from_now() -> None:
    """Every file and folder this process creates from now on is its own user's only."""
    os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """An existing file that others may read becomes its owner's only (a missing file is left missing)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if mode & OTHERS:
        path.chmod(OWNER_ONLY)
        logger.info("Made %s readable by its owner only.", path.name)


def server_secret(configured: str, path: Path, variable: str) -> bytes:
    """A key only this server knows: `configured` (the environment variable `variable`), or else the one in
    `path`, made once with mode 0600 (like var/rasa-token) so a restarted process, and every process on this
    machine, keeps using it."""
    if configured.strip():
        return configured.strip().encode("utf-8")
    if not path.exists():
        _create_secret_file(path)
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ValueError(f"{path} is empty: delete it (a new one is made) or set {variable}.")
    return secret.encode("utf-8")


def _create_secret_file(path: Path) -> None:
    """A new random secret in a file of its own, then linked into place: two processes starting at once end up
    with the same secret (the second link fails and that process reads the first's)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY), "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
    try:
        os.link(draft, path)
        logger.info("Made the secret %s.", path.name)
    except FileExistsError:
        logger.debug("Another process made %s first.", path.name)
    finally:
        draft.unlink()
