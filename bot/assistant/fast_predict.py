"""Calls the traced TensorFlow graph of Rasa's classifiers directly, for each message's prediction.

Rasa wraps DIET's and the response selector's prediction in a `tf.function` with a fixed input
signature, and calls it once per message with about thirty arrays. On every call TensorFlow 2.12
derives a type for that whole input and matches it against the signature before it runs the graph,
and that matching cost more than the graph itself: a tenth of the Rasa server's CPU at saturation
(py-spy, docs/performance.md). The graph, traced once, is the same on every call, so after Rasa's
first prediction this calls it directly with the arrays as tensors (`ConcreteFunction._call_flat`,
the call TensorFlow makes in the end). Predictions are identical (tests/assistant/test_fast_predict.py).
"""

import logging
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

Outputs = Dict[str, Union[np.ndarray, Dict[str, Any]]]
RasaPredict = Callable[[RasaModel, Tuple[np.ndarray, ...]], Outputs]

RASA_PREDICT: RasaPredict = RasaModel._rasa_predict
"""Rasa's own `_rasa_predict`, kept before `install()` replaces it."""


class _TracedGraph:
    """The one concrete graph of a model's prediction step, called with flat tensors."""

    def __init__(self, predict_step: Any) -> None:
        self.graph = predict_step.get_concrete_function()
        [self.specs] = predict_step.input_signature

    def fits(self, batch_in: Tuple[np.ndarray, ...]) -> bool:
        return len(batch_in) == len(self.specs)

    def __call__(self, batch_in: Tuple[np.ndarray, ...]) -> Any:
        tensors: List[tf.Tensor] = [
            tf.convert_to_tensor(array, dtype=spec.dtype) for array, spec in zip(batch_in, self.specs, strict=True)
        ]
        return self.graph._call_flat(tensors, self.graph.captured_inputs)


class DirectPredict:
    """Rasa's `RasaModel._rasa_predict`, calling each model's traced graph directly once there is one."""

    def __init__(self, rasa_predict: RasaPredict) -> None:
        self.rasa_predict = rasa_predict
        self.graphs: "weakref.WeakKeyDictionary[RasaModel, _TracedGraph]" = weakref.WeakKeyDictionary()

    def __call__(self, model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Outputs:
        graph = self.graphs.get(model)
        if graph is None or model._run_eagerly or not graph.fits(batch_in):
            return self._as_rasa_does(model, batch_in)
        outputs: Outputs = tf_utils.sync_to_numpy_or_python_type(graph(batch_in))
        if DIAGNOSTIC_DATA in outputs:
            outputs[DIAGNOSTIC_DATA] = model._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
        return outputs

    def _as_rasa_does(self, model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Outputs:
        outputs = self.rasa_predict(model, batch_in)  # traces the graph on a model's first call
        if model._tf_predict_step is not None and not model._run_eagerly:
            self.graphs[model] = _TracedGraph(model._tf_predict_step)
        return outputs


_direct_predict: Optional[DirectPredict] = None


def installed_predict() -> RasaPredict:
    """The prediction Rasa's classifiers call now: Rasa's own `RASA_PREDICT`, or the direct call once
    `install()` has run."""
    return RasaModel._rasa_predict


def installed_direct_predict() -> Optional[DirectPredict]:
    """The direct call `install()` routed Rasa's predictions through; None before it has run."""
    return _direct_predict


def install() -> None:
    """Routes Rasa's prediction calls through the direct call (once per process)."""
    global _direct_predict
    if _direct_predict is None:
        _direct_predict = DirectPredict(RASA_PREDICT)
        direct_predict = _direct_predict

        def _rasa_predict(model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Outputs:
            return direct_predict(model, batch_in)

        RasaModel._rasa_predict = _rasa_predict
        logger.debug("Rasa's classifiers call their traced graphs directly.")
