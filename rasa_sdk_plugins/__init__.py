"""rasa_sdk's plugin package: rasa_sdk imports `rasa_sdk_plugins` and calls `init_hooks` when it starts
the action server. Haven's plugin lets only Rasa call the actions (actions/guard.py)."""

from actions.guard import init_hooks

__all__ = ["init_hooks"]
