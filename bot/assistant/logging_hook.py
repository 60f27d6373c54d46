"""JSON log lines from the Rasa server too (HAVEN_LOG_FORMAT=json; bot/logs.py).

Rasa's command line sets up logging of its own after Haven's entry point has run: coloured console logs,
then Sanic's console handlers when it builds its server. So the entry point calls `install`, which takes
the console at once (for what is logged while Rasa loads), again from Rasa's own plugin hook
`configure_commandline` (it runs right after Rasa's coloured logs are set up), and leaves Sanic's default
logging configuration without console handlers, so Sanic's records reach the JSON handler too. In plain
mode nothing changes: Rasa logs as it always did.
"""

import argparse
import logging
from typing import Optional

import pluggy

from bot import logs

logger = logging.getLogger(__name__)

PROCESS = "rasa"
hookimpl = pluggy.HookimplMarker("rasa")


class JsonLogging:
    """Rasa plugin: the console back to Haven's JSON handler once Rasa's command line has set up its own."""

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> Optional[str]:
        """Called by Rasa's command line after its coloured logs; names no endpoints file (None)."""
        logs.configure_logging(PROCESS)
        return None


def _sanic_without_console_handlers() -> None:
    """Sanic applies LOGGING_CONFIG_DEFAULTS when Rasa builds its server app: with no handlers named there,
    Sanic's loggers write through the JSON handlers (Rasa turns their propagation off: the last resort)."""
    from sanic.log import LOGGING_CONFIG_DEFAULTS

    for settings in LOGGING_CONFIG_DEFAULTS["loggers"].values():
        settings["handlers"] = []


def install() -> None:
    """JSON lines for the whole life of the Rasa server, when HAVEN_LOG_FORMAT=json."""
    if not logs.json_wanted():
        return
    logs.configure_logging(PROCESS)
    _sanic_without_console_handlers()
    from rasa.plugin import plugin_manager  # the entry point imports Rasa only after its patches

    plugin_manager().register(JsonLogging())
    logger.debug("Rasa's log lines are JSON (HAVEN_LOG_FORMAT=json).")
