"""tinytorch.capstone_support (given, trusted by the grader): the reader's errors name the file and the key,
the NumPy runtime rebuilds models exactly (int8 dequantized per row, low rank), the interleaved timer on a
fake clock, the distribution-free interval, and remeasure in a fresh process."""
import json
import math

import numpy as np
import pytest

from tests.conftest import load_file
from tinytorch.capstone_support import (ARCHITECTURE_KEY, ClaimsFlagged, SubmissionError, _median_ci_ranks,
                                        build_model, interleaved_latency, load_test_digits, read_model,
                                        read_submission, remeasure, visible_techniques)

fixture = load_file(__file__.rsplit("/", 1)[0] + "/submission_fixture.py")


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submission")
    return folder, fixture.make_submission(folder)


def test_claims_flagged_is_an_assertion_error():
    assert issubclass(ClaimsFlagged, AssertionError) and ClaimsFlagged.__name__ == "ClaimsFlagged"
    assert issubclass(SubmissionError, ValueError)


def test_read_submission_of_a_good_submission(submission):
    folder, honest = submission
    sub = read_submission(folder)
    assert sub["report"]["claims"] == honest
    assert sub["bytes"]["baseline"] == (folder / "baseline.npz").stat().st_size
    assert sub["optimised"][1]["fc1.weight.q"].dtype == np.int8
    assert visible_techniques(sub["baseline"], sub["optimised"]) == {
        "int8": True, "structured_pruning": True, "magnitude_pruning": False, "low_rank": False}


@pytest.mark.parametrize("report, words", [
    ("not json", ["report.json", "not valid JSON"]),
    ([1, 2], ["report.json", "JSON object"]),
    ({"format": 2}, ["'format'", "1"]),
    ({"format": 1, "techniques": ["int8", "magic"]}, ["'techniques'"]),
    ({"format": 1, "techniques": ["int8"], "claims": {"speedup": 1}}, ["claims.baseline_accuracy"]),
    ({"format": 1, "techniques": [], "claims": {"baseline_accuracy": 1, "optimised_accuracy": 1,
      "baseline_bytes": 1, "optimised_bytes": 1, "speedup": float("nan")}}, ["claims.speedup", "finite"]),
])
def test_read_submission_names_file_and_key(tmp_path, report, words):
    fixture.make_submission(tmp_path)
    (tmp_path / "report.json").write_text(report if isinstance(report, str) else json.dumps(report))
    with pytest.raises(SubmissionError) as err:
        read_submission(tmp_path)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_missing_and_damaged_files(tmp_path):
    with pytest.raises(SubmissionError, match="report.json is missing"):
        read_submission(tmp_path)
    fixture.make_submission(tmp_path)
    (tmp_path / "optimised.npz").unlink()
    with pytest.raises(SubmissionError, match="optimised.npz is missing"):
        read_submission(tmp_path)
    (tmp_path / "optimised.npz").write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(SubmissionError, match="optimised.npz is not a readable .npz"):
        read_submission(tmp_path)


