"""Load benchmark of the real stack: `python -m tools.bench.load` (`make bench-load`, part of `make bench`).

Starts the real stack once (scripts/run on free ports with its own SQLite file, tools/bench/stack.py) and
drives it with simulated survivors, each running conversations from tools/bench/phrases.py:

- paced levels (1, 20 and 100 concurrent conversations with think time between messages), each run
  through the gateway's socket protocol and then with the same load straight at Rasa's REST channel,
  so the gateway's overhead is a ratio;
- saturation: no think time, concurrency doubled until throughput stops rising, for both targets.

Prints one table (p50/p95/p99 of the whole answer, messages per second, the load average) and writes
var/results/load.json. Each level is bounded in time; settings come from arguments or HAVEN_BENCH_*.
"""

import argparse
import asyncio
import json
import logging
import math
import os
import random
import shutil
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import aiohttp

from tools.bench import percentile, rss_mb
from tools.bench.client import Turn, WidgetClient, say_to_rasa
from tools.bench.phrases import conversation_script
from tools.bench.stack import ROOT, Stack, model_load_seconds, start_stack, stop_stack

logger = logging.getLogger(__name__)

RESULTS = ROOT / "var" / "results" / "load.json"
WORK = ROOT / "var" / "bench" / "load"
MODEL = ROOT / "models" / "haven.tar.gz"
GATEWAY, RASA = "gateway", "rasa"
STACK_ENV = {
    # One client address runs every simulated survivor: the per-address and per-conversation limits
    # protect the real service, not the benchmark.
    "HAVEN_RATE_CONVERSATIONS": "1000000",
    "HAVEN_RATE_MESSAGES": "1000000",
    "HAVEN_MAX_SOCKETS_PER_ADDRESS": "1000000",
}
WARM_UP_TURNS = 6
"""Sent first and not measured: TensorFlow traces its graphs on the first predictions."""
MIN_GAIN = 0.05
PATIENCE = 2
"""Saturation: two doublings of concurrency in a row that add less than 5% throughput over the best so far."""
TARGET_P95_MS_AT_20 = 250.0
TARGET_MESSAGES_PER_S = 40.0
TARGET_RSS_MB = 1200.0
TARGET_OVERHEAD = 0.10
TARGET_MODEL_LOAD_S = 20.0


@dataclass(frozen=True)
class Settings:
    """How long and how hard to push (arguments, or HAVEN_BENCH_* in the environment)."""

    levels: Sequence[int] = (1, 20, 100)
    level_seconds: float = 40.0
    think_seconds: float = 5.0
    step_seconds: float = 15.0
    max_concurrency: int = 64
    seed: int = 7


@dataclass
class Level:
    """What one level measured against one target."""

    target: str
    conversations: int
    think_seconds: float
    seconds: float = 0.0
    sent: int = 0
    answered: int = 0
    errors: int = 0
    fallbacks: int = 0
    latencies: List[float] = field(default_factory=list)
    load_average: float = math.nan

    def record(self, turn: Turn) -> None:
        self.sent += 1
        self.answered += turn.answered
        self.errors += turn.error is not None
        self.fallbacks += turn.fallbacks
        if turn.error is None:
            self.latencies.append(turn.seconds)

    @property
    def throughput(self) -> float:
        """Answered messages per second."""
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def ms(self, share: float) -> float:
        return 1000 * percentile(self.latencies, share)

    def summary(self) -> Dict[str, Any]:
        data = asdict(self)
        del data["latencies"]
        return {
            **data,
            "messages_per_s": round(self.throughput, 2),
            "p50_ms": round(self.ms(0.50), 1),
            "p95_ms": round(self.ms(0.95), 1),
            "p99_ms": round(self.ms(0.99), 1),
        }


def think_time(rng: random.Random, mean_s: float) -> float:
    """A person reading the answer and typing the next message: 0.5–1.5 × the mean (0 at saturation)."""
    return rng.uniform(0.5, 1.5) * mean_s


