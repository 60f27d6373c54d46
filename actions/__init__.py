"""Haven's custom Rasa actions (served by `rasa run actions`), which only Rasa may call: loading them fails
unless rasa_sdk will attach the guard (actions/guard.py), so the action server never serves them unguarded."""

from actions.guard import require_guard

require_guard()
