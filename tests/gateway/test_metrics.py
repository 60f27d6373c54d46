"""/metrics after real traffic through a real gateway (fake Rasa): the counters move, and nothing in it could
identify a survivor. Also the helpers the gateway's code calls, and who may scrape."""

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from websockets.legacy.client import connect

from bot.gateway.edge import metrics
from bot.handoff.queue import Handoff
from bot.risk import Risk
from bot.wording import emergency_wording, urgent_wording
from tests.gateway.chat.conftest import fake_rasa_url, start_gateway, stop_gateway  # noqa: F401 (a fixture)
from tests.staff.conftest import Console, next_frame, running_console, staff_socket
from tests.staff.test_live_handoff import survivor_in_queue, survivor_socket

RATE_MESSAGES = 4
JSON_LOGS = {"HAVEN_LOG_FORMAT": "json", "TF_CPP_MIN_LOG_LEVEL": "2"}
"""As docs/deployment.md says to run with JSON logs: TensorFlow's own notes, written by its C++ code, off."""
THIRTY_TWO_HEX = re.compile(r"[0-9a-f]{32}")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
SAID = ("hello there", "hes outside and hes got a knife", "broken, i want to end it all", "one", "two", "three")
Samples = Dict[Tuple[str, Tuple[Tuple[str, str], ...]], float]


def scrape(url: str, **headers: str) -> requests.Response:
    return requests.get(f"{url}/metrics", headers=headers, timeout=10)


def samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="module")
def console(fake_rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Console, Path]]:  # noqa: F811
    """A gateway of this module's own (JSON logs, a low message limit) with the staff accounts."""
    work = tmp_path_factory.mktemp("metrics")
    with running_console(fake_rasa_url, work, HAVEN_RATE_MESSAGES=str(RATE_MESSAGES), **JSON_LOGS) as c:
        yield c, work / "gateway.log"


async def _handoff_taken_with_danger(console: Console) -> str:
    """Queued, taken by Sam, and a danger message during the chat."""
    worker = console.signed_in("ash")
    async with survivor_socket(console) as survivor, staff_socket(console, worker) as staff:
        await next_frame(staff, "queue")
        assert value(samples(scrape(console.url).text), "haven_staff_online") == 1
        conversation = await survivor_in_queue(console, survivor)
        waiting = (await next_frame(staff, "queue"))["waiting"]
        assert len(waiting) == 1, "this module's gateway has nobody else waiting"
        handoff_id = waiting[0]["id"]
        assert console.api(worker, "POST", f"handoffs/{handoff_id}/take").status_code == 200
        await next_frame(survivor, "handoff", state="joined")
        await survivor.send(json.dumps({"type": "message", "text": SAID[1]}))
        assert (await next_frame(survivor, "bot"))["text"] == emergency_wording()
    return conversation


async def _handoff_abandoned(console: Console) -> str:
    async with survivor_socket(console) as survivor:
        conversation = await survivor_in_queue(console, survivor)
        await survivor.send(json.dumps({"type": "cancel_handoff"}))
        await next_frame(survivor, "handoff", state="cancelled")
    return conversation


async def _fallback_self_harm_and_too_fast(console: Console) -> str:
    """Rasa fails on a message about self-harm (the gateway answers it), then messages past the limit."""
    async with survivor_socket(console) as survivor:
        await survivor.send(json.dumps({"type": "start"}))
        conversation = str((await next_frame(survivor, "started"))["conversation"])
        await survivor.send(json.dumps({"type": "message", "text": SAID[0]}))
        assert (await next_frame(survivor, "bot"))["text"] == f"echo: {SAID[0]}"
        await survivor.send(json.dumps({"type": "message", "text": SAID[2]}))
        assert (await next_frame(survivor, "bot"))["text"] == urgent_wording(Risk.SELF_HARM)
        for text in SAID[3:]:
            await survivor.send(json.dumps({"type": "message", "text": text}))
        await next_frame(survivor, "error", code="too_fast")
    return conversation


def _delete(console: Console, conversation: str) -> None:
    response = requests.post(f"{console.url}/chat/delete", json={"conversation": conversation},
                             headers={"Origin": console.url}, timeout=10)
    assert response.status_code == 200, response.text


