"""A custom action that hangs or fails ends within seconds, in a kind message with the helpline.

Rasa waits up to 300 s (its DEFAULT_REQUEST_TIMEOUT, not configurable in endpoints.yml) for the action server.
One that accepted the connection and never answered held the conversation's lock that long: every later
message in the chat waited behind it and got only the gateway's fallback. Each call to the action server
(`RemoteAction.run`: the custom actions and the safety-plan form's validation) now gives up after
HAVEN_ACTION_TIMEOUT_S (8 s by default, bot/settings.py) and fails as a refused connection does, so the turn
ends and the lock is free for the survivor's next message.

When an action fails (the action server hangs, is down or answers with an error), Rasa logs it, drops the
action's events and carries on as if the action had done its work: the survivor got no answer, or half of
one (the safety plan's introduction, then an empty plan's summary from a second call to the same broken
action server). Every action Rasa's processor runs now ends such a turn instead: sorry, with the helpline
and 999, then Rasa listens (a FollowupAction, Rasa's own way to choose the next action), so the survivor's
next message is answered as usual. A form declining a message (ActionExecutionRejection) is Rasa's normal
flow, not a failure, and is left alone.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, List, Text

from rasa.core.actions.action import Action, ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.settings import Settings
from bot.wording import helpline_line

logger = logging.getLogger(__name__)

RemoteRun = Callable[[RemoteAction, OutputChannel, NaturalLanguageGenerator, DialogueStateTracker, Domain],
                     Awaitable[List[Event]]]
RunAction = Callable[..., Awaitable[bool]]

RASA_REMOTE_RUN: RemoteRun = RemoteAction.run
"""Rasa's own `RemoteAction.run`, kept before `install()` bounds it."""
RASA_RUN_ACTION: RunAction = MessageProcessor._run_action
"""Rasa's own `MessageProcessor._run_action`, kept before `install()` wraps it."""


class ActionTimeoutError(RasaException):
    """The action server did not answer within HAVEN_ACTION_TIMEOUT_S."""


def failed_action_text() -> str:
    """What a survivor reads when an action failed: sorry, and a person to talk to now."""
    return f"Sorry, something went wrong on my side and I couldn't finish that just now. {helpline_line()}"


def time_limited(run: RemoteRun, limit_s: float) -> RemoteRun:
    """`run` (RemoteAction.run), given up with ActionTimeoutError after `limit_s` seconds."""

    async def run_within_limit(
        action: RemoteAction,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> List[Event]:
        try:
            return await asyncio.wait_for(run(action, output_channel, nlg, tracker, domain), limit_s)
        except asyncio.TimeoutError as error:
            raise ActionTimeoutError(
                f"The action server did not finish '{action.name()}' within {limit_s:g} s (HAVEN_ACTION_TIMEOUT_S)."
            ) from error

    return run_within_limit


class KindWhenFailing(Action):
    """`action` as the processor runs it, except that a failure ends the turn with `failed_action_text`."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def name(self) -> Text:
        return self.action.name()

    def event_for_successful_execution(self, prediction: PolicyPrediction) -> ActionExecuted:
        return self.action.event_for_successful_execution(prediction)

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> List[Event]:
        try:
            return await self.action.run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception:  # what Rasa's processor catches too; it would drop the events and say nothing
            logger.exception("The action '%s' failed; the survivor was told and given the helpline.", self.name())
            return [create_bot_utterance({"text": failed_action_text()}), FollowupAction(ACTION_LISTEN_NAME)]


async def run_action_kindly(processor: MessageProcessor, action: Action, *args: Any, **kwargs: Any) -> bool:
    """`MessageProcessor._run_action` with `action` failing kindly; Rasa's own does the rest."""
    return await RASA_RUN_ACTION(processor, KindWhenFailing(action), *args, **kwargs)


def install() -> None:
    """Bounds every action server call by HAVEN_ACTION_TIMEOUT_S and makes every failed action answer kindly
    (calling it again changes nothing)."""
    if RemoteAction.run is RASA_REMOTE_RUN:
        limit_s = Settings.from_env().action_timeout_s
        RemoteAction.run = time_limited(RASA_REMOTE_RUN, limit_s)
        logger.debug("Action server calls are given up after %g s.", limit_s)
    if MessageProcessor._run_action is RASA_RUN_ACTION:
        MessageProcessor._run_action = run_action_kindly
        logger.debug("A failed action answers with the helpline.")
