"""scripts/run after the move to one database setting: an old configuration stops with a clear message
instead of silently storing conversations somewhere else."""

import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("old", ["HAVEN_TRACKER_DB", "HAVEN_TRACKER_DIALECT"])
def test_the_old_tracker_settings_are_refused_with_the_new_name(old: str) -> None:
    env = {**os.environ, old: "var/haven.db"}
    run = subprocess.run([str(ROOT / "scripts" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "replaced by one setting, HAVEN_DATABASE_URL" in run.stderr