def load_average() -> float:
    """The 1-minute load average: the machine is shared, so every figure is read next to it."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def saturated(throughputs: Sequence[float], min_gain: float = MIN_GAIN, patience: int = PATIENCE) -> bool:
    """True when the last `patience` steps each added less than `min_gain` over the best before them
    (on a shared machine one step can dip by chance, so one flat step is not enough)."""
    if len(throughputs) <= patience:
        return False
    best_before = max(throughputs[:-patience])
    return all(value < best_before * (1 + min_gain) for value in throughputs[-patience:])


def concurrency_steps(max_concurrency: int) -> List[int]:
    """1, 2, 4, … up to max_concurrency."""
    steps, step = [], 1
    while step <= max_concurrency:
        steps.append(step)
        step *= 2
    return steps


def overhead(gateway: Level, rasa: Level, share: float = 0.5) -> float:
    """The gateway's added latency at a percentile, as a share of Rasa's own."""
    return gateway.ms(share) / rasa.ms(share) - 1


Say = Callable[[str], Awaitable[Turn]]
Conversation = Callable[[Callable[[Say], Awaitable[None]]], Awaitable[None]]


async def _survivor(
    open_conversation: Conversation, level: Level, deadline: float, rng: random.Random, stagger_s: float
) -> None:
    """Conversations one after another until the deadline, pausing like a person between messages."""
    await asyncio.sleep(rng.uniform(0, stagger_s))  # people don't all arrive at once

    async def talk(say: Say) -> None:
        for text in conversation_script(rng):
            if time.monotonic() >= deadline:
                return
            level.record(await say(text))
            await asyncio.sleep(think_time(rng, level.think_seconds))

    while time.monotonic() < deadline:
        await open_conversation(talk)


def gateway_conversation(stack: Stack) -> Conversation:
    """A new widget socket and conversation per call, as a survivor opening the chat."""

    async def conversation(talk: Callable[[Say], Awaitable[None]]) -> None:
        async with WidgetClient(stack.gateway_url) as widget:
            await widget.start()
            await talk(widget.say)

    return conversation


def rasa_conversation(stack: Stack, session: aiohttp.ClientSession) -> Conversation:
    """A new sender id per call on Rasa's REST channel, as the gateway would use."""

    async def conversation(talk: Callable[[Say], Awaitable[None]]) -> None:
        sender = uuid.uuid4().hex
        await talk(lambda text: say_to_rasa(session, stack.rasa_url, sender, text))

    return conversation


async def run_level(open_conversation: Conversation, level: Level, seconds: float, rng: random.Random) -> Level:
    """`level.conversations` survivors for `seconds` (the turns in flight then are finished and counted)."""
    started = time.monotonic()
    deadline = started + seconds
    stagger_s = min(level.think_seconds * 2, seconds / 4)
    await asyncio.gather(
        *(_survivor(open_conversation, level, deadline, random.Random(rng.random()), stagger_s)
          for _ in range(level.conversations))
    )
    level.seconds = time.monotonic() - started
    level.load_average = load_average()
    return level


async def ramp(open_conversation: Conversation, target: str, settings: Settings, rng: random.Random) -> List[Level]:
    """Saturation: no think time, concurrency doubled until throughput stops rising."""
    steps: List[Level] = []
    for concurrency in concurrency_steps(settings.max_concurrency):
        level = await run_level(open_conversation, Level(target, concurrency, 0.0), settings.step_seconds, rng)
        steps.append(level)
        logger.info("saturation %s x%d: %.1f msg/s", target, concurrency, level.throughput)
        if saturated([step.throughput for step in steps]):
            break
    return steps


def best(steps: Sequence[Level]) -> Level:
    """The step with the highest throughput: the sustained maximum."""
    return max(steps, key=lambda step: step.throughput)


class RssSampler:
    """The Rasa server's resident memory, sampled every second while the benchmark runs."""

    def __init__(self, pid: Optional[int]) -> None:
        self.pid = pid
        self.samples: List[float] = []

    async def run(self) -> None:
        while self.pid is not None:
            try:
                self.samples.append(rss_mb(self.pid))
            except OSError:
                return
            await asyncio.sleep(1)

    @property
    def peak(self) -> float:
        return max(self.samples, default=math.nan)


