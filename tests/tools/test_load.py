"""The load benchmark's own logic: pacing, saturation, percentiles and the table the charity reads.

No timing is asserted here: figures come only from `make bench`.
"""

import random
from typing import Dict, List

import pytest

from tools.bench.client import Turn
from tools.bench.load import (
    GATEWAY,
    RASA,
    Level,
    Settings,
    best,
    concurrency_steps,
    overhead,
    render,
    results_json,
    saturated,
    settings_from,
    targets,
    think_time,
)


def level(target: str, conversations: int, latencies_ms: List[float], think: float = 5.0) -> Level:
    measured = Level(target, conversations, think, seconds=10.0, load_average=1.5)
    for ms in latencies_ms:
        measured.record(Turn(seconds=ms / 1000, answers=["an answer"]))
    return measured


def test_think_time_stays_within_half_and_one_and_a_half_of_the_mean() -> None:
    rng = random.Random(1)
    pauses = [think_time(rng, 4.0) for _ in range(2000)]
    assert 2.0 <= min(pauses) < 2.2 and 5.8 < max(pauses) <= 6.0
    assert 3.8 < sum(pauses) / len(pauses) < 4.2


def test_no_think_time_at_saturation() -> None:
    assert think_time(random.Random(1), 0.0) == 0.0


@pytest.mark.parametrize(
    "throughputs, expected",
    [
        ([10.0], False),
        ([10.0, 9.0], False),  # one flat step is not enough on a shared machine
        ([10.0, 19.0, 19.5], False),
        ([10.0, 19.0, 19.5, 18.0], True),  # two steps without 5% over the best: saturated
        ([10.0, 19.0, 19.5, 25.0], False),
        ([10.0, 9.0, 25.0], False),  # a dip, then rising again
        ([10.0, 30.0, 20.0, 31.0], True),  # +3% over the best so far, not over the previous step
    ],
)
def test_saturation_is_when_doubling_twice_stops_adding_throughput(throughputs: List[float], expected: bool) -> None:
    assert saturated(throughputs) is expected


def test_concurrency_doubles_up_to_the_limit() -> None:
    assert concurrency_steps(64) == [1, 2, 4, 8, 16, 32, 64]
    assert concurrency_steps(20) == [1, 2, 4, 8, 16]


def test_errors_and_fallbacks_are_counted_and_errors_kept_out_of_latency() -> None:
    measured = level(GATEWAY, 1, [100.0, 200.0])
    measured.record(Turn(seconds=40.0, error="timeout"))
    measured.record(Turn(seconds=3.5, answers=["an answer"], fallbacks=1))
    assert (measured.sent, measured.answered, measured.errors, measured.fallbacks) == (4, 3, 1, 1)
    assert measured.ms(0.99) == 3500.0
    assert measured.throughput == pytest.approx(0.3)


def test_a_turn_with_only_the_gateways_fallback_is_not_answered() -> None:
    measured = level(GATEWAY, 1, [])
    measured.record(Turn(seconds=3.1, fallbacks=1))
    assert measured.answered == 0 and measured.fallbacks == 1


def test_the_sustained_maximum_is_the_best_step() -> None:
    steps = [level(RASA, 1, [50.0] * 100), level(RASA, 2, [50.0] * 300), level(RASA, 4, [50.0] * 250)]
    assert best(steps).conversations == 2


def test_overhead_is_the_gateways_extra_latency_over_rasas() -> None:
    gateway = level(GATEWAY, 20, [110.0, 120.0, 130.0])
    rasa = level(RASA, 20, [100.0, 100.0, 100.0])
    assert overhead(gateway, rasa) == pytest.approx(0.20)


def saturation() -> Dict[str, List[Level]]:
    return {
        GATEWAY: [level(GATEWAY, 1, [80.0] * 100, think=0.0), level(GATEWAY, 2, [90.0] * 150, think=0.0)],
        RASA: [level(RASA, 1, [70.0] * 120, think=0.0), level(RASA, 2, [75.0] * 160, think=0.0)],
    }


def test_the_table_has_every_level_both_targets_and_the_gateway_overhead() -> None:
    paced = [level(GATEWAY, 20, [110.0] * 50), level(RASA, 20, [100.0] * 50)]
    lines = render(paced, saturation()).splitlines()
    assert lines[0].split()[:3] == ["target", "convs", "think"]
    assert len(lines) == 1 + 2 + 2  # header, the paced pair, each target's best saturation step
    gateway_paced = lines[1].split()
    assert gateway_paced[:3] == ["gateway", "20", "5"] and gateway_paced[-1] == "+10%"
    assert lines[2].split()[0] == "rasa" and "%" not in lines[2]
    assert lines[3].split()[:3] == ["gateway", "2", "none"] and lines[3].split()[-1] == "+20%"
    assert "1.50" in lines[1]  # the load average beside every figure


def test_targets_say_which_are_met() -> None:
    paced = [level(GATEWAY, 20, [300.0] * 50), level(RASA, 20, [100.0] * 50)]
    report = "\n".join(targets(paced, saturation(), rss_peak_mb=1100.0, model_load=80.0))
    assert "p95 at 20 conversations (gateway)" in report and "300 ms" in report
    lines = {line.split("  ")[1].strip(): line for line in report.splitlines()}
    assert lines["p95 at 20 conversations (gateway)"].endswith("NOT met")
    assert lines["Rasa server peak RSS under load"].endswith(" met") and "NOT" not in lines[
        "Rasa server peak RSS under load"
    ]
    assert "15.0 msg/s" in lines["sustained throughput (gateway, x2)"]
    assert "80 s" in lines["Rasa model load (server log)"] and lines["Rasa model load (server log)"].endswith("NOT met")


def test_results_json_has_percentiles_but_not_raw_latencies() -> None:
    paced = [level(GATEWAY, 1, [100.0, 200.0, 300.0])]
    data = results_json(Settings(), {"paced": paced, "saturation": saturation(), "rasa_rss_peak_mb": 900.0}, 42.0)
    first = data["paced"][0]
    assert (first["p50_ms"], first["p99_ms"], first["messages_per_s"]) == (200.0, 300.0, 0.3)
    assert "latencies" not in first
    assert [step["conversations"] for step in data["saturation"][RASA]] == [1, 2]


def test_settings_come_from_arguments_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_BENCH_LEVELS", "2,4")
    monkeypatch.setenv("HAVEN_BENCH_LEVEL_S", "5")
    settings = settings_from(["--think-seconds", "1.5"])
    assert settings.levels == (2, 4) and settings.level_seconds == 5.0 and settings.think_seconds == 1.5
    assert settings_from(["--levels", "1"]).levels == (1,)
