"""`python -m bot.assistant <rasa command> ...`: Rasa's own command line, with Haven's patches installed first.

The Rasa server's one entry point (scripts/run, scripts/shell, the Procfile and the tests start Rasa this
way): `python -m bot.assistant run --model ...` is `rasa run --model ...` plus bot/assistant/patches.py.
"""

import os
import sys

from bot.assistant import patches


def main() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    patches.install()
    from rasa.__main__ import main as rasa_main  # after the patches, so nothing logs before they are in

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
