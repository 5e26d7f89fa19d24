"""tinytorch.capstone: Amdahl against its formula, predict_plan against the bytes of a real export and
module 14's FLOP counts, the export rebuilt by the grader's runtime, save_model read back by the trusted
reader, check_claims on fixtures, and build_submission meeting every target when re-measured."""
import os
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.capstone import (amdahl_speedup, build_submission, check_claims, layer_table, predict_plan,
                                save_model, to_architecture)
from tinytorch.capstone_support import (CLAIM_TOLERANCES, TARGETS, build_model, read_model, read_submission,
                                        remeasure, visible_techniques)
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.perf.compression import LowRankLinear
from tinytorch.perf.profiling import layer_flops, profile_model


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1.0), st.floats(0.1, 50.0)), min_size=1, max_size=8))
def test_amdahl_against_formula(parts):
    shares = np.array([p for p, _ in parts])
    shares /= shares.sum()
    factors = [f for _, f in parts]
    s = amdahl_speedup(shares, factors)
    assert s == pytest.approx(1 / sum(a / f for a, f in zip(shares, factors)))
    assert min(factors) - 1e-9 <= s <= max(factors) + 1e-9, "the whole is never faster than its fastest part"


def test_amdahl_errors_name_the_problem():
    with pytest.raises(ValueError, match="0.9"):
        amdahl_speedup([0.5, 0.4], [2, 2])
    with pytest.raises(ValueError, match="2 time shares but 3 factors"):
        amdahl_speedup([0.5, 0.5], [1, 2, 3])
    with pytest.raises(ValueError):
        amdahl_speedup([0.5, 0.5], [0, 2])


def digits_model():
    manual_seed(0)
    return Sequential(OrderedDict(fc1=Linear(64, 256), relu1=ReLU(), fc2=Linear(256, 128), relu2=ReLU(),
                                  fc3=Linear(128, 10)))


def pruned_model():
    manual_seed(1)
    return Sequential(OrderedDict(fc1=Linear(64, 128), relu1=ReLU(), fc2=Linear(128, 64), relu2=ReLU(),
                                  fc3=Linear(64, 10)))


HALF_INT8 = {"fc1": {"out": 128, "bits": 8}, "fc2": {"in": 128, "out": 64, "bits": 8}, "fc3": {"in": 64, "bits": 8}}


def test_predict_plan_bytes_equal_the_exported_arrays_and_flops_equal_module_14():
    model = digits_model()
    x = Tensor(np.zeros((7, 64), np.float32))
    rows = profile_model(model, x, warmup=0, repeats=1)
    layers = layer_table(model, rows)
    pred = predict_plan(layers, HALF_INT8)
    base_state = to_architecture(model)[1]
    opt_state = to_architecture(pruned_model(), int8=True)[1]
    assert pred["bytes_before"] == sum(a.nbytes for a in base_state.values())
    assert pred["bytes_after"] == sum(a.nbytes for a in opt_state.values()), "bytes by formula = bytes of the arrays"
    assert pred["flops_before"] * 7 == sum(r["flops"] for r in rows if r["layer"] == "Linear")
    after = sum(layer_flops(layer, (7, layer.in_features))[0] for layer in (pruned_model().fc1, pruned_model().fc2,
                                                                             pruned_model().fc3))
    assert pred["flops_after"] * 7 == after
    shares = [r["latency"] / sum(q["latency"] for q in rows) for r in rows]
    assert pred["speedup"] == pytest.approx(amdahl_speedup(shares, [r["factor"] for r in pred["layers"]]))


def test_predict_plan_low_rank_and_errors():
    layers = [{"name": "fc", "type": "Linear", "time": 1.0, "in": 100, "out": 50, "bias": True}]
    p = predict_plan(layers, {"fc": {"rank": 10}})
    assert p["flops_after"] == 2 * 10 * 150 + 50 and p["bytes_after"] == 4 * 10 * 150 + 200
    assert p["speedup"] == pytest.approx(p["flops_before"] / p["flops_after"])
    with pytest.raises(ValueError, match="'nope'"):
        predict_plan(layers, {"nope": {"bits": 8}})


