"""Architecture rules of src/nnmath, checked on the source with ``ast`` (nothing is imported).

1. No import cycle among the top-level imports of nnmath's modules (imports inside
   functions are lazy on purpose and run after every module has loaded; ``if TYPE_CHECKING:``
   blocks never run).
2. No module imports a private name (``_x``, or a private module ``_x.py``) from another
   package of nnmath, except through the documented seams in ``PRIVATE_SEAMS``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "nnmath"

# (importing module, imported module, private name or "*" for the whole module): each entry a
# documented seam, with why it exists. Keep it short; it only shrinks.
# (Empty now: the registries' resolver became the public module ``nnmath.registry``.)
PRIVATE_SEAMS: dict[tuple[str, str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def package_of(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_nodes(tree: ast.AST, top_level: bool) -> list[ast.Import | ast.ImportFrom]:
    """Import statements; with ``top_level`` only those run when the module loads."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            elif top_level and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            elif top_level and isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(ast.Module(body=[sub], type_ignores=[]))
            else:
                visit(child)

    visit(tree)
    return found


def imports_of(module: str, top_level: bool = True) -> list[tuple[str, str]]:
    """``(imported nnmath module, name)`` pairs; name is ``"*"`` for a whole module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    pkg = package_of(module)
    out: list[tuple[str, str]] = []
    for node in import_nodes(tree, top_level):
        if isinstance(node, ast.Import):
            out += [(a.name, "*") for a in node.names if a.name in MODULES]
            continue
        if node.level:
            base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target not in MODULES:
            continue
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            out.append((sub, "*") if sub in MODULES else (target, alias.name))
    return out


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _ in imports_of(m)} - {m} for m in MODULES}


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def private_imports() -> list[tuple[str, str, str]]:
    """Imports (anywhere in a module) of a private name or module from another package."""
    found = []
    for module in MODULES:
        for target, name in imports_of(module, top_level=False):
            private_module = any(p.startswith("_") for p in target.split(".")[1:])
            private_name = name.startswith("_")
            if package_of(target) == package_of(module):
                continue  # a package's own private names are its business
            if private_module or private_name:
                found.append((module, target, name))
    return found


# ------------------------------------------------------------------------------------ the tests


def test_the_parser_sees_the_engine_layers():
    # Guards the test itself: it must find real edges, or "no cycle" would prove nothing.
    edges = graph()
    assert len(MODULES) > 40
    assert "nnmath.autograd" in edges["nnmath.tensor"]
    assert "nnmath.tensor" in edges["nnmath.functional"]
    assert "nnmath.ops.conv" in edges["nnmath.functional"]
    assert "nnmath.geometry" in edges["nnmath.ops.conv"]


def test_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert find_cycles(edges) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_among_top_level_imports():
    cycles = find_cycles(graph())
    assert cycles == [], (
        f"import cycles among top-level imports of src/nnmath: {cycles}; make the dependency "
        "go one way (move the shared piece down a layer, see ARCHITECTURE.md)"
    )


def test_engine_layers_point_one_way():
    # autograd -> ops -> tensor -> functional: nothing below imports anything above it.
    edges = graph()
    assert not {m for m in edges["nnmath.autograd"] if m.startswith("nnmath.")}
    for op in [m for m in MODULES if m.startswith("nnmath.ops.")]:
        assert edges[op] <= {"nnmath.autograd", "nnmath.geometry"} | {
            m for m in MODULES if m.startswith("nnmath.ops.")
        }, (op, edges[op])
    assert "nnmath.functional" not in edges["nnmath.tensor"]


def test_no_private_imports_across_packages():
    found = [f for f in private_imports() if f not in PRIVATE_SEAMS]
    assert found == [], (
        f"imports of private names from another nnmath package: {found}; make the name "
        "public where it is defined, or add a documented seam to PRIVATE_SEAMS"
    )


def test_every_seam_is_still_used():
    # A seam that no import needs any more must leave the list (it only shrinks).
    unused = sorted(set(PRIVATE_SEAMS) - set(private_imports()))
    assert not unused, f"{unused} are not imported any more; remove them from the list"


def test_the_datasets_table_is_found_from_each_modules_all():
    import importlib

    import nnmath.datasets as datasets

    package = ROOT / "datasets"
    for path in sorted(package.glob("[!_]*.py")):
        module = importlib.import_module(f"nnmath.datasets.{path.stem}")
        for name in module.__all__:  # every exported name is reachable, as the same object
            assert getattr(datasets, name) is getattr(module, name), (path.stem, name)
            assert name in dir(datasets)
    assert datasets.__all__ == dir(datasets)
    with pytest.raises(AttributeError, match="no attribute 'load_nothing'"):
        datasets.load_nothing  # noqa: B018
