"""Readiness as the gateway sees it: can it answer a survivor right now?

`/health` says only that the gateway process is serving. `/ready` (bot/gateway/ops/operator.py) asks what a
survivor's turn needs: the database answers `SELECT 1`, Redis answers PING when configured, Rasa answers its
token-protected `/status` with a model loaded, and the action server answers its `/health`. Each check has a
short timeout and they run at once, so a probe never hangs; the answer is kept for a moment, so a storm of
probes costs Rasa one status call per `CACHE_S`. The answer names only what failed: no addresses, no tokens.
"""

import asyncio
import logging
import time
from typing import Awaitable, Callable, Dict, List, Optional, Tuple

import aiohttp
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.database.offloop import Database
from bot.redis_client import REDIS_ERRORS, redis_client
from bot.settings import Settings

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
"""Each dependency gets this long; they are checked at once, so `/ready` answers within about this."""
CACHE_S = 2.0
"""A result is reused for this long, however many probes ask."""
CHECK_ERRORS = (SQLAlchemyError, aiohttp.ClientError, ValueError, asyncio.TimeoutError, *REDIS_ERRORS)
ACTION_WEBHOOK = "/webhook"


class NotReadyError(Exception):
    """A dependency answered, but not as a ready one does (an HTTP error, no model loaded)."""


def action_server_health_url(action_endpoint: str) -> str:
    """The action server's `/health`, beside the webhook Rasa calls (HAVEN_ACTION_ENDPOINT)."""
    base = action_endpoint.rstrip("/")
    return (base[: -len(ACTION_WEBHOOK)] if base.endswith(ACTION_WEBHOOK) else base) + "/health"


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


class Readiness:
    """The gateway's view of what a survivor's turn depends on; one per worker process."""

    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database
        self._session: Optional[aiohttp.ClientSession] = None
        self._redis = redis_client(settings.redis_url, "haven-ready") if settings.redis_url else None
        self._database_call: Optional["asyncio.Future[None]"] = None
        self._last: Optional[Tuple[float, List[str]]] = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Opens the HTTP session for Rasa and the action server (in each worker, after the fork)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT_S))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._redis is not None:
            await self._redis.close()

    async def failed(self) -> List[str]:
        """What is not ready, by name (empty: ready); checked at most once per CACHE_S."""
        async with self._lock:
            if self._last is None or time.monotonic() - self._last[0] >= CACHE_S:
                failed = await self._check_all()
                self._log_change(failed)
                self._last = (time.monotonic(), failed)
            return list(self._last[1])

    def _checks(self) -> Dict[str, Callable[[], Awaitable[None]]]:
        checks: Dict[str, Callable[[], Awaitable[None]]] = {
            "database": self._database_answers, "rasa": self._rasa_answers, "actions": self._actions_answer,
        }
        if self._redis is not None:
            checks["redis"] = self._redis_answers
        return checks

    async def _check_all(self) -> List[str]:
        checks = self._checks()
        results = await asyncio.gather(*(self._passes(check) for check in checks.values()))
        return sorted(name for name, passed in zip(checks, results, strict=True) if not passed)

    async def _passes(self, check: Callable[[], Awaitable[None]]) -> bool:
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
        except (NotReadyError, *CHECK_ERRORS):
            return False
        return True

    async def _database_answers(self) -> None:
        """SELECT 1 in a worker thread. A call still stuck from an earlier probe is not joined by another:
        a hung database costs one thread, not one per probe."""
        if self._database_call is not None and not self._database_call.done():
            raise NotReadyError("the previous database check has not returned")
        self._database_call = asyncio.ensure_future(self.database.run(_select_one))
        await asyncio.shield(self._database_call)

    async def _redis_answers(self) -> None:
        assert self._redis is not None
        await self._redis.ping()

    async def _rasa_answers(self) -> None:
        """Rasa's authenticated status: the token is right, the HTTP API is on and a model is loaded."""
        status = await self._get_json(self.settings.rasa_url + "/status", {"token": self.settings.rasa_token})
        if not isinstance(status, dict) or not status.get("model_file"):
            raise NotReadyError("Rasa has no model loaded")

    async def _actions_answer(self) -> None:
        await self._get_json(action_server_health_url(self.settings.action_endpoint), None)

    async def _get_json(self, url: str, params: Optional[Dict[str, str]]) -> object:
        if self._session is None:
            raise NotReadyError("the readiness checks are not started")
        async with self._session.get(url, params=params) as response:
            if response.status != 200:
                raise NotReadyError(f"HTTP {response.status}")
            return await response.json(content_type=None)

    def _log_change(self, failed: List[str]) -> None:
        """Once per change, so an operator sees when it went wrong and when it came back."""
        before = None if self._last is None else self._last[1]
        if failed == before:
            return
        if failed:  # counted, not named: the log redactor takes "rasa" for a person's name; /ready names them
            logger.warning("Not ready: %d of %d checks failed (GET /ready names them).", len(failed),
                           len(self._checks()))
        elif before:
            logger.info("Ready again: the database, Rasa and the action server answer.")
