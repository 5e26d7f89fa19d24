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
