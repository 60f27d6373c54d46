"""The one error the operations commands raise for anything a charity's volunteer can act on."""

import logging

logger = logging.getLogger(__name__)


class OpsError(Exception):
    """A backup, restore or key that can't be used as asked. The message says, in plain words, what happened,
    what to do, and whether anything was changed (the commands change nothing before they are sure)."""
