"""The widget's files: small, traceless, self-contained, and discreet (shared/DESIGN.md principle 2)."""

import gzip
import re
from pathlib import Path

import pytest

from bot.gateway.app import STATIC_DIR, demo_page
from bot.settings import Settings

WIDGET_JS = STATIC_DIR / "haven-widget.js"
WIDGET_CSS = STATIC_DIR / "haven-widget.css"
SIZE_BUDGET_GZIPPED = 40 * 1024
FORBIDDEN_STORAGE = ("localStorage", "document.cookie", "indexedDB", "serviceWorker", "caches.open")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_widget_fits_its_size_budget() -> None:
    size = len(gzip.compress(WIDGET_JS.read_bytes() + WIDGET_CSS.read_bytes(), compresslevel=9))
    assert size <= SIZE_BUDGET_GZIPPED, f"{size} bytes gzipped"


@pytest.mark.parametrize("api", FORBIDDEN_STORAGE)
def test_widget_leaves_nothing_on_the_device_but_session_storage(api: str) -> None:
    assert api not in _read(WIDGET_JS)


def _without_comments(text: str) -> str:
    return re.sub(r"^\s*//.*$", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S), flags=re.M)


def test_widget_loads_nothing_from_third_parties() -> None:
    for path in STATIC_DIR.iterdir():
        text = _without_comments(_read(path))
        urls = set(re.findall(r"https?://[^\s'\")]+", text)) - {"https://www.bbc.co.uk/weather"}
        assert not {url for url in urls if not url.startswith("http://www.w3.org/")}, path.name
        assert "@import" not in text and "fonts.googleapis" not in text, path.name


def test_demo_page_has_no_inline_script_or_style_and_a_neutral_title() -> None:
    page = demo_page(Settings(exit_url='https://weather.example/?a=1&b="2"'))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<style" not in page and " style=" not in page and "onclick" not in page.lower()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None and "abuse" not in title.group(1).lower()
    assert 'data-exit-url="https://weather.example/?a=1&amp;b=&quot;2&quot;"' in page
    assert "data-haven-exit" in page


def test_nothing_in_the_widget_says_abuse_where_it_could_show() -> None:
    script = _read(WIDGET_JS)
    assert not re.search(r"document\.title\s*=\s*['\"][^'\"]*abuse", script, re.I)
    assert "Notification" not in script and "Audio(" not in script

