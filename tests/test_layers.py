"""The package's import structure: no import cycles, and no import runs up a layer.

Every module under server/backprop_playground is parsed with `ast`; every import counts, at the top or
inside a function (a lazy import hides a cycle from Python, not from this test), relative ones resolved.
Layers go by directory, so new modules and subpackages fall in place (docs/architecture.md, "Layers", keeps
the same table):

    engine/   0  imports nothing else of the package
    nets/     1  imports engine
    service   2  every other top-level module and subpackage (app, hub, wire, ...): imports nets and engine
    api/      3  imports everything below; only the service's app.py imports api (it wires the routers),
                 and api never imports app.py

`KNOWN_CYCLE_EDGES` and `KNOWN_UPWARD` list the exceptions that exist today, edge by edge, each with what it
is waiting for. They can only shrink: an entry that is no longer needed fails the test, so remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "backprop_playground"
ROOT = Path(__file__).resolve().parent.parent / "server" / PACKAGE
LAYERS = {"engine": 0, "nets": 1, "api": 3}
SERVICE = 2
NAMES = {0: "engine", 1: "nets", 2: "service", 3: "api"}
WIRING = f"{PACKAGE}.app"  # the one service module that imports api

# Imports that close a cycle today, in modules being reorganised elsewhere: (importer, imported) -> why.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}
# Imports that run up a layer today: (importer, imported) -> why.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def resolve(name: str, known) -> str | None:
    """The package module `name` names: itself, or its longest known prefix (`pkg.mod.attr` -> `pkg.mod`)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(name: str, path: Path, known) -> set[str]:
    """Package modules that module `name` imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                module = resolve(target, known)
                if module and module != name:
                    found.add(module)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], SERVICE) if len(parts) > 1 else SERVICE


def upward(src: str, dst: str) -> bool:
    if src == WIRING and layer(dst) == LAYERS["api"]:
        return False
    return layer(dst) > layer(src) or (layer(src) == LAYERS["api"] and dst == WIRING)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def without(graph, edges) -> dict[str, set[str]]:
    return {src: {dst for dst in dsts if (src, dst) not in edges} for src, dsts in graph.items()}


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_parser_sees_the_imports_it_must(graph):
    """Guards the test itself: relative, function-level and `from package import module` forms resolve."""
    assert f"{PACKAGE}.engine.ops.table" in graph[f"{PACKAGE}.engine.ops.math"]  # from .table import
    assert f"{PACKAGE}.engine.kernels" in graph[f"{PACKAGE}.engine.ops.math"]  # from ..kernels import
    assert f"{PACKAGE}.engine.kernels" in graph[f"{PACKAGE}.nets.expressions.sizes"]  # inside a method
    assert {f"{PACKAGE}.engine.ops.math", f"{PACKAGE}.engine.ops.nn"} <= graph[f"{PACKAGE}.engine.ops"]
    assert f"{PACKAGE}.api" in graph[WIRING] or any(m.startswith(f"{PACKAGE}.api.") for m in graph[WIRING])


def test_no_import_cycles(graph):
    cycle = find_cycle(without(graph, KNOWN_CYCLE_EDGES))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_runs_up_a_layer(graph):
    bad = sorted((src, dst) for src, dsts in graph.items() for dst in dsts
                 if upward(src, dst) and (src, dst) not in KNOWN_UPWARD)
    assert not bad, "imports that run up a layer:\n" + "\n".join(
        f"  {src} ({NAMES[layer(src)]}) imports {dst} ({NAMES[layer(dst)]})" for src, dst in bad)


def test_known_exceptions_are_still_needed(graph):
    """Each listed edge must still exist and still be a problem; remove the entries that are not."""
    stale = [f"{e} no longer imported" for e in [*KNOWN_CYCLE_EDGES, *KNOWN_UPWARD]
             if e[1] not in graph.get(e[0], ())]
    others = without(graph, KNOWN_CYCLE_EDGES)
    for src, dst in KNOWN_CYCLE_EDGES:
        if dst in graph.get(src, ()) and find_cycle({**others, src: others[src] | {dst}}) is None:
            stale.append(f"{(src, dst)} closes no cycle any more")
    stale += [f"{e} runs up no layer any more" for e in KNOWN_UPWARD
              if e[1] in graph.get(e[0], ()) and not upward(*e)]
    assert not stale, "\n".join(stale)
