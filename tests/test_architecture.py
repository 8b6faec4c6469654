"""The package's layers only point down (docs/architecture.md).

Every module's imports of melian modules (module level, inside functions and under
``TYPE_CHECKING`` alike) are read with :mod:`ast`; each module is mapped to its layer; the test
fails on an import of a higher layer, on an import cycle between sub-packages or between modules,
and on an import of a melian module inside a function that is not marked as a documented lazy
import (``# lazy: <reason>`` on the line or the line above).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "melian"

#: The layers, bottom first (docs/architecture.md). A module may import its own layer's other
#: parts (without cycles) and any lower layer, never a higher one.
LAYERS: list[set[str]] = [
    {"_version", "errors", "util", "jsonio", "reprs", "limits", "data", "i18n"},
    {"scenario"},
    {"bargaining", "games", "world", "manifest"},
    {"io", "explore", "decide", "advise"},
    {"brief", "store", "ledger", "sealing"},
    {"analysis"},
    {"cli", "web", "__main__", "__init__"},
]


def layer_of(part: str) -> int:
    """The layer of a top-level part of the package (``bargaining``, ``cli``, ``jsonio`` ...)."""
    for k, names in enumerate(LAYERS):
        if part in names:
            return k
    raise AssertionError(f"melian.{part} is in no layer: add it to LAYERS and docs/architecture.md")


@dataclass(frozen=True)
class Import:
    """One import statement of a melian module."""

    source: str
    target: str
    line: int
    in_function: bool
    lazy_marked: bool


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def resolve(name: str) -> str:
    """The module an imported dotted name refers to (``pkg.name`` where that is a module)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def lazy_marked(lines: list[str], lineno: int) -> bool:
    """Whether the import at ``lineno`` (1-based) is marked ``# lazy: <reason>``: on its line,
    or on a comment line just above the block of consecutive import lines it belongs to."""
    k = lineno - 1
    if "# lazy:" in lines[k]:
        return True
    while k > 0 and lines[k - 1].strip().startswith(("from ", "import ")):
        k -= 1
        if "# lazy:" in lines[k]:
            return True
    return k > 0 and lines[k - 1].strip().startswith("# lazy:")


def imports_of(mod: str, path: Path) -> list[Import]:
    """Every import of a melian module in ``path``."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    tree = ast.parse(src)
    is_pkg = path.name == "__init__.py"
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    out: list[Import] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        in_fn = False
        q: ast.AST = node
        while q in parents:
            q = parents[q]
            if isinstance(q, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                in_fn = True
        marked = lazy_marked(lines, node.lineno)
        for t in targets:
            if t == "melian" or t.startswith("melian."):
                target = resolve(t)
                if target in MODULES and target != mod:
                    out.append(Import(mod, target, node.lineno, in_fn, marked))
    return out


IMPORTS = [imp for mod, path in MODULES.items() for imp in imports_of(mod, path)]


def part(mod: str) -> str:
    """Top-level part of a module: ``melian.brief.render`` -> ``brief``; ``melian`` -> __init__."""
    bits = mod.split(".")
    return bits[1] if len(bits) > 1 else "__init__"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_every_part_has_a_layer() -> None:
    for mod in MODULES:
        layer_of(part(mod))


def test_no_upward_import() -> None:
    bad = [
        f"{i.source}:{i.line} imports {i.target} (layer {layer_of(part(i.source))} -> "
        f"{layer_of(part(i.target))})"
        for i in IMPORTS
        if part(i.source) != "__init__" or i.source == "melian"
        if layer_of(part(i.target)) > layer_of(part(i.source))
    ]
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_no_cycle_between_subpackages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        a, b = part(i.source), part(i.target)
        if a != b and i.source != "melian":
            edges[a].add(b)
    assert not cycles(edges), f"import cycles between sub-packages: {cycles(edges)}"


def test_no_cycle_between_modules() -> None:
    """No two modules import each other, directly or around a loop (a package's ``__init__``
    re-exporting its modules is not a loop unless one of them imports the package back)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        edges[i.source].add(i.target)
    assert not cycles(edges), f"import cycles between modules: {cycles(edges)}"


#: Parts not yet held to the lazy-import rule (none left: the web app's in-function imports are
#: documented lazy imports since issue 12).
NOT_YET_CHECKED: set[str] = set()
#: Modules whose in-function imports are still to be reviewed (none left).
MODULES_TO_REVIEW: set[str] = set()


def test_in_function_imports_are_documented_lazy_imports() -> None:
    bad = [
        f"{MODULES[i.source].relative_to(ROOT.parent)}:{i.line} imports {i.target}"
        for i in IMPORTS
        if i.in_function and not i.lazy_marked and part(i.source) not in NOT_YET_CHECKED
        if i.source not in MODULES_TO_REVIEW
    ]
    assert not bad, (
        "imports of melian modules inside functions must be documented lazy imports of heavy "
        "modules ('# lazy: <reason>'), or moved to the top of the module:\n" + "\n".join(bad)
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("melian.brief.render", "melian.cli.common"),
        ("melian.scenario.importers", "melian.bargaining.io.deu"),
        ("melian.decide.evidence", "melian.bargaining.registry"),
        ("melian.decide.evidence", "melian.world.engine"),
        ("melian.brief.sections", "melian.world.engine"),
        ("melian.brief", "melian.store"),
    ],
)
def test_known_upward_imports_are_gone(source: str, target: str) -> None:
    assert not [i for i in IMPORTS if i.source == source and i.target.startswith(target)]


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The parser finds in-function imports and relative imports (a synthetic module)."""
    p = tmp_path / "x.py"
    p.write_text("def f():\n    from melian.cli import common\n", encoding="utf-8")
    found = imports_of("melian.brief.x", p)
    assert [(i.target, i.in_function, i.lazy_marked) for i in found] == [
        ("melian.cli.common", True, False)
    ]
    assert layer_of(part(found[0].target)) > layer_of(part(found[0].source))


def test_the_command_line_is_thin() -> None:
    """No function of the command line is over 100 lines: commands parse, call
    melian.analysis and print (the web app is held to it once split into routers)."""
    long = []
    for path in sorted((ROOT / "cli").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > 100:
                    long.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}: {n}")
    assert not long, "functions over 100 lines:\n" + "\n".join(long)


def test_analyses_do_not_persist() -> None:
    """Saving a run is the face's decision: neither the analysis layer nor the brief imports
    the run store."""
    bad = [
        f"{i.source} imports {i.target}"
        for i in IMPORTS
        if part(i.source) in ("analysis", "brief") and part(i.target) in ("store", "ledger")
    ]
    assert not bad, bad