def test_to_architecture_is_rebuilt_exactly_by_the_runtime():
    model = Sequential(OrderedDict(fc1=Linear(64, 32), act=ReLU(), low=LowRankLinear(32, 10, 3)))
    x = np.random.default_rng(0).random((9, 64)).astype(np.float32)
    with no_grad():
        expected = model(Tensor(x)).numpy()
    arch, state = to_architecture(model)
    assert np.allclose(build_model(arch, state)(x), expected, atol=1e-5)
    arch8, state8 = to_architecture(model, int8=True)
    assert {k for k, v in state8.items() if v.dtype == np.int8} == {"fc1.weight.q", "low.first.weight.q",
                                                                    "low.second.weight.q"}
    assert state8["low.first.weight.scale"].shape == (3, 1)
    err = np.abs(build_model(arch8, state8)(x) - expected).max()
    assert err < 0.05, f"int8 with per-row scales: max error {err}"
    with pytest.raises(TypeError, match="'seq'"):
        to_architecture(Sequential(OrderedDict(seq=Sequential(Linear(2, 2)))))


def test_save_model_round_trip_and_no_leftovers(tmp_path):
    arch, state = to_architecture(pruned_model(), int8=True)
    path = tmp_path / "m.npz"
    assert save_model(path, arch, state) == path
    arch2, state2 = read_model(path)
    assert arch2 == arch and all(np.array_equal(state[k], state2[k]) and state[k].dtype == state2[k].dtype
                                 for k in state)
    assert os.listdir(tmp_path) == ["m.npz"], "no temporary file is left behind"
    with pytest.raises(ValueError, match="'bad'"):
        save_model(tmp_path / "x.npz", arch, {"bad": np.array([object()], dtype=object)})
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_check_claims_fixtures():
    tol = {"a": {"abs": 0}, "s": {"factor": 2}}
    assert check_claims({"a": 3, "s": 4}, {"a": 3, "s": 2}, tol) == []
    assert check_claims({"a": 3, "s": 1}, {"a": 3, "s": 2}, tol) == []
    assert check_claims({"a": 4, "s": 0.9}, {"a": 3, "s": 2}, tol) == [
        "a: claimed 4, re-measured 3 (tolerance abs 0)", "s: claimed 0.9, re-measured 2 (tolerance factor 2)"]
    assert check_claims({"s": 2}, {"a": 3, "s": 2}, tol) == ["a: not claimed"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("capstone")
    return folder, build_submission(folder, verbose=False)


def test_build_submission_meets_every_target_when_re_measured(built):
    folder, report = built
    sub = read_submission(folder)
    assert sub["report"]["claims"] == report["claims"]
    visible = visible_techniques(sub["baseline"], sub["optimised"])
    assert len(set(report["techniques"])) >= 2 and all(visible[t] for t in report["techniques"])
    trusted = remeasure(folder)
    assert trusted["bytes"]["baseline"] / trusted["bytes"]["optimised"] >= TARGETS["size_ratio"]
    assert trusted["baseline_accuracy"] >= TARGETS["baseline_accuracy"]
    assert trusted["baseline_accuracy"] - trusted["optimised_accuracy"] <= TARGETS["accuracy_drop"]
    assert trusted["latency"]["ci95"][0] > 1.0, trusted["latency"]
    measured = {"baseline_accuracy": trusted["baseline_accuracy"], "optimised_accuracy": trusted["optimised_accuracy"],
                "baseline_bytes": trusted["bytes"]["baseline"], "optimised_bytes": trusted["bytes"]["optimised"],
                "speedup": trusted["latency"]["speedup"]}
    assert check_claims(report["claims"], measured, CLAIM_TOLERANCES) == [], "honest claims"
