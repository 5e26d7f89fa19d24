"""Read the course manifest (course.toml), the single source of module and milestone facts.

Every tool asks this module; nothing else parses course.toml or hard-codes a module number.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MANIFEST_NAME = "course.toml"
STATUSES = ("planned", "ready")


class ManifestError(ValueError):
    """The manifest is missing or malformed, or a module/milestone number is unknown."""


@dataclass(frozen=True)
class Module:
    number: int
    slug: str
    title: str
    target: str
    requires: tuple[int, ...]
    status: str
    root: Path

    @property
    def tag(self) -> str:
        """Two-digit number, e.g. '01'."""
        return f"{self.number:02d}"

    @property
    def dirname(self) -> str:
        return f"{self.tag}_{self.slug}"

    @property
    def directory(self) -> Path:
        return self.root / "modules" / self.dirname

    @property
    def source(self) -> Path:
        """The module's only hand-edited file."""
        return self.directory / f"{self.slug}_dev.py"

    @property
    def notebook(self) -> Path:
        return self.directory / f"{self.slug}_dev.ipynb"

    @property
    def package_module(self) -> str:
        """Dotted import path of the exported code, e.g. 'tinytorch.core.tensor'."""
        return f"tinytorch.{self.target}"

    @property
    def package_file(self) -> Path:
        """Path of the exported file relative to the package's parent folder."""
        return Path("tinytorch", *self.target.split(".")).with_suffix(".py")

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests" / self.dirname

    @property
    def ready(self) -> bool:
        return self.status == "ready"


@dataclass(frozen=True)
class Milestone:
    number: int
    slug: str
    title: str
    year: int
    requires: tuple[int, ...]
    script: str
    status: str
    root: Path

    @property
    def tag(self) -> str:
        return f"{self.number:02d}"

    @property
    def path(self) -> Path:
        return self.root / self.script

    @property
    def ready(self) -> bool:
        return self.status == "ready"


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    modules: tuple[Module, ...]
    milestones: tuple[Milestone, ...]

    def module(self, ref: int | str) -> Module:
        """Find a module by number ('1', '01', 1) or slug ('tensor') or folder name ('01_tensor')."""
        key = str(ref).strip().lower()
        for m in self.modules:
            if key in (str(m.number), m.tag, m.slug, m.dirname):
                return m
        known = ", ".join(f"{m.tag} {m.slug}" for m in self.modules)
        raise ManifestError(f"no module '{ref}' in {MANIFEST_NAME}; the course has: {known}")

    def milestone(self, ref: int | str) -> Milestone:
        key = str(ref).strip().lower()
        for m in self.milestones:
            if key in (str(m.number), m.tag, m.slug):
                return m
        known = ", ".join(f"{m.tag} {m.slug}" for m in self.milestones)
        raise ManifestError(f"no milestone '{ref}' in {MANIFEST_NAME}; the course has: {known}")

    def select(self, refs: list[str] | None, all_: bool = False, ready_only: bool = True) -> list[Module]:
        """Modules named on a command line; with none (or --all), every ready module."""
        if refs and not all_:
            return [self.module(r) for r in refs]
        return [m for m in self.modules if m.ready or not ready_only]

    def unlocked_by(self, number: int) -> tuple[list[Module], list[Milestone]]:
        """Modules and milestones that list `number` among their prerequisites."""
        mods = [m for m in self.modules if number in m.requires]
        stones = [s for s in self.milestones if number in s.requires]
        return mods, stones


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: cwd) that holds course.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST_NAME).is_file():
            return folder
    raise ManifestError(
        f"no {MANIFEST_NAME} found in {here} or any folder above it: run tito inside the course "
        "repository or a student workspace"
    )


def _need(entry: dict, key: str, kind: type, where: str):
    if key not in entry:
        raise ManifestError(f"{where}: missing key '{key}'")
    value = entry[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ManifestError(f"{where}: '{key}' must be {kind.__name__}, got {value!r}")
    return value


@lru_cache(maxsize=8)
def _load(root: Path) -> Course:
    path = root / MANIFEST_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    modules = []
    for i, entry in enumerate(data.get("modules", [])):
        where = f"{path} modules[{i}]"
        status = _need(entry, "status", str, where)
        if status not in STATUSES:
            raise ManifestError(f"{where}: status must be one of {STATUSES}, got {status!r}")
        modules.append(Module(
            number=_need(entry, "number", int, where),
            slug=_need(entry, "slug", str, where),
            title=_need(entry, "title", str, where),
            target=_need(entry, "target", str, where),
            requires=tuple(_need(entry, "requires", list, where)),
            status=status,
            root=root,
        ))
    milestones = []
    for i, entry in enumerate(data.get("milestones", [])):
        where = f"{path} milestones[{i}]"
        milestones.append(Milestone(
            number=_need(entry, "number", int, where),
            slug=_need(entry, "slug", str, where),
            title=_need(entry, "title", str, where),
            year=_need(entry, "year", int, where),
            requires=tuple(_need(entry, "requires", list, where)),
            script=_need(entry, "script", str, where),
            status=_need(entry, "status", str, where),
            root=root,
        ))
    numbers = [m.number for m in modules]
    if numbers != list(range(1, len(modules) + 1)):
        raise ManifestError(f"{path}: module numbers must run 1, 2, 3, ... in order; got {numbers}")
    for m in modules:
        bad = [r for r in m.requires if r not in numbers or r >= m.number]
        if bad:
            raise ManifestError(f"{path}: module {m.tag} requires {bad}, which are not earlier modules")
    for s in milestones:
        bad = [r for r in s.requires if r not in numbers]
        if bad:
            raise ManifestError(f"{path}: milestone {s.tag} requires unknown modules {bad}")
    name = data.get("course", {}).get("name", "TinyTorch")
    return Course(root=root, name=name, modules=tuple(modules), milestones=tuple(milestones))


def load(root: Path | None = None) -> Course:
    """Load the manifest of the course (or workspace) that contains `root` (default: cwd)."""
    return _load(find_root(root))

