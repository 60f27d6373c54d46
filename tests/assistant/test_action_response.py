"""The Rasa server still refuses a malformed action server answer after the validator is built once."""

from typing import Any, Dict

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.assistant import action_response

GOOD: Dict[str, Any] = {
    "events": [{"event": "slot", "name": "location", "value": "SE15", "timestamp": None}],
    "responses": [{"text": "Here are services near SE15."}],
}
BAD = [
    {"events": [{"name": "location"}]},  # an event without its type
    {"events": [{"event": "slot", "name": "location", "value": "SE15"}], "responses": "not a list"},
    {"events": "not a list"},
    ["not", "an", "object"],
]


@pytest.fixture
def remote_action() -> RemoteAction:
    action_response.install()
    return RemoteAction("action_find_services", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_a_well_formed_answer_passes(remote_action: RemoteAction) -> None:
    assert action_response.validate_as_rasa_does(remote_action, GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_a_malformed_answer_is_refused_with_rasas_explanation(remote_action: RemoteAction, answer: Any) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_response.validate_as_rasa_does(remote_action, answer)


@pytest.mark.parametrize("answer", [GOOD, *BAD])
def test_the_verdict_is_the_one_jsonschema_validate_gives(answer: Any) -> None:
    schema = RemoteAction.action_response_format_spec()
    try:
        jsonschema.validate(answer, schema)
        expected = None
    except ValidationError as error:
        expected = error.message
    found = action_response.response_validator().iter_errors(answer)
    best = jsonschema.exceptions.best_match(found)
    assert (best.message if best is not None else None) == expected


def test_installing_twice_changes_nothing() -> None:
    action_response.install()
    action_response.install()
    assert action_response.installed_validator() is action_response.validate_action_result