def _moved(before: Samples, after: Samples) -> List[Tuple[str, Dict[str, str], float]]:
    expected: List[Tuple[str, Dict[str, str], float]] = [
        ("haven_messages_total", {}, RATE_MESSAGES + 1),
        ("haven_fallbacks_total", {}, 1),
        ("haven_rasa_errors_total", {}, 1),
        ("haven_urgent_answers_total", {"risk": "danger"}, 1),
        ("haven_urgent_answers_total", {"risk": "self_harm"}, 1),
        ("haven_handoffs_total", {"event": "queued"}, 2),
        ("haven_handoffs_total", {"event": "taken"}, 1),
        ("haven_handoffs_total", {"event": "abandoned"}, 1),
        ("haven_queue_wait_seconds_count", {"outcome": "taken"}, 1),
        ("haven_queue_wait_seconds_count", {"outcome": "abandoned"}, 1),
        ("haven_answer_seconds_count", {}, 2),
        ("haven_rate_limited_total", {"limit": "messages"}, 1),
        ("haven_erasures_total", {}, 1),
    ]
    return [(name, labels, value(after, name, **labels) - value(before, name, **labels) - least)
            for name, labels, least in expected]


def test_traffic_moves_the_counters_and_no_label_could_identify_anyone(console: Tuple[Console, Path]) -> None:
    gateway, _ = console
    before = samples(scrape(gateway.url).text)
    conversations = [asyncio.run(_handoff_taken_with_danger(gateway)), asyncio.run(_handoff_abandoned(gateway)),
                     asyncio.run(_fallback_self_harm_and_too_fast(gateway))]
    _delete(gateway, conversations[-1])
    time.sleep(0.5)  # the sockets' last frames are handled after the client has gone
    response = scrape(gateway.url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)
    short = [(name, labels, missing) for name, labels, missing in _moved(before, after) if missing < 0]
    assert not short, f"counters that did not move as far as the traffic should have: {short}"
    assert value(after, "haven_survivor_sockets_open") == 0 and value(after, "haven_staff_online") == 0
    _assert_nothing_identifying(response.text, after, conversations)


def _assert_nothing_identifying(text: str, found: Samples, conversations: List[str]) -> None:
    for (name, labels), _ in found.items():
        for label, label_value in labels:
            if label == "le":
                float(label_value)  # a histogram bucket's bound ("+Inf" parses too)
            else:
                assert label_value in metrics.LABEL_VALUES[label], f"{name}: {label}={label_value!r} not allowed"
    assert not THIRTY_TWO_HEX.search(text) and not IPV4.search(text)
    assert not any(conversation in text for conversation in conversations)
    words = {word for said in SAID for word in re.findall(r"[a-z]{4,}", said)}
    assert not [word for word in words if word in text.lower()], "no word a survivor wrote"


