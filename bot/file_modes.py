"""What Haven writes is readable by its own user only (docs/privacy.md).

The database files hold every conversation, and a file made with the usual umask (0644) can be read by
every account on the machine. Each program's entry point calls `private_from_now`; the engine factory
(bot/database/engine.py) also makes an existing SQLite file private, as an older version left it.
"""

import logging
import os
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
