"""The action server answers Rasa only.

Rasa sends a shared secret in the `X-Haven-Action-Secret` header (endpoints.yml, from
HAVEN_ACTIONS_SECRET, which scripts/run creates in var/actions-secret). The action server refuses any
call to /webhook without it. With no secret configured, only loopback callers are accepted.

It plugs into rasa_sdk's own extension point (the `rasa_sdk_plugins` package calls `init_hooks`), so
the usual `rasa run actions` enforces it. rasa_sdk skips that package without a word (a DEBUG line) when
it can't be imported, which would leave the actions open to anyone: so the actions package calls
`require_guard` when it loads, and rasa_sdk, unable to load the actions, stops with exit code 1.
The action server's logs keep no survivor's words, and its files are its user's only.
"""

import hmac
import logging
import os
from typing import Optional

import pluggy
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot import logs
from bot.file_modes import private_from_now
from bot.privacy import log_redaction
from bot.privacy.redaction import default_redactor
from bot.settings import is_loopback

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Haven-Action-Secret"
SECRET_ENV = "HAVEN_ACTIONS_SECRET"
OPEN_PATHS = frozenset({"/health"})
hookimpl = pluggy.HookimplMarker("rasa_sdk")



def allowed(request: Request, secret: str) -> bool:
    """A call carrying the shared secret; or, when none is configured, a call from this machine."""
    if request.path in OPEN_PATHS:
        return True
    if not secret:
        return is_loopback(request.ip)
    return hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode())


def guard(app: Sanic, secret: str) -> None:
    """Refuses every call that isn't from Rasa, with 403 and no detail."""

    @app.on_request
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if allowed(request, secret):
            return None
        logger.warning("Refused a call to the action server that did not come from Rasa.")
        return json({"error": "forbidden"}, status=403)


class ActionServerGuard:
    """rasa_sdk plugin: the guard and redacted logs on the action server's Sanic app."""

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        """Called by rasa_sdk when it starts the action server."""
        logs.configure_logging("actions")
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            logger.warning("%s is not set: the action server accepts calls from this machine only.", SECRET_ENV)
        guard(app, secret)
        private_from_now()
        default_redactor()
        log_redaction.install()


GUARD = ActionServerGuard()


def init_hooks(manager: pluggy.PluginManager) -> None:
    """rasa_sdk's plugin entry point."""
    if not manager.is_registered(GUARD):
        manager.register(GUARD)


def require_guard() -> None:
    """Raises ImportError unless rasa_sdk will attach the guard to the action server (finding 15 of the
    2026-12-03 security review: without it, anyone who can reach the port could run the actions)."""
    from rasa_sdk.plugin import plugin_manager  # rasa_sdk loads `rasa_sdk_plugins` here, the first time

    if not plugin_manager().is_registered(GUARD):
        message = (
            "The action server's guard did not load (rasa_sdk could not import rasa_sdk_plugins, see "
            "actions/guard.py): refusing to serve the actions to anyone who asks."
        )
        logger.critical(message)
        raise ImportError(message)
