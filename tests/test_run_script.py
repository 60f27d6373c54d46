"""scripts/run after the move to one database setting: a configuration it can't translate stops with a
clear message instead of silently storing conversations somewhere else."""

import os
import subprocess

from tests.conftest import ROOT


def test_an_old_non_sqlite_tracker_setting_is_refused_with_the_new_name() -> None:
    env = {**os.environ, "HAVEN_TRACKER_DIALECT": "postgresql", "HAVEN_TRACKER_DB": "haven"}
    env.pop("HAVEN_DATABASE_URL", None)
    run = subprocess.run([str(ROOT / "scripts" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "replaced by one setting, HAVEN_DATABASE_URL" in run.stderr
