"""Imports in the package only point backwards in course order (issue 10, item 5).

Every file of tinytorch/core/ belongs to one module: an exported file to the module whose course.toml
target it is, a hand-written support file to the module its first docstring line names ("... support
code of module NN ..."). A file may import (at module level or lazily inside a function) only files of
its own module or of earlier modules; module-level imports between the files of one module must not form
a cycle. So module 01 never reaches forward to 02 (activations) or 05 (autograd): those plug in through
the extension points that module 01 declares (register_activation, register_autograd).
"""
import ast
import re
from pathlib import Path

import pytest

from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "tinytorch" / "core"
SUPPORT = re.compile(r"support code of module (\d+)", re.IGNORECASE)


def module_of_files():
    """{'tinytorch.core.tensor': 1, 'tinytorch.core.tensor_ops': 1, ...} for every file of tinytorch/core."""
    course = load(ROOT)
    owners = {m.package_module: m.number for m in course.modules if m.package_module.startswith("tinytorch.core.")}
    unknown = []
    for path in sorted(CORE.glob("*.py")):
        name = f"tinytorch.core.{path.stem}"
        if path.name == "__init__.py" or name in owners:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found = SUPPORT.search(doc.splitlines()[0] if doc else "")
        if found:
            owners[name] = int(found.group(1))
        else:
            unknown.append(path.name)
    assert not unknown, (f"tinytorch/core files that belong to no module: {unknown}; a hand-written support file "
                         "says in its first docstring line 'support code of module NN'")
    return owners


def imports(source, package="tinytorch.core"):
    """(imported module name, at module level?) for every import in `source`, relative ones resolved."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append((base, id(node) in top))
            found += [(f"{base}.{alias.name}", id(node) in top) for alias in node.names]   # `from pkg import mod`
    return found


def violations(owners, sources):
    """Messages for forward imports, imports of the package outside tinytorch.core, and module-level cycles."""
    problems, graph = [], {}
    for name, source in sources.items():
        own = owners[name]
        graph[name] = set()
        for target, top_level in imports(source):
            if target in ("tinytorch", "tinytorch.core") or not target.startswith("tinytorch"):
                continue
            if target not in owners:
                if target.startswith("tinytorch.core.") and target.rsplit(".", 1)[0] in owners:
                    continue                     # `from tinytorch.core.tensor import Tensor`: a name, not a file
                problems.append(f"{name} imports {target}, which is not a file of tinytorch.core")
                continue
            if owners[target] > own:
                problems.append(f"{name} (module {own:02d}) imports {target} (module {owners[target]:02d}): "
                                "a forward import; use an extension point of the earlier module")
            if top_level and target != name:
                graph[name].add(target)
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                problems.append("module-level import cycle: " + " -> ".join(path + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return problems


def test_every_core_file_imports_only_its_own_or_earlier_modules():
    owners = module_of_files()
    sources = {f"tinytorch.core.{p.stem}": p.read_text(encoding="utf-8")
               for p in sorted(CORE.glob("*.py")) if p.name != "__init__.py"}
    assert "tinytorch.core.tensor_ops" in owners and owners["tinytorch.core.tensor_ops"] == 1
    problems = violations(owners, sources)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("sources, expected", [
    ({"tinytorch.core.tensor": "def f():\n    from tinytorch.core import activations\n"}, "forward import"),
    ({"tinytorch.core.tensor": "import tinytorch.core.autograd\n"}, "forward import"),
    ({"tinytorch.core.tensor": "from .tensor_ops import x\n",
      "tinytorch.core.tensor_ops": "from tinytorch.core.tensor import Tensor\n"}, "cycle"),
    ({"tinytorch.core.tensor": "from tinytorch.nn import Linear\n"}, "not a file of tinytorch.core"),
])
def test_the_checker_finds_what_it_forbids(sources, expected):
    owners = {"tinytorch.core.tensor": 1, "tinytorch.core.tensor_ops": 1, "tinytorch.core.activations": 2,
              "tinytorch.core.autograd": 5}
    full = {name: sources.get(name, "") for name in owners}
    assert any(expected in p for p in violations(owners, full)), violations(owners, full)


def test_lazy_imports_inside_one_module_are_allowed():
    owners = {"tinytorch.core.tensor": 1, "tinytorch.core.tensor_ops": 1}
    sources = {"tinytorch.core.tensor": "from tinytorch.core.tensor_ops import TensorOps\n",
               "tinytorch.core.tensor_ops": "def _core():\n    from tinytorch.core import tensor\n"}
    assert violations(owners, sources) == []
