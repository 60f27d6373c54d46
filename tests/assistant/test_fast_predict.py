"""The direct call into the classifiers' traced graphs gives exactly Rasa's own predictions."""

from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel

from bot.assistant import fast_predict
from bot.settings import ROOT

HELD_OUT = ROOT / "tests" / "nlu_test.yml"
MESSAGES = 120


def _held_out_texts() -> List[str]:
    examples = load_data(str(HELD_OUT)).training_examples
    return [example.get("text") for example in examples[:: max(1, len(examples) // MESSAGES)]]


async def _predictions(agent: Agent, texts: List[str]) -> List[Tuple[Any, ...]]:
    """Every score a message's parse holds: intents ranked, and the answers ranked."""
    predictions = []
    for text in texts:
        parsed: Dict[str, Any] = await agent.parse_message(text)
        selected = parsed.get("response_selector", {}).get("default", {})
        predictions.append((
            [(item["name"], item["confidence"]) for item in parsed["intent_ranking"]],
            [(item["intent_response_key"], item["confidence"]) for item in selected.get("ranking", [])],
            selected.get("response", {}).get("utter_action"),
        ))
    return predictions


async def test_direct_calls_predict_exactly_what_rasa_predicts(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own path first (even if a tracker store in this process installed the direct one)."""
    texts = _held_out_texts()
    monkeypatch.setattr(RasaModel, "_rasa_predict", fast_predict.RASA_PREDICT)
    as_rasa_predicts = await _predictions(agent, texts)
    direct = fast_predict.DirectPredict(fast_predict.RASA_PREDICT)
    direct_calls: List[int] = []

    def _counted(model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Any:
        direct_calls.append(int(model in direct.graphs))
        return direct(model, batch_in)

    monkeypatch.setattr(RasaModel, "_rasa_predict", _counted)
    assert await _predictions(agent, texts) == as_rasa_predicts
    assert sum(direct_calls) >= len(direct_calls) - 2, "after each classifier's first call, all go direct"


def test_installing_twice_wraps_rasa_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_predict, "_direct_predict", None)
    monkeypatch.setattr(RasaModel, "_rasa_predict", fast_predict.RASA_PREDICT)
    fast_predict.install()
    installed = fast_predict.installed_predict()
    fast_predict.install()
    assert fast_predict.installed_predict() is installed is not fast_predict.RASA_PREDICT
    direct = fast_predict.installed_direct_predict()
    assert direct is not None
    assert direct.rasa_predict is fast_predict.RASA_PREDICT
