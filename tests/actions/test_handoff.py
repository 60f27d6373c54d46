"""Asking for a person never gets a false promise."""

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestHandoff
from tests.actions.conftest import make_tracker


async def test_handoff_says_honestly_that_live_chat_is_unavailable(dispatcher: CollectingDispatcher) -> None:
    events = await ActionRequestHandoff().run(dispatcher, make_tracker(intent="request_human"), {})
    assert events == []
    assert dispatcher.messages[0]["response"] == "utter_handoff_unavailable"
