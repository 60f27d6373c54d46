"""The server-side secret of conversation references: HAVEN_AUDIT_SECRET, or a file made once, readable by
its owner only, and the same for every process that starts at the same moment."""

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.staff.references import KEY_VARIABLE, load_key


def test_the_configured_secret_comes_first(tmp_path: Path) -> None:
    assert load_key({KEY_VARIABLE: " configured "}, tmp_path / "audit-secret") == b"configured"
    assert not (tmp_path / "audit-secret").exists()


def test_without_one_a_secret_file_is_made_once_for_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit-secret"
    first = load_key({}, path)
    assert len(first) >= 32 and load_key({}, path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [entry.name for entry in path.parent.iterdir()] == ["audit-secret"], "no draft left behind"


def test_processes_starting_at_once_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "audit-secret"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_key({}, path), range(32)))
    assert len(keys) == 1


def test_an_empty_secret_file_is_refused_rather_than_used(tmp_path: Path) -> None:
    path = tmp_path / "audit-secret"
    path.write_text("\n")
    with pytest.raises(ValueError, match="is empty"):
        load_key({}, path)
