"""bench/run.py's module-09 workloads run (quick mode) and report what they promise. No timing is asserted:
speed comparisons live in bench/, not in tests."""
import json
from pathlib import Path

from tests.conftest import load_file

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_conv_block_and_cnn_digits_quick(tmp_path, capsys):
    if not (ROOT / "bench" / "run.py").is_file():
        pytest.skip("bench/run.py is not here (a student workspace ships without bench/)")
    bench = load_file(ROOT / "bench" / "run.py", "bench_run")
    out = tmp_path / "r.json"
    assert bench.main(["conv_block", "conv_block_input_grad", "cnn_digits", "--quick", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    w = data["workloads"]
    assert w["conv_block"]["tinytorch"] > 0 and w["conv_block"]["unit"] == "ms/step"
    assert w["conv_block"]["input_grad"] is False and w["conv_block_input_grad"]["input_grad"] is True
    assert set(data["threads"]) == {"tinytorch", "tinytorch_numpy_blas", "torch"}
    printed = capsys.readouterr().out
    assert "threads: tinytorch 2 (NumPy BLAS" in printed and "load average" in printed
    for name in ("conv_block_input_grad", "cnn_digits"):       # issue 17's targets are judged and printed
        assert "target" in w[name] and f"target {name}" in printed
    digits = w["cnn_digits"]
    assert digits["epochs"] == 3 and digits["tinytorch_test_accuracy"] > 0.8
    if "torch" in digits:                      # same initial weights and batches: the runs agree closely
        assert abs(digits["tinytorch_test_accuracy"] - digits["torch_test_accuracy"]) < 0.03
        assert w["conv_block"]["weight_grad_rel_diff"] < 1e-4
        assert w["conv_block_input_grad"]["input_grad_rel_diff"] < 1e-4
        assert data["threads"]["torch"] == 2
        for name in ("conv_block_input_grad", "cnn_digits"):
            assert w[name]["target"]["met"] in (True, False)
            assert f"(ratio {w[name]['ratio']:.2f}x)" in printed
