"""The floor plan (docs/architecture.md): the folder tree says which program runs a file, and imports run one way.

Read from the code's own imports (every `import` and `from ... import`, also those inside functions):
- gateway (`bot/gateway/`, `python -m bot`), assistant (`bot/assistant/`, inside Rasa) and actions (`actions/`)
  import only themselves and the shared domain (the rest of `bot/`), never each other;
- the shared domain imports none of them, and no Sanic, Rasa or TensorFlow at module level;
- nothing Haven ships imports the benchmarks and evaluation in `tools/`;
- no circle of imports between files, nor between packages.
"""

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

from bot.settings import ROOT

SOURCE_ROOTS = ("bot", "actions", "rasa_sdk_plugins", "tools")
PROGRAMS = {"bot.gateway": "gateway", "bot.assistant": "assistant", "actions": "actions", "tools": "tools"}
ENTRY_POINTS = {"bot.__main__": "gateway", "rasa_sdk_plugins": "actions"}
"""Modules outside a program's folder that only start that program."""
MAY_IMPORT = {
    "shared": {"shared"},
    "gateway": {"gateway", "shared"},
    "assistant": {"assistant", "shared"},
    "actions": {"actions", "shared"},
    "tools": {"tools", "gateway", "assistant", "actions", "shared"},
}
HEAVY_FRAMEWORKS = ("sanic", "rasa", "rasa_sdk", "tensorflow")
"""What the shared domain may not load at module level: each belongs to one program."""


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


def _modules() -> Dict[str, Module]:
    found = {}
    for root in SOURCE_ROOTS:
        for path in (ROOT / root).rglob("*.py"):
            if not (path.parent / "__init__.py").exists():
                continue  # Alembic's scripts (env.py, versions/) are run by Alembic, not imported
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = Module(name, path)
    return found


MODULES = _modules()


def _imported(module: Module, node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.package.split(".")
            base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
        yield base
        yield from (f"{base}.{alias.name}" for alias in node.names)


def _project_imports(module: Module) -> Set[str]:
    """The project modules `module` imports (a name imported from a package counts when it is a module)."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    names = {name for node in ast.walk(tree) for name in _imported(module, node)}
    return {name for name in names if name in MODULES and name != module.name}


EDGES = {name: _project_imports(module) for name, module in MODULES.items()}


def program(name: str) -> str:
    for prefix, which in {**ENTRY_POINTS, **PROGRAMS}.items():
        if name == prefix or name.startswith(prefix + "."):
            return which
    return "shared"


def room(name: str) -> str:
    """A module's package; a module directly in `bot/` (settings, risk, facts, ...) is a room of its own."""
    module = MODULES[name]
    return module.name if module.package == "bot" and not module.is_package else module.package


def _cycle(graph: Dict[str, Set[str]]) -> Optional[List[str]]:
    """One circle in `graph`, or None."""
    state: Dict[str, int] = {}
    path: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_floor_plan_finds_the_three_programs_and_the_shared_domain() -> None:
    programs = {program(name) for name in MODULES}
    assert programs == {"gateway", "assistant", "actions", "tools", "shared"}
    assert {"bot.gateway.app", "bot.assistant.tracker_store", "actions.find_services", "bot.risk"} <= set(MODULES)


@pytest.mark.parametrize("importer", sorted(MODULES))
def test_imports_run_one_way(importer: str) -> None:
    allowed = MAY_IMPORT[program(importer)]
    wrong = sorted(name for name in EDGES[importer] if program(name) not in allowed)
    assert not wrong, f"{importer} ({program(importer)}) imports {wrong}"


def test_no_circle_of_imports_between_files() -> None:
    assert _cycle(EDGES) is None, " -> ".join(_cycle(EDGES) or [])


def _room_graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = defaultdict(set)
    for importer, imported in EDGES.items():
        graph[room(importer)].update(room(name) for name in imported if room(name) != room(importer))
    return graph


def test_no_circle_of_imports_between_packages() -> None:
    graph = _room_graph()
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def _module_level_imports(module: Module) -> Iterator[Tuple[int, str]]:
    """Imports run when the module loads: top level, and inside top-level `try`/`if` (not TYPE_CHECKING)."""
    body = list(ast.parse(module.path.read_text(encoding="utf-8")).body)
    while body:
        node = body.pop(0)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.If | ast.Try):
            body.extend(ast.iter_child_nodes(node))  # type: ignore[arg-type]
        for name in _imported(module, node):
            yield node.lineno if hasattr(node, "lineno") else 0, name


@pytest.mark.parametrize("name", sorted(name for name in MODULES if program(name) == "shared"))
def test_the_shared_domain_loads_no_framework(name: str) -> None:
    loaded = [
        f"line {line}: {imported}"
        for line, imported in _module_level_imports(MODULES[name])
        if imported.split(".")[0] in HEAVY_FRAMEWORKS
    ]
    assert not loaded, f"{name} loads {loaded}"


def test_the_checks_would_see_a_backward_import_and_a_circle() -> None:
    """The rules above are only worth something if they can fail."""
    assert program("bot.gateway.chat.socket") == "gateway" and program("bot.staff.accounts") == "shared"
    assert "gateway" not in MAY_IMPORT["shared"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
