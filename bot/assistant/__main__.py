"""`python -m bot.assistant <rasa command> ...`: Rasa's own command line, with Haven's patches installed first.

The Rasa server's one entry point (scripts/run, scripts/shell, the Procfile and the tests start Rasa this
way): `python -m bot.assistant run --model ...` is `rasa run --model ...` plus bot/assistant/patches.py.
With `--enable-api`, the API token comes from HAVEN_RASA_TOKEN and is handed to Rasa inside this process:
a command line can be read by every account on the machine (`ps`), the environment by this user only.
Files it writes are its user's only, and Rasa's structured logs keep no message text.
"""

import logging
import os
import sys
from typing import Any, Callable, List, Mapping

from bot.assistant import logging_hook, patches
from bot.file_modes import private_from_now
from bot.privacy import log_redaction

logger = logging.getLogger(__name__)

TOKEN_ENV = "HAVEN_RASA_TOKEN"
TOKEN_OPTION = "--auth-token"
API_OPTION = "--enable-api"
SECRET_OPTIONS = (TOKEN_OPTION, "--jwt-secret", "--ssl-password")
"""Rasa's options that take a secret; `-t` is the token's short form."""


def _names(arg: str, option: str) -> bool:
    """Whether `arg` is `option` (or `option=value`), as argparse reads it, which accepts any unique prefix."""
    name = arg.split("=", 1)[0]
    return name.startswith("--") and len(name) > 2 and option.startswith(name)


def rasa_arguments(argv: List[str], environ: Mapping[str, str]) -> List[str]:
    """Rasa's arguments, with the API token from the environment added when the API is on. Refuses (exits
    with the reason) a secret on the command line, and the API without a token."""
    if any(arg.startswith("-t") or _names(arg, option) for arg in argv for option in SECRET_OPTIONS):
        raise SystemExit(
            f"Secrets are never given on the command line, where any local account can read them: set {TOKEN_ENV} "
            "in the environment instead (scripts/run does it from var/rasa-token)."
        )
    if not any(_names(arg, API_OPTION) for arg in argv):
        return argv
    token = environ.get(TOKEN_ENV, "")
    if not token:
        raise SystemExit(f"Rasa's HTTP API can read every conversation: {API_OPTION} needs {TOKEN_ENV} set.")
    return [*argv, f"{TOKEN_OPTION}={token}"]


def _then_withhold_fields(configure: Callable[..., None]) -> Callable[..., None]:
    """Rasa's structlog set-up, followed by Haven's: Rasa's own renders the message and the frames' locals."""

    def configured(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        log_redaction.withhold_structlog_fields()

    return configured


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    private_from_now()
    arguments = rasa_arguments(sys.argv[1:], os.environ)
    patches.install()
    logging_hook.install()
    from rasa import __main__ as rasa_cli  # after the patches, so nothing logs before they are in

    rasa_cli.configure_structlog = _then_withhold_fields(rasa_cli.configure_structlog)
    sys.argv = ["rasa", *arguments]
    rasa_cli.main()


if __name__ == "__main__":
    main()
