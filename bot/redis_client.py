"""The one way Haven's async code opens Redis (the gateway's bus, outbox and limits, /ready, and the action
server's held safety-plan answers): connect on first use, fail fast, and name the connections."""

import asyncio
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_S = 5.0
REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
"""What a Redis outage raises: a caller catches these and carries on without Redis."""


def redis_client(url: str, name: str, command_timeout_s: float = COMMAND_TIMEOUT_S) -> "aioredis.Redis":
    """A client that connects on first use and fails fast, so a Redis outage never stalls a caller for long.
    Its connections carry `name`, so an operator can tell them apart in `CLIENT LIST`."""
    return aioredis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=command_timeout_s,
        decode_responses=True,
        client_name=name,
    )
