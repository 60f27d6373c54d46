"""The JavaScript lint (`make lint-js`, run by `make test`) covers every script Haven serves, from pinned tools."""

import json
import re
from typing import Dict, List

from bot.settings import ROOT


def _makefile_variable(name: str) -> str:
    match = re.search(rf"^{name} := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match is not None, f"Makefile has no {name}"
    return match.group(1).strip()


def _recipe(target: str) -> List[str]:
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_every_served_script_is_in_a_linted_folder() -> None:
    linted = {ROOT / folder for folder in _makefile_variable("JS_DIRS").split()}
    scripts = sorted(path for path in (ROOT / "bot").rglob("*.js"))
    assert scripts, "no JavaScript found under bot/"
    assert [path.relative_to(ROOT) for path in scripts if path.parent not in linted] == []
    config = (ROOT / "eslint.config.mjs").read_text(encoding="utf-8")
    for folder in linted:
        assert f"'{folder.relative_to(ROOT)}/*.js'" in config, f"eslint.config.mjs has no files entry for {folder}"


def test_make_test_runs_the_linter_after_ruff_and_mypy_without_fetching_anything() -> None:
    assert "npx --no-install eslint" in _makefile_variable("ESLINT")
    recipe = _recipe("test")
    assert recipe.index("$(ESLINT) $(JS_DIRS)") > recipe.index("$(PY) -m mypy bot actions tools tests")
    assert recipe.index("$(ESLINT) $(JS_DIRS)") < recipe.index("$(PY) -m pytest")
    assert _recipe("lint-js") == ["$(ESLINT) $(JS_DIRS)"]


def test_eslint_is_pinned_exactly_and_locked() -> None:
    pins: Dict[str, str] = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    assert "eslint" in pins
    assert {name: version for name, version in pins.items() if not re.fullmatch(r"\d+\.\d+\.\d+", version)} == {}
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"] == pins
    assert {name: lock["packages"][f"node_modules/{name}"]["version"] for name in pins} == pins
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "node_modules/" in ignored
