"""What an operator can count, and nothing about who: Prometheus counters, histograms and gauges for the
gateway, served on `/metrics` (bot/gateway/ops/operator.py).

No label ever carries a conversation id, a message, an address or a name: every label value comes from a
closed set fixed here (`LABEL_VALUES`), and the helpers the gateway's code calls only accept those.

Each gateway worker process counts for itself. With PROMETHEUS_MULTIPROC_DIR set (an empty directory, before
the gateway starts) prometheus_client's multiprocess mode adds up every worker of the gateway on each scrape;
without it a scrape answers from whichever worker took the connection (docs/deployment.md, "Metrics").
"""

import functools
import hmac
import logging
import os
import time
from functools import lru_cache
from typing import Any, Callable, Coroutine, Dict, Mapping, Optional, ParamSpec, Tuple, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess

from bot.handoff.queue import Handoff
from bot.risk import Risk
from bot.settings import is_loopback
from bot.wording import urgent_wording

logger = logging.getLogger(__name__)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
"""Seconds; 3 is when the survivor gets the gateway's fallback instead (HAVEN_FALLBACK_AFTER_S)."""
QUEUE_WAIT_BUCKETS = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
URGENT_RISKS = (Risk.DANGER.value, Risk.SELF_HARM.value)
HANDOFF_EVENTS = ("queued", "taken", "abandoned")
QUEUE_OUTCOMES = ("taken", "abandoned")
LIMITS = ("messages", "conversations", "sockets", "erasures", "staff_logins")
LABEL_VALUES: Dict[str, Tuple[str, ...]] = {
    "risk": URGENT_RISKS,
    "event": HANDOFF_EVENTS,
    "outcome": QUEUE_OUTCOMES,
    "limit": LIMITS,
}
"""Every label of every Haven metric and all the values it can take (the test of /metrics checks the output)."""

REGISTRY = CollectorRegistry(auto_describe=True)
MESSAGES = Counter("haven_messages", "Survivor messages accepted (within the rate limit).", registry=REGISTRY)
ANSWER_SECONDS = Histogram(
    "haven_answer_seconds", "From a survivor's message to Rasa's reply, late replies included.",
    buckets=ANSWER_BUCKETS, registry=REGISTRY,
)
FALLBACKS = Counter("haven_fallbacks", "Fallbacks sent: Rasa was slow, failed or said nothing.", registry=REGISTRY)
RASA_ERRORS = Counter("haven_rasa_errors", "Survivor turns Rasa failed (unreachable, error, bad reply).",
                      registry=REGISTRY)
URGENT_ANSWERS = Counter("haven_urgent_answers", "Answers to a risk to life sent, by risk.", ["risk"],
                         registry=REGISTRY)
HANDOFFS = Counter("haven_handoffs", "Requests for a person: queued, taken by staff, abandoned while waiting.",
                   ["event"], registry=REGISTRY)
QUEUE_WAIT = Histogram(
    "haven_queue_wait_seconds", "How long a survivor waited for a person, until taken or until they left.",
    ["outcome"], buckets=QUEUE_WAIT_BUCKETS, registry=REGISTRY,
)
STAFF_ONLINE = Gauge("haven_staff_online", "Staff console sockets open.", multiprocess_mode="livesum",
                     registry=REGISTRY)
SOCKETS_OPEN = Gauge("haven_survivor_sockets_open", "Survivor chat sockets open.", multiprocess_mode="livesum",
                     registry=REGISTRY)
RATE_LIMITED = Counter("haven_rate_limited", "Refusals by a rate limit, by limit.", ["limit"], registry=REGISTRY)
ERASURES = Counter("haven_erasures", "Conversations erased on the survivor's request (Delete chat, quick exit).",
                   registry=REGISTRY)
ProcessCollector(registry=REGISTRY)

for _risk in URGENT_RISKS:
    URGENT_ANSWERS.labels(risk=_risk)
for _event in HANDOFF_EVENTS:
    HANDOFFS.labels(event=_event)
for _limit in LIMITS:
    RATE_LIMITED.labels(limit=_limit)

P = ParamSpec("P")
T = TypeVar("T")


Async = Callable[P, Coroutine[Any, Any, T]]


def timed(histogram: Histogram) -> Callable[[Async[P, T]], Async[P, T]]:
    """Observes how long each call of a coroutine function takes, however it ends."""

    def decorate(function: Async[P, T]) -> Async[P, T]:
        @functools.wraps(function)
        async def measured(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)

        return measured

    return decorate


def refused(limit: str) -> None:
    """A rate limit said no; `limit` is one of LIMITS (anything else is a programming error)."""
    if limit not in LIMITS:
        raise ValueError(f"Unknown limit {limit!r}: one of {LIMITS}.")
    RATE_LIMITED.labels(limit=limit).inc()


@lru_cache(maxsize=1)
def _urgent_texts() -> Dict[str, str]:
    """The assistant's answers to a risk to life (domain.yml), whoever sends them: Rasa or the gateway."""
    return {text: risk for risk in URGENT_RISKS if (text := urgent_wording(Risk(risk)))}


def answered(text: str) -> None:
    """Counts an answer sent to a survivor if it is the answer to danger or to thoughts of self-harm."""
    risk = _urgent_texts().get(text)
    if risk is not None:
        URGENT_ANSWERS.labels(risk=risk).inc()


def handoff_queued() -> None:
    """The handoff action put a survivor in the queue (the gateway hears it in Rasa's reply)."""
    HANDOFFS.labels(event="queued").inc()


def handoff_taken(handoff: Handoff) -> None:
    """A support worker took a waiting survivor: how long they waited."""
    HANDOFFS.labels(event="taken").inc()
    QUEUE_WAIT.labels(outcome="taken").observe(max(0.0, time.time() - handoff.requested_at))


def handoff_cancelled(handoff: Handoff) -> None:
    """The survivor cancelled, left or erased the chat; abandoned if nobody had taken it yet."""
    if handoff.staff_id is None:
        HANDOFFS.labels(event="abandoned").inc()
        QUEUE_WAIT.labels(outcome="abandoned").observe(max(0.0, time.time() - handoff.requested_at))


def exposition() -> bytes:
    """The text Prometheus scrapes: this process's metrics, or every worker's with multiprocess mode on."""
    if not os.environ.get(MULTIPROCESS_VARIABLE):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


def worker_stopped(pid: int) -> None:
    """With multiprocess mode on, a stopped worker's open sockets no longer count."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        prometheus_multiprocess.mark_process_dead(pid)



FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def scrape_allowed(peer: str, headers: Mapping[str, str], token: str, behind_proxy: bool,
                   authorization: Optional[str]) -> bool:
    """With HAVEN_METRICS_TOKEN: only a scrape that sends it as a bearer token. Without: only a scrape from
    this machine that came straight to the gateway, and never when a proxy is configured (behind a proxy
    every request comes from the proxy's address, often loopback)."""
    if token:
        return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())
    if behind_proxy or any(name in headers for name in FORWARDING_HEADERS):
        return False
    return is_loopback(peer)
