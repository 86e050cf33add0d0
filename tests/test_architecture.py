"""The package's shape: no import cycles, every module importable on its own, a Run extended only through
its extension points, every public exception in `nbtrack.errors`, and `nbtrack.init` defined where it says.

These read the source (AST) of the nbtrack that is imported, so they judge the code under test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbtrack
from nbtrack import errors

PACKAGE = Path(nbtrack.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            lines.update(n.lineno for n in ast.walk(node) if hasattr(n, "lineno"))
    return lines


def _import_time_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes that run when the module is imported: everything outside function bodies."""
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield node
            yield from _import_time_nodes(node)


def _imports(module: str, *, in_functions: bool = True) -> set[str]:
    """The nbtrack modules `module` imports (inside functions too, unless told), not counting TYPE_CHECKING
    blocks nor its own parent packages (always initialised before it)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    skip = _type_checking_lines(tree)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree) if in_functions else _import_time_nodes(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            subs = [f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in MODULES]
            found.update(subs)
            if name in MODULES and len(subs) < len(node.names):
                found.add(name)
    return {m for m in found if not (m == module or module.startswith(m + "."))}


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(v: str) -> Iterator[list[str]]:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                yield from visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                yield sorted(component)

    for v in sorted(graph):
        if v not in index:
            yield from visit(v)


def test_no_import_cycle_at_import_time() -> None:
    graph = {m: _imports(m, in_functions=False) for m in MODULES}
    assert graph["nbtrack._run"] and "nbtrack._metrics" not in graph["nbtrack._run"], "the import scan is wrong"
    assert list(_cycles(graph)) == []


CORE = {"nbtrack._run", "nbtrack._current", "nbtrack._init", "nbtrack._notebook", "nbtrack._watch",
        "nbtrack._metrics", "nbtrack.errors", "nbtrack.sweeps._monitor", "nbtrack.ui.live"}


def test_no_cycle_even_through_deferred_imports_touches_the_run_or_crosses_a_package() -> None:
    """Imports inside functions too: the run and its extensions form no cycle (a cycle stays inside one package)."""
    graph = {m: _imports(m) for m in MODULES}
    assert "nbtrack._metrics" in graph["nbtrack._run"], "the import scan is wrong"
    bad = [c for c in _cycles(graph) if CORE & set(c) or len({m.rsplit(".", 1)[0] for m in c}) > 1]
    assert bad == []


def test_errors_is_a_leaf_module() -> None:
    assert _imports("nbtrack.errors") == set()


def _import_alone(module: str) -> tuple[str, int, str]:
    code = f"import importlib; importlib.import_module({module!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return module, proc.returncode, proc.stderr


def test_every_module_imports_on_its_own_in_a_fresh_interpreter() -> None:
    """A module that works only when another was imported first hides a cycle or a missing import."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_import_alone, [m for m in MODULES if m != "nbtrack.__main__"]))
    failed = []
    for module, rc, stderr in results:
        if rc == 0:
            continue
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        # an integration for a framework this environment lacks: the only acceptable failure
        optional = last.startswith("ModuleNotFoundError: No module named") and "nbtrack" not in last \
            and module.startswith("nbtrack.integrations.")
        if not optional:
            failed.append(f"{module}: {last}")
    assert failed == []


def _run_private_names() -> set[str]:
    """Every private attribute and method of class Run."""
    tree = ast.parse((PACKAGE / "_run.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Run")
    names = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _other_classes_private_names() -> set[str]:
    """Private attribute names some class other than Run also uses on `self`."""
    names: set[str] = set()
    for module, path in MODULES.items():
        for cls in ast.walk(ast.parse(path.read_text())):
            if not isinstance(cls, ast.ClassDef) or (module == "nbtrack._run" and cls.name == "Run"):
                continue
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    names.add(node.attr)
    return names


def _looks_like_a_run(node: ast.expr) -> bool:
    text = ast.unparse(node).lower()
    return text.endswith("run") or text.endswith("run()") or text in ("previous", "r")


def _own_private_names(tree: ast.AST) -> set[str]:
    """Private attribute names the classes of one module use on `self` (that module's own state)."""
    return {node.attr for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef) for node in ast.walk(cls)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"}


def run_private_accesses(modules: dict[str, Path]) -> list[str]:
    """`x._field` (or getattr(x, "_field")) on a Run outside `_run.py`: a name only Run uses, on anything but
    `self`; a name other classes use too, on something named like a run, unless the module's own classes
    hold a field of that name."""
    private = _run_private_names()
    shared = private & _other_classes_private_names()
    found = []
    for module, path in modules.items():
        if module == "nbtrack._run":
            continue
        tree = ast.parse(path.read_text())
        own = _own_private_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                target, name = node.value, node.attr
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "getattr" and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                target, name = node.args[0], node.args[1].value
            else:
                continue
            if name not in private or (isinstance(target, ast.Name) and target.id in ("self", "cls")):
                continue
            if name not in shared or (_looks_like_a_run(target) and name not in own):
                found.append(f"{module}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_outside_run_touches_a_runs_private_fields() -> None:
    assert {"_metrics", "_writer", "_state", "_alerts", "_system"} <= _run_private_names()
    assert run_private_accesses(MODULES) == []


def test_the_private_field_check_catches_a_reach_into_a_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(run, view):\n    run._metrics = None\n    view.run._store.close()\n"
                   "    return getattr(run, '_system', None), run._finish_observers\n")
    found = run_private_accesses({"bad": bad})
    assert sorted(line.split(": ", 1)[1] for line in found) == [
        "getattr(run, '_system', None)", "run._finish_observers", "run._metrics", "view.run._store"]


def _public_names() -> Iterator[tuple[str, object]]:
    for package in ("nbtrack", "nbtrack.store", "nbtrack.sweeps", "nbtrack.artifacts"):
        mod = importlib.import_module(package)
        for name in mod.__all__:
            yield f"{package}.{name}", getattr(mod, name)


def test_every_public_exception_lives_in_nbtrack_errors_and_is_exported_from_nbtrack() -> None:
    exceptions = {where: obj for where, obj in _public_names()
                  if isinstance(obj, type) and issubclass(obj, BaseException)}
    assert "nbtrack.store.SchemaError" in exceptions and "nbtrack.artifacts.ArtifactError" in exceptions
    assert {where: obj.__module__ for where, obj in exceptions.items() if obj.__module__ != "nbtrack.errors"} == {}
    for name in errors.__all__:
        assert getattr(nbtrack, name) is getattr(errors, name), name


def test_nbtrack_init_is_defined_in_nbtrack_init_module() -> None:
    init = nbtrack.init
    assert init.__module__ == "nbtrack._init" and not hasattr(init, "__wrapped__")
    assert Path(inspect.getsourcefile(init) or "").name == "_init.py"
    assert "project" in inspect.signature(init).parameters

