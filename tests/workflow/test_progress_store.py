"""The single progress store: atomic writes that survive SIGKILL at any moment, and its readers."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tito import progress

REPO = Path(__file__).resolve().parents[2]
# Writes ever-new states as fast as it can; each state is large (so a write takes a while) and
# carries its counter twice, so a torn or mixed file would be caught.
WRITER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from tito import progress
pad = "x" * 4_000_000
i = progress.load(sys.argv[2]).get("n_again", 0)     # go on from the state on disk
while True:
    i += 1
    progress.save(sys.argv[2], {"version": 1, "modules": {"01": {"state": "completed", "n": i}},
                                "pad": pad, "n_again": i})
"""


def _check_state(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))          # never half a file
    assert data["modules"]["01"]["n"] == data["n_again"]           # never a mix of two states
    assert len(data["pad"]) == 4_000_000
    return data["n_again"]


def test_writer_killed_at_random_moments_never_corrupts_the_store(tmp_path):
    rng = random.Random(1234)
    store = progress.store_path(tmp_path)
    mid_write_kills, last = 0, 0
    for attempt in range(60):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(REPO), str(tmp_path)])
        time.sleep(0.4 + rng.random() * 0.3)            # after start-up, somewhere inside a write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if list(store.parent.glob(".progress.json.*.tmp")):
            mid_write_kills += 1                           # killed between temp write and rename
        if store.exists():
            n = _check_state(store)
            assert n >= last                               # old or new state, never an older one
            last = n
            assert progress.load(tmp_path)["modules"]["01"]["state"] == "completed"
        if attempt >= 15 and mid_write_kills >= 3:
            break
    assert last > 0, "the writer never finished a single save; the test proved nothing"
    assert mid_write_kills >= 1, "no kill landed inside a write; the test proved nothing"
    # the next update cleans the temp files a killed writer left behind
    with progress.update(tmp_path) as data:
        data["modules"]["02"] = {"state": "started"}
    assert not list(store.parent.glob(".progress.json.*.tmp"))


def test_records_and_completed_modules(tmp_path):
    assert progress.completed_modules(tmp_path) == set()
    progress.mark_started(tmp_path, "01")
    assert progress.record(tmp_path, "01")["state"] == "started"
    progress.mark_attempt(tmp_path, "01", passed=False, tests_passed=1, tests_total=3)
    assert progress.completed_modules(tmp_path) == set()
    rec = progress.mark_attempt(tmp_path, "01", passed=True, tests_passed=3, tests_total=3)
    assert rec["state"] == "completed" and rec["attempts"] == 2 and "completed_at" in rec
    progress.mark_attempt(tmp_path, "02", passed=True, tests_passed=1, tests_total=1)
    assert progress.completed_modules(tmp_path) == {1, 2}
    progress.mark_reset(tmp_path, "02")
    assert progress.completed_modules(tmp_path) == {1}
    assert list(progress.store_path(tmp_path).parent.iterdir()) != []


def test_an_unreadable_store_is_a_clear_error(tmp_path):
    path = progress.store_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{half a fi", encoding="utf-8")
    with pytest.raises(progress.ProgressError, match="progress.json: not valid JSON"):
        progress.load(tmp_path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(progress.ProgressError, match="not a TinyTorch progress store"):
        progress.completed_modules(tmp_path)