def test_a_scrape_through_a_proxy_is_refused_without_the_token(console: Tuple[Console, Path]) -> None:
    gateway, _ = console
    assert scrape(gateway.url, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert scrape(gateway.url, Forwarded="for=203.0.113.9").status_code == 403
    assert scrape(gateway.url).status_code == 200


def test_the_gateways_log_lines_are_json_with_request_ids_and_no_words(console: Tuple[Console, Path]) -> None:
    gateway, log = console
    assert scrape(gateway.url, **{"X-Forwarded-For": "203.0.113.9"}).status_code == 403  # logs a warning
    lines = log.read_text(encoding="utf-8").splitlines()
    entries = json_lines_after_start(lines)
    assert {"Starting worker"} <= {entry["message"].split(" [")[0] for entry in entries}
    assert {entry["process"] for entry in entries} == {"gateway"}
    assert any(re.fullmatch(r"[0-9a-f]{12}", entry.get("request_id", "")) for entry in entries)
    assert "knife" not in log.read_text(encoding="utf-8")


FIELDS = {"timestamp", "level", "process", "logger", "message"}
WARNING_START = re.compile(r"^\S+:\d+: \w*Warning: ")
PLAIN_LOG_LINE = re.compile(r"^\[?\d{4}-\d\d-\d\d")


def json_lines_after_start(lines: List[str]) -> List[Dict[str, Any]]:
    """Every line once Haven's code has set up logging is one JSON object with FIELDS. Before it only Python's
    notices about deprecated code in libraries being imported may appear (docs/deployment.md, "Logs")."""
    first = next(index for index, line in enumerate(lines) if line.startswith("{"))
    for index, line in enumerate(lines[:first]):
        assert WARNING_START.match(line) or (index and not PLAIN_LOG_LINE.match(line)), f"a plain log line: {line}"
    entries = [json.loads(line) for line in lines[first:]]
    assert all(isinstance(entry, dict) and set(entry) >= FIELDS for entry in entries)
    return entries


def _count(name: str, **labels: str) -> float:
    return value(samples(metrics.exposition().decode()), name, **labels)


def test_only_the_limits_named_here_can_be_counted() -> None:
    with pytest.raises(ValueError):
        metrics.refused("203.0.113.9")
    before = _count("haven_rate_limited_total", limit="sockets")
    metrics.refused("sockets")
    assert _count("haven_rate_limited_total", limit="sockets") == before + 1


def test_only_the_answers_to_a_risk_to_life_count_as_urgent() -> None:
    danger, self_harm = _count("haven_urgent_answers_total", risk="danger"), _count(
        "haven_urgent_answers_total", risk="self_harm")
    metrics.answered("echo: hello")
    metrics.answered(emergency_wording())
    metrics.answered(str(urgent_wording(Risk.SELF_HARM)))
    assert _count("haven_urgent_answers_total", risk="danger") == danger + 1
    assert _count("haven_urgent_answers_total", risk="self_harm") == self_harm + 1


def test_a_cancelled_handoff_is_abandoned_only_if_nobody_had_taken_it() -> None:
    waiting = Handoff(1, "a" * 32, "cancelled", Risk.NONE, time.time() - 42, None, "")
    taken = Handoff(2, "b" * 32, "cancelled", Risk.NONE, time.time() - 42, 7, "")
    before = _count("haven_handoffs_total", event="abandoned")
    metrics.handoff_cancelled(taken)
    assert _count("haven_handoffs_total", event="abandoned") == before
    metrics.handoff_cancelled(waiting)
    assert _count("haven_handoffs_total", event="abandoned") == before + 1
    assert _count("haven_queue_wait_seconds_sum", outcome="abandoned") >= 42


def test_timed_observes_a_call_that_fails() -> None:
    histogram = metrics.ANSWER_SECONDS
    before = _count("haven_answer_seconds_count")

    @metrics.timed(histogram)
    async def fails() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        asyncio.run(fails())
    assert _count("haven_answer_seconds_count") == before + 1


@pytest.mark.parametrize(
    ("peer", "headers", "token", "proxy", "authorization", "allowed"),
    [
        ("127.0.0.1", {}, "", False, None, True),
        ("::1", {}, "", False, None, True),
        ("10.0.0.5", {}, "", False, None, False),
        ("127.0.0.1", {"x-forwarded-for": "203.0.113.9"}, "", False, None, False),
        ("127.0.0.1", {"x-real-ip": "203.0.113.9"}, "", False, None, False),
        ("127.0.0.1", {}, "", True, None, False),
        ("10.0.0.5", {}, "s3cret", True, "Bearer s3cret", True),
        ("127.0.0.1", {}, "s3cret", False, None, False),
        ("127.0.0.1", {}, "s3cret", False, "Bearer wrong", False),
    ],
)
def test_who_may_scrape(peer: str, headers: Dict[str, str], token: str, proxy: bool, authorization: Any,
                        allowed: bool) -> None:
    assert metrics.scrape_allowed(peer, headers, token, proxy, authorization) is allowed


async def _messages_on_fresh_sockets(gateway: str, count: int) -> None:
    """Each on a connection of its own, so the kernel spreads them over the workers."""
    for index in range(count):
        async with connect(gateway.replace("http", "ws") + "/chat/socket") as ws:
            await ws.send(json.dumps({"type": "message", "text": f"number {index}"}))
            await next_frame(ws, "typing", on=False)


def test_with_several_workers_every_scrape_adds_them_all_up(
    fake_rasa_url: str, redis_url: str, redis_prefix: str, tmp_path: Path  # noqa: F811
) -> None:
    """PROMETHEUS_MULTIPROC_DIR (docs/deployment.md): two workers, and each scrape counts both."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    log = tmp_path / "gateway.log"
    process = start_gateway(fake_rasa_url, log, SANIC_WORKERS="2", HAVEN_REDIS_URL=redis_url,
                            HAVEN_REDIS_PREFIX=redis_prefix, PROMETHEUS_MULTIPROC_DIR=str(shared))
    try:
        gateway = process.base_url  # type: ignore[attr-defined]
        asyncio.run(_messages_on_fresh_sockets(gateway, 8))
        totals = {value(samples(scrape(gateway).text), "haven_messages_total") for _ in range(6)}
        assert totals == {8.0}, f"every scrape must count both workers: {totals}"
        assert len(list(shared.glob("gauge_livesum_*.db"))) >= 2, "each worker keeps its own figures there"
    finally:
        stop_gateway(process, log)
