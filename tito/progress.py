"""The one progress store of a student workspace: `.tinytorch/progress.json`.

Every command that reads or records progress (`tito module start/complete/status/reset`,
`tito milestone run`) goes through this file; there is no other copy. Writes go through tito's one
atomic writer, export.write_atomic (temporary file, fsync, rename, fsync of the folder), so a crash
or a kill leaves either the old or the new state on disk, never half a file. Updates hold an advisory lock
(`progress.lock`) so two tito processes cannot lose each other's changes.

Layout (version 1):
    {"version": 1,
     "modules": {"01": {"state": "completed", "started_at": "...", "completed_at": "...",
                        "last_attempt_at": "...", "attempts": 2,
                        "tests_passed": 5, "tests_total": 5}}}
States: "started", "failed" (the last `complete` failed), "completed" (the last `complete` passed).
"""
from __future__ import annotations

import contextlib
import json
from datetime import datetime, timezone
from pathlib import Path

from . import workspace as workspaces
from .export import write_atomic
from .manifest import Course
from .report import TitoError
from .workspace import STATE_DIR

VERSION = 1
FILENAME = "progress.json"
STATES = ("started", "failed", "completed")


class ProgressError(TitoError):
    """The progress file exists but cannot be read (not JSON, or not a progress store)."""


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def store_path(workspace: Path) -> Path:
    return Path(workspace) / STATE_DIR / FILENAME


def empty() -> dict:
    return {"version": VERSION, "modules": {}}


def load(workspace: Path) -> dict:
    """The stored progress (an empty store if there is no file yet)."""
    path = store_path(workspace)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProgressError(f"{path}: not valid JSON ({exc.msg}); restore it from "
                            f"{STATE_DIR}/backups/ or delete it to start over") from None
    if not isinstance(data, dict) or not isinstance(data.get("modules"), dict):
        raise ProgressError(f"{path}: not a TinyTorch progress store (no 'modules' table)")
    return data


def save(workspace: Path, data: dict) -> None:
    """Write `data` atomically and durably (export.write_atomic): readers see the old file or the new one."""
    write_atomic(store_path(workspace), json.dumps(data, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def _locked(workspace: Path):
    lock = store_path(workspace).with_name("progress.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock, writes stay atomic
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def update(workspace: Path):
    """`with update(ws) as data:` read, change `data` in place, and save it atomically on exit."""
    with _locked(workspace):
        data = load(workspace)
        yield data
        save(workspace, data)
        for stale in store_path(workspace).parent.glob(f".{FILENAME}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()       # left by a writer that was killed before its rename


def record(workspace: Path, tag: str) -> dict:
    """The record of module `tag` ('01'), or an empty dict."""
    return dict(load(workspace)["modules"].get(tag, {}))


def mark_started(workspace: Path, tag: str) -> None:
    with update(workspace) as data:
        rec = data["modules"].setdefault(tag, {})
        rec.setdefault("started_at", now())
        rec.setdefault("state", "started")


def mark_attempt(workspace: Path, tag: str, passed: bool, tests_passed: int, tests_total: int) -> dict:
    """Record one `tito module complete` result; returns the new record."""
    with update(workspace) as data:
        rec = data["modules"].setdefault(tag, {})
        stamp = now()
        rec.setdefault("started_at", stamp)
        rec["attempts"] = int(rec.get("attempts", 0)) + 1
        rec["last_attempt_at"] = stamp
        rec["tests_passed"], rec["tests_total"] = int(tests_passed), int(tests_total)
        rec["state"] = "completed" if passed else "failed"
        if passed:
            rec["completed_at"] = stamp
        return dict(rec)


def mark_reset(workspace: Path, tag: str) -> None:
    """After `tito module reset`: the module is a stub again, so it is no longer complete."""
    with update(workspace) as data:
        rec = data["modules"].setdefault(tag, {})
        rec["state"] = "started"
        rec["reset_at"] = now()
        rec.pop("tests_passed", None)
        rec.pop("tests_total", None)


def completed_modules(workspace: Path) -> set[int]:
    """Numbers of the modules whose last `tito module complete` passed in the workspace at `workspace`."""
    out = set()
    for tag, rec in load(workspace)["modules"].items():
        if isinstance(rec, dict) and rec.get("state") == "completed" and str(tag).isdigit():
            out.add(int(tag))
    return out


def complete_where_tito_runs(course: Course) -> set[int]:
    """The modules that count as complete for `course`: in a student workspace, those this store records
    as completed; in the course repository (no workspace marker), those course.toml marks ready."""
    if workspaces.at(course.root) is None:
        return {m.number for m in course.modules if m.ready}
    return completed_modules(course.root)
