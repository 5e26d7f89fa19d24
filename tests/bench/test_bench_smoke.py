"""The bench harness runs and writes its JSON (a smoke test: no timing is asserted here)."""
import json
from pathlib import Path

from tests.conftest import load_file

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    return load_file(ROOT / "bench" / "run.py", "bench_run")


def test_quick_bench_writes_json(tmp_path):
    bench = load_bench()
    out = tmp_path / "r.json"
    assert bench.main(["autograd_overhead", "deep_graph", "--quick", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    w = data["workloads"]
    assert w["autograd_overhead"]["tinytorch"] > 0
    assert w["deep_graph"]["tinytorch_10000"] > 0


def test_unknown_workload_is_refused(capsys):
    bench = load_bench()
    try:
        bench.main(["no_such_workload"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "unknown workload" in capsys.readouterr().err


def test_kv_cache_workload_is_registered_and_judges_both_targets():
    """Module 17's targets (>= 3x at 128 new tokens, >= 8x at 256, same tokens). Kept here, not in
    tests/17_memoization: bench/ is the course's, it does not ship in a student workspace."""
    bench = load_bench()
    assert "kv_cache" in bench.WORKLOADS
    _, judge = bench.TARGETS["kv_cache"]
    assert judge({"same_tokens": True, "speedup_128": 3.1, "speedup_256": 8.2})
    assert not judge({"same_tokens": True, "speedup_128": 2.9, "speedup_256": 20.0})
    assert not judge({"same_tokens": True, "speedup_128": 5.0, "speedup_256": 7.9})
    assert not judge({"same_tokens": False, "speedup_128": 5.0, "speedup_256": 9.0})


def test_when_idle_runs_the_command_at_idle_moments(capsys):
    import pytest
    if not Path("/proc/stat").exists():
        pytest.skip("needs /proc/stat (Linux)")
    import sys
    when_idle = load_file(ROOT / "bench" / "when_idle.py", "bench_when_idle")
    assert 0.0 <= when_idle.busy_fraction(0.05) <= 1.0
    assert when_idle.main(["--busy", "1.01", "--wait", "30", "2", sys.executable, "-c", "print('ran')"]) == 0
    assert capsys.readouterr().out.count("] ran") == 2
    assert when_idle.main(["--busy", "-1", "--wait", "1", "1", sys.executable, "-c", "print('ran')"]) == 1
    assert "not idle" in capsys.readouterr().out
