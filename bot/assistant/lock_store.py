"""Rasa's lock store in Redis for scale-out, configured from the same two settings as the gateway.

Several Rasa instances serving the same conversations must take turns on each one, or two turns could
interleave in the tracker. Rasa's `RedisLockStore` keeps each conversation's `TicketLock` (a queue of numbered
tickets, each with an expiry) as one JSON value, but changes it by reading it, changing it in Python and writing
it back, with nothing atomic in between: two instances issuing a ticket at once both got the same number (both
then held the conversation), and one instance's write could drop a ticket another had just added, or delete
the lock of a turn that had just taken it. Here every change to a lock (issuing a ticket, dropping expired
ones, finishing a turn) is one transaction (WATCH/MULTI: retried if another instance changed the lock
meanwhile), with Rasa's own `TicketLock` doing the change, so the semantics are Rasa's: first come, first
served, a ticket expires after its lifetime. A lock with no tickets left is deleted (Rasa does so when a turn
ends; a turn whose own ticket expired while it waited then gets Rasa's LockError, where Rasa's store kept an
empty lock and left it waiting), and a lock's key expires with its last ticket, so a Rasa that dies
mid-turn leaves nothing behind.

This store also takes HAVEN_REDIS_URL and HAVEN_REDIS_PREFIX as they are (Rasa's wants host, port and db
separately and an alphanumeric prefix), so endpoints-scaleout.yml needs no settings the gateway doesn't have.
"""

import json
import logging
import math
import time
from typing import Any, Callable, Optional, Text, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    LockStore,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

from bot.settings import DEFAULT_REDIS_PREFIX

logger = logging.getLogger(__name__)

LOCK_KEYS = "lock:"
T = TypeVar("T")


class RedisUrlLockStore(RedisLockStore):
    """`RedisLockStore` from a redis:// URL, changing each lock atomically; its keys are
    `<prefix>lock:<conversation>`."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        if not endpoint_config.url:
            raise ValueError("The Redis lock store needs a url (HAVEN_REDIS_URL).")
        self.red = redis.StrictRedis.from_url(endpoint_config.url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        self.key_prefix = f"{endpoint_config.kwargs.get('key_prefix') or DEFAULT_REDIS_PREFIX}{LOCK_KEYS}"
        LockStore.__init__(self)
        logger.info("Conversation locks are kept in Redis (prefix %s).", self.key_prefix)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """The next ticket for the conversation, in one step; Redis failing is Rasa's LockError, as in Rasa's."""
        try:
            return self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime))
        except (redis.RedisError, ValueError) as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        """Drops the expired tickets, in one step."""
        self._change(conversation_id, TicketLock.remove_expired_tickets)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Drops the ticket of a finished turn, in one step."""
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Rasa's end of a turn (finish serving, then delete the lock if nobody waits) as one step:
        `_change` deletes a lock left without tickets."""
        self.finish_serving(conversation_id, ticket_number)

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        """`change` applied to the conversation's lock (an empty one if there is none) and stored, atomically:
        if another instance changes the lock between the read and the write, Redis refuses the write and
        this reads again."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
            result = change(lock)
            lock.remove_expired_tickets()  # as every read of Rasa's TicketLock does: they count for nothing
            if _changed(stored, lock):
                pipe.multi()
                _store(pipe, key, lock)
            return result

        result: T = self.red.transaction(attempt, key, value_from_callable=True)
        return result


def _changed(stored: Optional[bytes], lock: TicketLock) -> bool:
    """Whether `lock` differs from what Redis holds. Waiters poll by dropping expired tickets, which mostly
    changes nothing; writing anyway would make every other instance's transaction on the lock start again."""
    if stored is None:
        return bool(lock.tickets)
    return not lock.tickets or lock.dumps() != stored.decode()


def _store(pipe: Any, key: str, lock: TicketLock) -> None:
    """Queues the write of `lock`: deleted without tickets, else kept until its last ticket expires."""
    if not lock.tickets:
        pipe.delete(key)
        return
    last_expiry = max(ticket.expires for ticket in lock.tickets)
    pipe.set(key, lock.dumps(), px=max(1, math.ceil((last_expiry - time.time()) * 1000)))
