"""Rasa's lock store in Redis for scale-out, configured from the same two settings as the gateway.

Several Rasa instances serving the same conversations must take turns on each one, or two turns could
interleave in the tracker. Rasa's `RedisLockStore` does that, but wants host, port and db separately and
an alphanumeric key prefix; this subclass takes HAVEN_REDIS_URL and HAVEN_REDIS_PREFIX as they are, so
endpoints-scaleout.yml needs no settings the gateway doesn't have.
"""

import logging

import redis
from rasa.core.lock_store import DEFAULT_SOCKET_TIMEOUT_IN_SECONDS, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import DEFAULT_REDIS_PREFIX

logger = logging.getLogger(__name__)

LOCK_KEYS = "lock:"


class RedisUrlLockStore(RedisLockStore):
    """`RedisLockStore` from a redis:// URL; its keys are `<prefix>lock:<conversation>`."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        if not endpoint_config.url:
            raise ValueError("The Redis lock store needs a url (HAVEN_REDIS_URL).")
        self.red = redis.StrictRedis.from_url(endpoint_config.url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        self.key_prefix = f"{endpoint_config.kwargs.get('key_prefix') or DEFAULT_REDIS_PREFIX}{LOCK_KEYS}"
        LockStore.__init__(self)
        logger.info("Conversation locks are kept in Redis (prefix %s).", self.key_prefix)
