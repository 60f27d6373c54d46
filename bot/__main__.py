"""`python -m bot`: run the gateway on HAVEN_GATEWAY_HOST:HAVEN_GATEWAY_PORT (default 127.0.0.1:8080).

SANIC_WORKERS (default 1) worker processes share the port. Several workers are several gateways: their
sockets reach each other only through Redis, so more than one needs HAVEN_REDIS_URL.
"""

import logging
import os
import sys

from bot import logs
from bot.file_modes import private_from_now
from bot.gateway.app import create_app
from bot.privacy import log_redaction
from bot.privacy.redaction import default_redactor
from bot.settings import Settings

logger = logging.getLogger(__name__)


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    private_from_now()
    logs.configure_logging("gateway")
    settings = Settings.from_env()
    if settings.workers > 1 and not settings.redis_url:
        logger.error(
            "SANIC_WORKERS=%d needs HAVEN_REDIS_URL: without Redis each worker would only hear its own sockets "
            "(a staff member and a survivor on different workers would not reach each other). "
            "Set HAVEN_REDIS_URL, or run one worker.",
            settings.workers,
        )
        return 2
    default_redactor()  # loaded before serving, so no survivor's turn waits for it
    log_redaction.install()
    app = create_app(settings)
    try:
        app.run(host=settings.host, port=settings.port, access_log=False, workers=settings.workers, motd=False)
    except OSError as error:
        logger.error(
            "The gateway can't listen on %s:%d (%s). Is Haven already running?",
            settings.host,
            settings.port,
            error.strerror,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
