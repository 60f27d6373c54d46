"""Reading the Rasa server's model load time from the stack's log, as the load benchmark reports it."""

from tools.bench.stack import model_load_seconds

LOG = """2026-11-21 23:28:28 INFO     rasa_sdk.endpoint  - Action endpoint is up and running on http://127.0.0.1:57205
2026-11-21 23:28:31 INFO     rasa.core.processor  - Loading model /work/wt-perf/models/haven.tar.gz...
2026-11-21 23:28:38 INFO     rasa.nlu.utils.spacy_utils  - Trying to load SpaCy model with name 'var/spacy/haven_en'.
[2026-11-21 23:29:40 +0000] [27468] [INFO] connection open
2026-11-21 23:29:51 INFO     root  - Rasa server is up and running.
"""


def test_model_load_is_from_loading_the_model_to_serving() -> None:
    assert model_load_seconds(LOG) == 80.0


def test_a_log_without_the_server_up_has_no_figure() -> None:
    assert model_load_seconds(LOG.replace("Rasa server is up and running", "Rasa server failed")) is None
    assert model_load_seconds("") is None