async def warm_up(stack: Stack, session: aiohttp.ClientSession) -> None:
    rng = random.Random(0)
    await rasa_conversation(stack, session)(lambda say: _say_all(say, conversation_script(rng)[:WARM_UP_TURNS]))
    await gateway_conversation(stack)(lambda say: _say_all(say, conversation_script(rng)[:WARM_UP_TURNS]))


async def _say_all(say: Say, texts: Sequence[str]) -> None:
    for text in texts:
        await say(text)


async def measure(stack: Stack, settings: Settings) -> Dict[str, Any]:
    """Every level against both targets, the saturation ramps, and the Rasa server's memory."""
    rng = random.Random(settings.seed)
    sampler = RssSampler(stack.rasa_pid())
    sampling = asyncio.ensure_future(sampler.run())
    paced: List[Level] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await warm_up(stack, session)
        targets = {GATEWAY: gateway_conversation(stack), RASA: rasa_conversation(stack, session)}
        for conversations in settings.levels:
            for target, open_conversation in targets.items():
                level = Level(target, conversations, settings.think_seconds)
                paced.append(await run_level(open_conversation, level, settings.level_seconds, rng))
                logger.info("paced %s x%d: p95 %.0f ms", target, conversations, level.ms(0.95))
        saturation = {
            target: await ramp(conversation, target, settings, rng) for target, conversation in targets.items()
        }
    sampling.cancel()
    return {"paced": paced, "saturation": saturation, "rasa_rss_peak_mb": sampler.peak}


def rows(paced: Sequence[Level], saturation: Dict[str, List[Level]]) -> List[Level]:
    """The table's rows: each paced level, then each target's sustained maximum."""
    return [*paced, *(best(steps) for steps in saturation.values())]


def render(paced: Sequence[Level], saturation: Dict[str, List[Level]]) -> str:
    """The results as one aligned plain-text table, with the gateway's overhead over Rasa at p50."""
    header = (f"{'target':<8} {'convs':>5} {'think':>6} {'sent':>6} {'ok':>6} {'err':>4} {'fallb':>5} "
              f"{'msg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'load':>5} {'gw p50 +':>8}")
    lines = [header]
    by_key = {(level.target, level.conversations, level.think_seconds > 0): level for level in rows(paced, saturation)}
    for level in rows(paced, saturation):
        think = f"{level.think_seconds:.0f} s" if level.think_seconds > 0 else "none"
        other = by_key.get((RASA, level.conversations, level.think_seconds > 0))
        ratio = f"{100 * overhead(level, other):+.0f}%" if level.target == GATEWAY and other is not None else ""
        lines.append(
            f"{level.target:<8} {level.conversations:>5} {think:>6} {level.sent:>6} {level.answered:>6} "
            f"{level.errors:>4} {level.fallbacks:>5} {level.throughput:>6.1f} {level.ms(0.5):>7.0f} "
            f"{level.ms(0.95):>7.0f} {level.ms(0.99):>7.0f} {level.load_average:>5.2f} {ratio:>8}"
        )
    return "\n".join(lines)


