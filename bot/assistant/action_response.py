"""Checking the action server's answers in the Rasa server once per schema, not once per call.

Rasa 3.6 validates every action server response with `jsonschema.validate(result, schema)`, which
first checks the (constant) schema itself against JSON Schema's meta-schema: under load that was 12%
of the Rasa server's CPU (py-spy, docs/performance.md), for a check whose answer never changes. This
builds the validator once and checks each response with it: the same schema, the same errors (Rasa's
message about the action server's response format included), a fraction of the work.

Installed in the Rasa server process by the tracker store (bot/assistant/tracker_store.py), the first
Haven code Rasa loads there.
"""

import logging
from functools import lru_cache
from typing import Any, Callable, Dict, Text

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)

FORMAT_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
    f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
)
"""Rasa's own words on a bad response, so its logs read the same."""


@lru_cache(maxsize=1)
def response_validator() -> Validator:
    """A validator for Rasa's action response schema, the schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(_: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once; raises ValidationError."""
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += FORMAT_HINT
        raise error
    return True


def installed_validator() -> Callable[[RemoteAction, Dict[Text, Any]], bool]:
    """The function every RemoteAction in this process checks responses with now: Rasa's own, or
    `validate_action_result` once `install()` has run."""
    return RemoteAction._validate_action_result


def validate_as_rasa_does(action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Checks `result` the way `action` checks its action server's answer, through whatever validator is
    installed; raises ValidationError."""
    return action._validate_action_result(result)


def install() -> None:
    """Makes every RemoteAction in this process use the prebuilt validator (calling it again changes nothing)."""
    if installed_validator() is not validate_action_result:
        RemoteAction._validate_action_result = validate_action_result
        logger.debug("Action server responses are validated with a prebuilt validator.")

