"""What the charity's IT volunteer points tools at: `/ready` for the proxy's health checks, `/metrics` for
Prometheus, and a request id on every log line an HTTP request or a socket causes (HAVEN_LOG_FORMAT=json).

`/health` (bot/gateway/app.py) stays the liveness check: 200 whenever the process serves.
"""

import logging
import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json, raw

from bot import logs
from bot.gateway.edge import metrics
from bot.gateway.ops.health import Readiness
from bot.settings import Settings

logger = logging.getLogger(__name__)

NOT_READY = 503
FORBIDDEN = 403


def add_operator_routes(app: Sanic, settings: Settings) -> None:
    """Registers the operator's routes and request ids on the gateway app."""
    logs.release_library_handlers()  # Sanic's own console handlers, added as the app was made
    _add_request_ids(app)
    _add_readiness(app, settings)
    _add_metrics(app, settings)


def _add_request_ids(app: Sanic) -> None:
    """A fresh random id for each HTTP request, and for each socket for as long as it is open."""

    @app.on_request
    async def request_id(_: Request) -> None:
        logs.new_request_id()


def _add_readiness(app: Sanic, settings: Settings) -> None:
    @app.before_server_start
    async def start_readiness(app: Sanic, _: Any) -> None:
        """Per worker process: its own HTTP session and Redis connection."""
        app.ctx.readiness = Readiness(settings, app.ctx.database)
        await app.ctx.readiness.start()

    @app.after_server_stop
    async def stop_readiness(app: Sanic, _: Any) -> None:
        await app.ctx.readiness.close()
        metrics.worker_stopped(os.getpid())

    @app.get("/ready")
    async def ready(_: Request) -> HTTPResponse:
        """200 when a survivor can be answered; 503 naming what failed (no addresses, no secrets)."""
        failed = await app.ctx.readiness.failed()
        return json({"ready": not failed, "failed": failed}, status=NOT_READY if failed else 200)


def _behind_proxy(app: Sanic) -> bool:
    """SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER or SANIC_FORWARDED_SECRET: the operator said there is a proxy."""
    config = app.config
    return bool(config.PROXIES_COUNT or config.REAL_IP_HEADER or config.FORWARDED_SECRET)


def _add_metrics(app: Sanic, settings: Settings) -> None:
    @app.get("/metrics")
    async def prometheus(request: Request) -> HTTPResponse:
        """Counts only; see metrics.scrape_allowed for who may read them."""
        authorization = request.headers.get("authorization")
        allowed = metrics.scrape_allowed(
            request.ip, request.headers, settings.metrics_token, _behind_proxy(app), authorization
        )
        if not allowed:
            logger.warning("Refused a /metrics scrape: without HAVEN_METRICS_TOKEN only this machine, directly.")
            return json({"error": "forbidden"}, status=FORBIDDEN)
        return raw(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
