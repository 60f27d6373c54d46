"""The widget's script as the gateway serves it: the helpline sentence comes from the facts file."""

import requests

from bot.facts import national_helpline
from bot.gateway.app import WIDGET_SCRIPT


def test_the_served_widget_gives_the_helpline_from_the_facts_file(gateway: str) -> None:
    """One source for the number: the gateway fills the widget's helpline sentence from helplines.csv."""
    served = requests.get(gateway + "/widget/haven-widget.js", timeout=10)
    assert served.ok and served.headers["Content-Type"].startswith("text/javascript")
    assert "{{HELPLINE}}" not in served.text
    assert f"on {national_helpline().number}. In an emergency, call 999." in served.text
    source = WIDGET_SCRIPT.read_text(encoding="utf-8")
    assert national_helpline().number not in source, "the source keeps no second copy of the number"
