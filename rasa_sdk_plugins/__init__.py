"""rasa_sdk's plugin package: rasa_sdk imports `rasa_sdk_plugins` and calls `init_hooks` when it starts
the action server. Haven's plugin lets only Rasa call the actions (bot/action_guard.py)."""

from bot.action_guard import init_hooks

__all__ = ["init_hooks"]
