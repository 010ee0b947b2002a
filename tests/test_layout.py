"""The package's layout: data flows ingest -> embed -> store -> retrieval -> answer, with the Assistant
facade above them and the measuring tools and apps on top. Each module imports only from its own
floor or the floors below (lazy imports inside functions count too), and the import graph has no
circles, so the tree shows the architecture."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

# Lowest first. A folder is one floor; modules at the top of the package are placed by name.
FLOORS = ["base", "ingest", "embed", "store", "retrieval", "answer", "facade", "measure", "apps"]
TOP_MODULES = {
    "_offline": "base",
    "errors": "base",
    "records": "base",
    "inputs": "base",
    "paths": "base",
    "patterns": "base",
    "retrieval": "retrieval",
    "core": "facade",
    "opening": "facade",
    "questions": "facade",
    "settings": "facade",
    "langchain": "facade",
    "__init__": "facade",
    "__main__": "apps",
}


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def _floor(module: str) -> str:
    parts = module.split(".")[1:] or ["__init__"]
    if len(parts) > 1 or parts[0] in FLOORS:
        return parts[0]
    if parts[0] not in TOP_MODULES:
        raise AssertionError(f"{module} is a new module at the top of the package: give it a floor in TOP_MODULES")
    return TOP_MODULES[parts[0]]


def _imports(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module of the package that `module` imports, at the top or inside a function."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "assistant"}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            if target.split(".")[0] != "assistant":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return found


def _graph(files: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    known = set(files)
    return {m: _imports(src, m, is_pkg, known) - {m} for m, (src, is_pkg) in files.items()}


def _package_files(package: Path) -> dict[str, tuple[str, bool]]:
    return {_module_name(p, package): (p.read_text(), p.name == "__init__.py") for p in package.rglob("*.py")}


def violations(files: dict[str, tuple[str, bool]]) -> list[str]:
    """Imports from a module to one on a higher floor."""
    rank = {name: i for i, name in enumerate(FLOORS)}
    return sorted(
        f"{m} ({_floor(m)}) imports {t} ({_floor(t)})"
        for m, targets in _graph(files).items()
        for t in targets
        if rank[_floor(t)] > rank[_floor(m)]
    )


def circles(files: dict[str, tuple[str, bool]]) -> list[list[str]]:
    """Modules that import each other in a loop (package __init__ files, which only hand names on, left out)."""
    graph = {m: {t for t in ts if not files[t][1]} for m, ts in _graph(files).items() if not files[m][1]}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_from_a_higher_floor() -> None:
    assert violations(_package_files(PACKAGE)) == []


def test_the_import_graph_has_no_circles() -> None:
    assert circles(_package_files(PACKAGE)) == []


def test_the_checks_catch_an_upward_import_and_a_circle() -> None:
    files = {
        "assistant": ("from .core import Assistant", True),
        "assistant.core": ("from .answer import writer", False),
        "assistant.answer": ("", True),
        "assistant.answer.writer": ("def f():\n    from ..apps import ui\n", False),
        "assistant.answer.plan": ("from . import writer", False),
        "assistant.apps": ("", True),
        "assistant.apps.ui": ("from ..answer.plan import x", False),
    }
    assert violations(files) == ["assistant.answer.writer (answer) imports assistant.apps.ui (apps)"]
    assert circles(files) == [["assistant.answer.plan", "assistant.answer.writer", "assistant.apps.ui"]]


def test_every_folder_says_its_job() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        job = doc.split("\n\n")[0]
        assert job.startswith(f"{init.parent.name.capitalize()}: ") and job.endswith("."), init
        assert "\n" not in job, f"{init.parent.name}/__init__.py states its job in one line"


def test_importing_the_package_loads_no_app_or_measuring_tool() -> None:
    tools = "('assistant.apps', 'assistant.measure')"
    code = f"import sys, assistant; print(sorted(m for m in sys.modules if m.startswith({tools})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_package_says_it_is_typed() -> None:
    """A programmer's `mypy --strict` on code that uses the package found no types (no py.typed marker):
    the marker is in the package and in what an install copies."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    assert (root / "assistant" / "py.typed").is_file()
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["assistant"]
