"""Haven's changes to Rasa inside the Rasa server, installed once by its entry point (`python -m bot.assistant`).

Each exists for a reason a survivor or an operator would care about:
- log redaction (bot/privacy/log_redaction.py): Rasa logs messages and parse results when a turn fails;
  no survivor's words may reach a log file.
- the prebuilt action response validator (action_response.py): Rasa rebuilt a JSON Schema validator on
  every action call, which cost more than the call (docs/performance.md).
- the direct call into the classifiers' traced graphs (fast_predict.py): TensorFlow matched each input
  against the signature on every prediction, which cost more than the prediction (docs/performance.md).
- the action server's time limit and the kind answer to a failed action (action_failure.py): Rasa waited
  300 s for an action server that hung, holding the conversation's lock, and a failed action ended the
  survivor's turn in silence; now it gives up after HAVEN_ACTION_TIMEOUT_S and says sorry with the helpline.
"""

import logging
from typing import Callable, Tuple

from bot.assistant import action_failure, action_response, fast_predict
from bot.privacy import log_redaction

logger = logging.getLogger(__name__)

PATCHES: Tuple[Callable[[], None], ...] = (
    log_redaction.install, action_response.install, fast_predict.install, action_failure.install
)
_installed = False


def install() -> None:
    """Installs every patch in this process (calling it again changes nothing)."""
    global _installed
    for patch in PATCHES:
        patch()
    _installed = True


def installed() -> bool:
    """Whether `install` ran in this process."""
    return _installed


def warn_if_missing() -> None:
    """For code Rasa loads (the tracker store): say so when the server was not started by the entry point,
    so nobody runs a server whose logs are not redacted without being told."""
    if not _installed:
        logger.warning(
            "This Rasa server was not started with `python -m bot.assistant`, so Haven's patches are not "
            "installed: its log lines are not redacted. Start it as scripts/run does."
        )
