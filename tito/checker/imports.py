"""TT116-TT117: what a module imports (earlier modules, from the package) and what it exports
(package code only)."""
from __future__ import annotations

import ast
import builtins
import symtable
import warnings
from typing import Iterator

from ..manifest import Course, Module
from .base import Issue, Scan, Source, _is_test_name, _statements, _top_calls, _top_defs, rule


@rule("TT116", "The module imports earlier modules only from the package, and only modules it requires "
               "(directly or through their prerequisites) in course.toml; never other module files.")
def tt116(src: Source, scan: Scan) -> Iterator[Issue]:
    targets = {m.package_module: m for m in scan.course.modules}
    allowed = _prerequisites(scan.course, src.module) | {src.module.number}
    for _, cell, tree in src.code_cells():
        if not any(word in cell.source for word in ("tinytorch", "_dev", "modules.")):
            continue
        optional = _optional_imports(tree)
        for node in _statements(tree.body):
            if node in optional:
                continue                 # `try: import ... except ImportError:` is an optional plug-in point
            problem = _import_problem(_imported_modules(node), targets, allowed, src.module)
            if problem:
                yield src.issue(cell.lineno(node.lineno - 1), "TT116", problem)


def _import_problem(names: list[str], targets: dict[str, Module], allowed: set[int], module: Module) -> str | None:
    for name in names:
        if name.startswith("modules.") or name.endswith("_dev"):
            return (f"imports the module file `{name}`: import earlier modules from the package instead "
                    "(e.g. `from tinytorch.core.tensor import Tensor`)")
        if name in targets and targets[name].number not in allowed:
            other = targets[name]
            return (f"imports `{name}` (module {other.tag} {other.slug}), which module {module.tag} does not "
                    "require in course.toml: students reach this module before building that one; remove the "
                    "import (or fix `requires` in course.toml)")
    return None


def _optional_imports(tree: ast.Module) -> set[ast.AST]:
    """Import statements inside a `try:` whose handler catches ImportError or ModuleNotFoundError."""
    out = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Try) and any(_catches_import_error(h.type) for h in node.handlers):
            out |= {n for n in _statements(node.body) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def _catches_import_error(kind: ast.expr | None) -> bool:
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def _prerequisites(course: Course, module: Module) -> set[int]:
    by_number = {m.number: m for m in course.modules}
    todo, seen = list(module.requires), set()
    while todo:
        n = todo.pop()
        if n not in seen and n in by_number:
            seen.add(n)
            todo.extend(by_number[n].requires)
    return seen


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


@rule("TT117", "An exported cell holds package code only: no test functions, no top-level print or test "
               "calls, and no use of names defined only in cells that are not exported.")
def tt117(src: Source, scan: Scan) -> Iterator[Issue]:
    exported = [(i, c, t) for i, c, t in src.code_cells() if c.exported]
    for _, cell, tree in exported:
        for d in _top_defs(tree):
            if _is_test_name(d.name) or d.name == "run_all_tests":
                yield src.issue(cell.lineno(d.lineno - 1), "TT117", f"exported cell defines `{d.name}`: tests "
                                "do not belong in the package; move it to a test cell without `#| export`")
        for name, stmt in _top_calls(tree):
            if name == "print" or _is_test_name(name) or name == "run_all_tests":
                yield src.issue(cell.lineno(stmt.lineno - 1), "TT117", f"exported cell calls `{name}()` at top "
                                "level: it would run on every `import tinytorch`; move it to a cell without "
                                "`#| export`")
    yield from _tt117_unexported_names(src, exported)


def _tt117_unexported_names(src: Source, exported: list) -> Iterator[Issue]:
    local = {}                            # name -> file line, for top-level names of cells not exported
    for i, cell, tree in src.code_cells():
        if not cell.exported:
            for name in _bound_names(tree):
                local.setdefault(name, cell.line)
    package_names = set().union(*(_bound_names(t) for _, _, t in exported)) if exported else set()
    reported = set()
    for _, cell, tree in exported:
        for name in sorted(_global_refs(cell.source) - package_names - set(dir(builtins)) - reported):
            if name in local:
                reported.add(name)
                use = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name)
                yield src.issue(cell.lineno(use.lineno - 1), "TT117", f"exported code uses `{name}`, which is "
                                f"defined only in a cell that is not exported (line {local[name]}): the package "
                                f"would raise NameError; export that definition or import it in this cell")


def _symtable(code: str) -> symtable.SymbolTable:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # escape warnings are reported by TT100
        return symtable.symtable(code, "<cell>", "exec")


def _bound_names(tree: ast.Module) -> set[str]:
    """Names a cell binds at module level (defs, classes, imports, assignment and loop targets)."""
    out = set()
    for stmt in _statements(tree.body, into_defs=False):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out |= {a.asname or a.name.split(".")[0] for a in stmt.names}
        targets = {ast.Assign: lambda s: s.targets, ast.AnnAssign: lambda s: [s.target],
                   ast.AugAssign: lambda s: [s.target], ast.For: lambda s: [s.target],
                   ast.With: lambda s: [i.optional_vars for i in s.items if i.optional_vars]}
        for target in targets.get(type(stmt), lambda s: [])(stmt):
            out |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        for handler in getattr(stmt, "handlers", []):
            if handler.name:
                out.add(handler.name)
    return out


def _global_refs(code: str) -> set[str]:
    """Names the code reads from the module namespace (at top level or inside functions/classes)."""
    top = _symtable(code)
    out = {s.get_name() for s in top.get_symbols()
           if s.is_referenced() and not s.is_assigned() and not s.is_imported()}
    todo = list(top.get_children())
    while todo:
        table = todo.pop()
        out |= {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
        todo.extend(table.get_children())
    return out