def test_read_model_refuses_pickle_and_needs_the_architecture(tmp_path):
    np.savez(tmp_path / "p.npz", **{ARCHITECTURE_KEY: np.array("[]"), "w": np.array([None, 1], dtype=object)})
    with pytest.raises(SubmissionError, match="pickle"):
        read_model(tmp_path / "p.npz")
    np.savez(tmp_path / "a.npz", w=np.ones(3))
    with pytest.raises(SubmissionError, match=f"no '{ARCHITECTURE_KEY}'"):
        read_model(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", **{ARCHITECTURE_KEY: np.array(json.dumps([{"type": "Conv3d"}]))})
    with pytest.raises(SubmissionError, match="layer 0"):
        read_model(tmp_path / "b.npz")


def test_build_model_dequantizes_per_row_and_checks_shapes():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    scale = np.array([[0.5], [0.25], [2.0]], np.float32)
    q = rng.integers(-128, 128, (3, 4)).astype(np.int8)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    arch = [{"type": "Linear", "name": "fc", "in": 4, "out": 3}]
    out = build_model(arch, {"fc.weight.q": q, "fc.weight.scale": scale})(x)
    assert np.allclose(out, x @ (q.astype(np.float32) * scale).T)
    with pytest.raises(SubmissionError, match=r"'fc.weight' has shape \(3, 4\), the architecture says \(4, 3\)"):
        build_model([{"type": "Linear", "name": "fc", "in": 3, "out": 4}], {"fc.weight": w})
    with pytest.raises(SubmissionError, match="not used"):
        build_model(arch, {"fc.weight": w, "extra": w})
    with pytest.raises(SubmissionError, match="int8"):
        build_model(arch, {"fc.weight.q": q.astype(np.int16), "fc.weight.scale": scale})
    low = [{"type": "Flatten"}, {"type": "LowRankLinear", "name": "lr", "in": 4, "out": 3, "rank": 2}, {"type": "ReLU"}]
    a, b, bias = (rng.standard_normal(s).astype(np.float32) for s in ((2, 4), (3, 2), (3,)))
    got = build_model(low, {"lr.first.weight": a, "lr.second.weight": b, "lr.second.bias": bias})(x.reshape(5, 2, 2))
    assert np.allclose(got, np.maximum(x @ a.T @ b.T + bias, 0), atol=1e-6)


def test_interleaved_latency_on_a_fake_clock():
    clock = {"now": 0.0}

    def model(cost):
        def run(_x):
            clock["now"] += cost
        return run

    timing = interleaved_latency(model(3.0), model(1.0), None, repeats=31, warmup=2, clock=lambda: clock["now"])
    assert np.all(timing["baseline"] == 3.0) and np.all(timing["optimised"] == 1.0), "pairs assigned to the right model"
    assert timing["speedup"] == 3.0 and timing["ci95"] == (3.0, 3.0)
    assert clock["now"] == (31 + 2) * 4.0
    with pytest.raises(ValueError, match="30"):
        interleaved_latency(model(1.0), model(1.0), None, repeats=10)


@pytest.mark.parametrize("n", [30, 31, 50, 101])
def test_median_interval_has_its_coverage(n):
    lo, hi = _median_ci_ranks(n)
    # P(order statistic lo <= median <= order statistic hi) = P(lo + 1 <= Binomial(n, 1/2) <= hi)
    coverage = sum(math.comb(n, k) for k in range(lo + 1, hi + 1)) / 2 ** n
    assert coverage >= 0.95 and hi == n - 1 - lo


def test_remeasure_in_a_fresh_process(submission):
    folder, honest = submission
    result = remeasure(folder)
    for key in ("baseline_accuracy", "optimised_accuracy"):
        assert result[key] == honest[key]
    assert result["bytes"] == {"baseline": honest["baseline_bytes"], "optimised": honest["optimised_bytes"]}
    assert result["n_test"] == len(load_test_digits()[1]) and result["latency"]["pairs"] == 31
    assert result["latency"]["speedup"] > 0 and result["latency"]["ci95"][0] <= result["latency"]["speedup"]


def test_remeasure_reports_a_bad_submission(tmp_path):
    with pytest.raises(SubmissionError, match="report.json is missing"):
        remeasure(tmp_path, latency=False)


def test_visible_techniques_of_low_rank_and_zeros():
    base = ([{"type": "Linear", "name": "fc", "in": 4, "out": 6}], {"fc.weight": np.ones((6, 4), np.float32)})
    w = np.ones((6, 4), np.float32)
    w[:, :2] = 0                                              # half the weights exactly zero
    sparse = ([{"type": "Linear", "name": "fc", "in": 4, "out": 6}], {"fc.weight": w})
    low = ([{"type": "LowRankLinear", "name": "fc", "in": 4, "out": 6, "rank": 2}],
           {"fc.first.weight": np.ones((2, 4), np.float32), "fc.second.weight": np.ones((6, 2), np.float32)})
    assert visible_techniques(base, sparse) == {"int8": False, "structured_pruning": False,
                                                "magnitude_pruning": True, "low_rank": False}
    seen = visible_techniques(base, low)
    assert seen["low_rank"] and not seen["structured_pruning"] and not seen["int8"]
    assert not any(visible_techniques(base, base).values()), "the baseline itself shows no technique"


def test_the_baseline_must_be_a_plain_float32_model(tmp_path):
    """The ratios divide by the baseline: an int8 or low-rank baseline, or float64 arrays, are refused."""
    fixture.make_submission(tmp_path)
    arch, state = fixture.mlp_state(32, np.random.default_rng(1), int8=True)
    fixture.write_model(tmp_path / "baseline.npz", arch, state)
    with pytest.raises(SubmissionError, match="baseline.npz.*float32"):
        read_submission(tmp_path)
    arch, state = fixture.mlp_state(32, np.random.default_rng(1))
    state["fc1.weight"] = state["fc1.weight"].astype(np.float64)
    fixture.write_model(tmp_path / "baseline.npz", arch, state)
    with pytest.raises(SubmissionError, match=r"baseline.npz.*\['fc1.weight'\] are not"):
        read_submission(tmp_path)
    arch = [{"type": "LowRankLinear", "name": "fc1", "in": 64, "out": 10, "rank": 4}]
    fixture.write_model(tmp_path / "baseline.npz", arch, {})
    with pytest.raises(SubmissionError, match="plain float32 model.*LowRankLinear"):
        read_submission(tmp_path)


def test_both_files_must_be_deflated(tmp_path):
    """An uncompressed baseline (np.savez) would inflate the size ratio: refused, naming the file."""
    fixture.make_submission(tmp_path)
    read_submission(tmp_path)
    arch, state = fixture.mlp_state(256, np.random.default_rng(0))
    np.savez(tmp_path / "baseline.npz", **{ARCHITECTURE_KEY: np.array(json.dumps(arch))}, **state)
    with pytest.raises(SubmissionError, match="baseline.npz: entries .* are not deflated"):
        read_submission(tmp_path)
