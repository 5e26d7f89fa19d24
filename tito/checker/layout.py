"""TT120: module folders and files agree with course.toml (checked over the whole course)."""
from __future__ import annotations

import re
from typing import Iterator

from ..manifest import Module
from .base import RULES, Issue, Scan


RULES["TT120"] = ("Module folders and files agree with course.toml: every folder under modules/ is `NN_slug` "
                  "of a listed module, its source is `slug_dev.py`, and a module marked ready has its source.")


def _stray_folders(scan: Scan) -> Iterator[Issue]:
    folder = scan.course.root / "modules"
    if not folder.is_dir():
        return
    names = {m.dirname: m for m in scan.course.modules}
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        if d.name in names or d.name.startswith((".", "_")):
            continue
        hint = ""
        m = re.match(r"^(\d+)_", d.name)
        if m and int(m.group(1)) in {x.number for x in scan.course.modules}:
            real = next(x for x in scan.course.modules if x.number == int(m.group(1)))
            hint = f" (module {real.tag} is `{real.dirname}`)"
        yield Issue(scan.shown(d), 0, "TT120", f"folder `{d.name}` matches no module in course.toml{hint}: "
                    "rename it to `NN_slug` of a listed module, or add the module to course.toml")


def _module_files(module: Module, scan: Scan) -> Iterator[Issue]:
    if module.directory.is_dir():
        for f in sorted(module.directory.glob("*_dev.py")):
            if f != module.source:
                yield Issue(scan.shown(f), 0, "TT120", f"`{f.name}` is not this module's source: course.toml "
                            f"names it `{module.source.name}` (slug `{module.slug}`); rename it")
    if not module.source.is_file() and module.ready:
        yield Issue(scan.shown(module.source), 0, "TT120", f"module {module.tag} is marked \"ready\" in "
                    "course.toml but its source file is missing: write it or set status = \"planned\"")
