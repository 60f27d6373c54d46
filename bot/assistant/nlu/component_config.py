"""Checks shared by the project's Rasa components on what config.yml gives them."""

from typing import Any, Dict, Text


def require_names(config: Dict[Text, Any], key: str, component: str, what: str) -> None:
    """Refuses anything under `key` but a non-empty list of non-empty names: a typo or an empty list
    would otherwise make the component silently do nothing."""
    names = config.get(key)
    if not isinstance(names, list) or not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"{component} needs a non-empty list of {what} in '{key}'.")