def targets(
    paced: Sequence[Level], saturation: Dict[str, List[Level]], rss_peak_mb: float, model_load: Optional[float] = None
) -> List[str]:
    """The performance targets on this 2-core machine, and whether this run met them."""
    checks = []
    at_20 = {level.target: level for level in paced if level.conversations == 20}
    if GATEWAY in at_20:
        checks.append(("p95 at 20 conversations (gateway)", f"{at_20[GATEWAY].ms(0.95):.0f} ms",
                       f"<= {TARGET_P95_MS_AT_20:.0f} ms", at_20[GATEWAY].ms(0.95) <= TARGET_P95_MS_AT_20))
    if GATEWAY in at_20 and RASA in at_20:
        ratio = overhead(at_20[GATEWAY], at_20[RASA])
        checks.append(("gateway overhead at p50, 20 conversations", f"{100 * ratio:+.0f}%",
                       f"<= {100 * TARGET_OVERHEAD:.0f}%", ratio <= TARGET_OVERHEAD))
    for target, steps in saturation.items():
        top = best(steps)
        checks.append((f"sustained throughput ({target}, x{top.conversations})", f"{top.throughput:.1f} msg/s",
                       f">= {TARGET_MESSAGES_PER_S:.0f}", top.throughput >= TARGET_MESSAGES_PER_S))
    if model_load is not None:
        checks.append(("Rasa model load (server log)", f"{model_load:.0f} s", f"<= {TARGET_MODEL_LOAD_S:.0f} s",
                       model_load <= TARGET_MODEL_LOAD_S))
    checks.append(("Rasa server peak RSS under load", f"{rss_peak_mb:.0f} MB", f"<= {TARGET_RSS_MB:.0f} MB",
                   rss_peak_mb <= TARGET_RSS_MB))
    return [f"  {name:<45} {value:>12}  target {bar:<10} {'met' if met else 'NOT met'}"
            for name, value, bar, met in checks]


def results_json(
    settings: Settings, measured: Dict[str, Any], ready_seconds: float, model_load: Optional[float] = None
) -> Dict[str, Any]:
    paced: List[Level] = measured["paced"]
    saturation: Dict[str, List[Level]] = measured["saturation"]
    return {
        "settings": asdict(settings),
        "machine": {"cpus": os.cpu_count(), "load_average_end": load_average()},
        "stack_ready_seconds": round(ready_seconds, 1),
        "rasa_model_load_seconds": model_load,
        "rasa_rss_peak_mb": round(measured["rasa_rss_peak_mb"], 1),
        "paced": [level.summary() for level in paced],
        "saturation": {target: [step.summary() for step in steps] for target, steps in saturation.items()},
    }


def settings_from(argv: Optional[List[str]]) -> Settings:
    env = os.environ.get
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m tools.bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default=env("HAVEN_BENCH_LEVELS", ",".join(map(str, defaults.levels))),
                        help="concurrent conversations of the paced levels, comma-separated")
    parser.add_argument("--level-seconds", type=float,
                        default=float(env("HAVEN_BENCH_LEVEL_S", defaults.level_seconds)))
    parser.add_argument("--think-seconds", type=float,
                        default=float(env("HAVEN_BENCH_THINK_S", defaults.think_seconds)),
                        help="mean pause between a survivor's messages at the paced levels")
    parser.add_argument("--step-seconds", type=float, default=float(env("HAVEN_BENCH_STEP_S", defaults.step_seconds)),
                        help="length of each saturation step")
    parser.add_argument("--max-concurrency", type=int,
                        default=int(env("HAVEN_BENCH_MAX_CONCURRENCY", defaults.max_concurrency)))
    args = parser.parse_args(argv)
    levels = tuple(int(value) for value in args.levels.split(",") if value.strip())
    return Settings(levels, args.level_seconds, args.think_seconds, args.step_seconds, args.max_concurrency)


def main(argv: Optional[List[str]] = None) -> int:
    settings = settings_from(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    shutil.rmtree(WORK, ignore_errors=True)
    load_at_start = load_average()
    started = time.monotonic()
    stack = start_stack(WORK, MODEL, STACK_ENV)
    ready_seconds = time.monotonic() - started
    model_load = model_load_seconds(stack.log.read_text(errors="replace"))
    try:
        measured = asyncio.run(measure(stack, settings))
    finally:
        stop_stack(stack)
    paced, saturation = measured["paced"], measured["saturation"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results_json(settings, measured, ready_seconds, model_load), indent=2) + "\n")
    print(f"\nLoad: the real stack on {os.cpu_count()} cores (load average {load_at_start:.2f} at start; "
          f"stack ready in {ready_seconds:.0f} s, Rasa's model load {model_load} s). "
          "Latency is the whole answer, sent to last reply.")
    print(render(paced, saturation))
    print("Targets:")
    print("\n".join(targets(paced, saturation, measured["rasa_rss_peak_mb"], model_load)))
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    failed = sum(level.errors for level in paced)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
