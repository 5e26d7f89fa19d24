# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 20: Capstone

Modules 14 to 19 gave you a profiler, int8 quantization, pruning, low-rank layers and a benchmark
harness. The capstone puts them together the way an engineer does at work: **profile a model, plan an
optimisation from the profile, predict what it will buy, do it, measure it, and report the numbers in a
form someone else can check.** Here the someone else is the grader, and it checks everything: it loads
the two model files you submit, recomputes their accuracy on held-out digits and their bytes on disk,
re-times them on its own machine, and compares every number of your report with what it measured. A
report whose claims do not hold is **flagged** in the gradebook, whatever else it achieved.

The capstone of the original course of this kind had no graded cell, trained on random data and
"simulated an optimized model". Yours is a real model on real digits, and each target below is worth
points only when the grader re-measures it.

**Learning Objectives:**
- Predict the overall speed-up of a partial optimisation with Amdahl's law, and see why 4x fewer FLOPs
  in one layer is not 4x faster.
- Plan an optimisation from a per-layer profile (module 14): predict bytes, FLOPs and speed-up of a plan
  that prunes units (module 16) and stores weights as int8 (module 15), before touching the model.
- Export a model to a deployment format (architecture + arrays, int8 weights with per-row scales), saved
  atomically without pickle, and loaded by a separate runtime, as ONNX or TorchScript files are.
- Check claims against measurements with stated tolerances (exact for bytes and accuracy, a factor for
  timings), and know what one point of accuracy means on 359 test images.
- Build a complete submission: train, profile, plan, prune and fine-tune, quantize, benchmark with your
  module-19 harness, report. Targets: at least 3.5x smaller, at most 1 point of accuracy lost, faster.

**How this module works.** Steps 1-5 are functions to complete, each followed at once by a graded test;
step 6, `build_submission`, is the project. `#| export` cells become `tinytorch/capstone.py`
(`tito export 20`). The submission format, the reader and the grader's runtime are given in the support
file `tinytorch/capstone_support.py` (read it: it is the contract your files must meet).
"""

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

**Amdahl's law** (Gene Amdahl, 1967). A program spends the share $s_i$ of its time in part $i$
($\sum_i s_i = 1$). Make part $i$ faster by the factor $f_i$ and its time becomes $s_i / f_i$ of the old
total, so the whole program is faster by

$$S = \frac{1}{\sum_i s_i / f_i}.$$

A part left alone has $f_i = 1$. If half the time gets 4x faster and the other half is untouched,
$S = 1 / (0.5/4 + 0.5) = 1.6$, not 4, and no factor on the first half can ever give more than
$1 / 0.5 = 2$. The untouched share bounds the gain: **optimise where the profile says the time goes.**

**Bytes per parameter.** float32 costs 4 bytes per weight. int8 costs 1 byte, plus a float32 scale per
output row when each row gets its own scale (module 15's per-channel quantization): a `Linear(in, out)`
stored as int8 takes `in*out + 4*out` bytes for its weights instead of `4*in*out`, close to 4x smaller
when `in` is large. Structured pruning (module 16) that keeps `k` of the `h` hidden units of
`fc1 -> fc2` shrinks `fc1` to `k` rows and `fc2` to `k` columns: both layers lose FLOPs and bytes.
The savings multiply: a layer that loses half its inputs and is stored in int8 shrinks about `2 * 4 = 8x`;
a middle layer that loses half its inputs *and* half its outputs, about `4 * 4 = 16x` (printed below,
a little less because of the scales and the bias).

**FLOPs of a Linear layer** per input row: `2 * in * out` (a multiply and an add per weight) plus `out`
for the bias (module 14's formula). Pruning `in` and `out` to half each divides the matmul by 4.

**Accuracy on 359 images.** The held-out split of the digits has $n = 359$ images, so one image is
$1/359 = 0.28$ points of accuracy and the target "at most 1 point lost" allows 3 images. An accuracy
$p$ measured on $n$ images has the standard error $\sqrt{p(1-p)/n}$: at $p = 0.97$ that is about 0.9
points, so two models that differ by 1 point on these 359 images are not clearly different models.
The grade's accuracy target is a tolerance on *this* test set, not a claim about the world.

The cell below works these numbers out.
"""

# %%
import math

import numpy as np

from tinytorch.datasets import load_digits

before_ms = 100.0                       # a 100 ms run: 50 ms in part A, 50 ms in part B
after_ms = 50.0 / 4 + 50.0              # part A made 4x faster, part B untouched
print(f"Amdahl, one case by hand: {before_ms:.0f} ms -> {after_ms:.1f} ms, {before_ms / after_ms:.2f}x overall; "
      f"with part A taking no time at all: {before_ms / 50.0:.1f}x")
n_in, n_out = 256, 128
def linear_bytes(n_in, n_out, int8):
    """Bytes of a Linear's weights and bias: float32, or int8 weights + one float32 scale per output row."""
    return (n_in * n_out + 4 * n_out if int8 else 4 * n_in * n_out) + 4 * n_out


full = linear_bytes(n_in, n_out, False)
for label, (a, b, q) in {"int8": (n_in, n_out, True), "half the inputs + int8": (n_in // 2, n_out, True),
                         "half the inputs and outputs + int8": (n_in // 2, n_out // 2, True)}.items():
    print(f"Linear({n_in}, {n_out}) float32 {full:,} B -> {label}: {linear_bytes(a, b, q):,} B "
          f"({full / linear_bytes(a, b, q):.2f}x smaller)")
n_test = len(load_digits("test")[1])
print(f"held-out digits: {n_test} images; one image = {100 / n_test:.2f} points; 1 point = {n_test / 100:.2f} images")
for p in (0.90, 0.97):
    print(f"accuracy {p:.2f} on {n_test} images: standard error {100 * math.sqrt(p * (1 - p) / n_test):.2f} points")
assert full / linear_bytes(n_in, n_out, True) < 4, "the scales and the bias cost bytes"

# %% [markdown]
"""
## Part 2: Planning, exporting, checking

### Setup (given)

The module builds on modules 14 (profile), 15 (int8), 16 (pruning, low rank) and 19 (benchmark,
accuracy). The submission format (file names, the architecture vocabulary, `read_model`,
`read_submission`, `build_model`, the tolerances and targets) comes from `tinytorch.capstone_support`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import copy
import json
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from tinytorch.capstone_support import (ARCHITECTURE_KEY, BASELINE_FILE, CLAIM_TOLERANCES, OPTIMISED_FILE,
                                        REPORT_FILE, TARGETS, FORMAT_VERSION, build_model, read_model,
                                        read_submission, visible_techniques)
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Generator, Tensor, manual_seed
from tinytorch.core.tensor_ops import write_atomic
from tinytorch.core.training import minibatches, train_epoch
from tinytorch.datasets import load_digits
from tinytorch.perf.benchmarking import accuracy, benchmark, capture_environment, compare
from tinytorch.perf.compression import LowRankLinear, prune_neurons
from tinytorch.perf.profiling import leaf_layers, profile_model
from tinytorch.perf.quantization import quantize, symmetric_scale
from tinytorch.utils.timing import pinned_blas_threads

__all__ = ["amdahl_speedup", "layer_table", "predict_plan", "to_architecture", "save_model", "check_claims",
           "build_submission"]


# %% [markdown]
"""
### Step 1: Amdahl's law

**Your task:** `amdahl_speedup(time_shares, factors)`: the overall speed-up `1 / sum(s_i / f_i)` as a
Python float. (Given: ValueError naming both lengths when they differ, ValueError naming the sum when
the shares do not add up to 1 within 1e-6, ValueError when a share is negative or a factor is not
positive.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-amdahl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def amdahl_speedup(time_shares, factors):
    """Overall speed-up 1 / sum(s_i / f_i) when the part with time share s_i gets f_i times faster.

    Raises ValueError "... 2 time shares but 3 factors" when the lengths differ, ValueError naming the sum
    ("... add up to 0.9 ...") when the shares do not sum to 1 within 1e-6, ValueError when a share is
    negative or a factor is not positive.
    """
    s = np.asarray(time_shares, dtype=np.float64).reshape(-1)
    f = np.asarray(factors, dtype=np.float64).reshape(-1)
    if len(s) != len(f):
        raise ValueError(f"amdahl_speedup: {len(s)} time shares but {len(f)} factors")
    if abs(s.sum() - 1.0) > 1e-6:
        raise ValueError(f"amdahl_speedup: the time shares must add up to 1, they add up to {s.sum():.6g}")
    if np.any(s < 0) or np.any(f <= 0):
        raise ValueError("amdahl_speedup: shares must be >= 0 and factors > 0")
    ### BEGIN SOLUTION
    return float(1.0 / np.sum(s / f))
    ### END SOLUTION


# %% [markdown]
"""
### Testing `amdahl_speedup`

The worked example of Part 1, the limits (nothing faster: 1; everything `f` times faster: `f`), and
unequal factors on three parts.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-amdahl-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_amdahl_speedup():
    assert np.isclose(amdahl_speedup([0.5, 0.5], [4, 1]), 1.6), "half the time 4x faster is 1.6x overall"
    assert np.isclose(amdahl_speedup([0.2, 0.3, 0.5], [1, 1, 1]), 1.0)
    assert np.isclose(amdahl_speedup([0.25, 0.75], [3, 3]), 3.0), "every part 3x faster is 3x"
    expected = 1 / (0.6 / 4 + 0.3 / 2 + 0.1 / 1)
    assert np.isclose(amdahl_speedup([0.6, 0.3, 0.1], [4, 2, 1]), expected), f"expected {expected:.4f}"
    ### BEGIN HIDDEN TESTS
    assert isinstance(amdahl_speedup([1.0], [2.0]), float)
    assert np.isclose(amdahl_speedup([0.9, 0.1], [1e9, 1]), 10.0, rtol=1e-6), "the untouched 10% bounds it at 10x"
    assert np.isclose(amdahl_speedup([0.5, 0.5], [0.5, 1]), 1 / 1.5), "a slower part slows the whole"
    rng = np.random.default_rng(0)
    s = rng.random(7)
    s /= s.sum()
    f = rng.uniform(0.5, 8, 7)
    assert np.isclose(amdahl_speedup(s, f), 1 / np.sum(s / f))
    for shares, facs, word in (([0.5, 0.4], [2, 2], "0.9"), ([0.5, 0.5], [2, 2, 2], "3 factors")):
        try:
            amdahl_speedup(shares, facs)
            raise AssertionError(f"amdahl_speedup({shares}, {facs}) must raise ValueError")
        except ValueError as exc:
            assert word in str(exc), f"the message must name {word!r}: {exc}"
    ### END HIDDEN TESTS
    print("✅ amdahl_speedup: half the time 4x faster -> 1.6x overall")


test_unit_amdahl_speedup()

# %% [markdown]
"""
### Step 2: Predict a plan from the profile

Module 14's `profile_model(model, x)` gives one row per leaf layer with its measured time. `layer_table`
(given) turns them into the dicts `predict_plan` needs: `name`, `type`, `time` (seconds), and for a
`Linear` its `in`, `out` and `bias` (True/False).

A **plan** says, per `Linear` layer name, what it becomes: `{"fc1": {"out": 128, "bits": 8}, "fc2":
{"in": 128, "out": 64, "bits": 8}, ...}`. Keys, all optional: `in`, `out` (units kept by structured
pruning; default the layer's own), `rank` (a low-rank factorisation, two layers of `rank*(in+out)`
weights), `bits` (8: int8 weights with one float32 scale per output row; default 32).

**Your task:** `predict_plan(layers, plan)`. For each layer, before and after the plan, per input row:
- weights `W = in*out` (after: `k_in*k_out`, or `rank*(k_in + k_out)` with a rank);
- FLOPs `2*W + out` when the layer has a bias, else `2*W` (after: with `W` and `k_out` after);
- bytes: before `4*W + 4*out` with a bias, `4*W` without; after `W*bits/8`, plus `4*k_out` for the scales
  when `bits == 8`, plus `4*k_out` for a bias;
- `factor = flops_before / flops_after`. A layer that is not a `Linear` keeps its FLOPs (0 here) and
  bytes (0) and gets `factor = 1.0`.

Return a dict: `layers` (a list of dicts `name`, `flops_before`, `flops_after`, `bytes_before`,
`bytes_after`, `factor`, in the order of `layers`), the sums `flops_before`, `flops_after`,
`bytes_before`, `bytes_after`, `size_ratio = bytes_before / bytes_after`, and `speedup`: your
`amdahl_speedup` with each layer's share of the total profiled time and its factor. (Given: ValueError
naming a plan entry that is not a Linear layer of `layers`.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-predict", "locked": false, "schema_version": 3, "solution": true}}
#| export
def layer_table(model, rows):
    """profile_model rows -> [{name, type, time, and for a Linear: in, out, bias}] (given)."""
    layers = dict(leaf_layers(model))
    table = []
    for row in rows:
        layer = layers[row["name"]]
        entry = {"name": row["name"], "type": type(layer).__name__, "time": float(row["latency"])}
        if isinstance(layer, Linear):
            entry.update({"in": layer.in_features, "out": layer.out_features, "bias": layer.bias is not None})
        table.append(entry)
    return table


def predict_plan(layers, plan):
    """Predicted FLOPs, bytes and Amdahl speed-up of `plan` applied to the profiled `layers`.

    layers: [{name, type, time, and for type "Linear": in, out, bias}] (layer_table's output).
    plan: {linear name: {"in": k_in, "out": k_out, "rank": r, "bits": 8 or 32}}, every key optional.
    Per row: W = in*out (after: k_in*k_out or r*(k_in + k_out)); flops = 2W (+ out with a bias);
    bytes = 4W (+ 4*out bias) before; W*bits/8 (+ 4*k_out scales when bits == 8) (+ 4*k_out bias) after.
    Returns dict layers [{name, flops_before, flops_after, bytes_before, bytes_after, factor}],
    flops_before, flops_after, bytes_before, bytes_after, size_ratio, speedup (amdahl_speedup with the
    layers' time shares and factors; a non-Linear layer has factor 1.0 and 0 FLOPs and bytes).
    Raises ValueError naming a plan entry that is not a Linear layer of `layers`.
    """
    linear = {layer["name"] for layer in layers if layer["type"] == "Linear"}
    for name in plan:
        if name not in linear:
            raise ValueError(f"predict_plan: the plan names {name!r}, which is not a Linear layer of the profile "
                             f"(Linear layers: {sorted(linear)})")
    ### BEGIN SOLUTION
    rows, total_time = [], sum(layer["time"] for layer in layers)
    for layer in layers:
        if layer["type"] != "Linear":
            rows.append({"name": layer["name"], "flops_before": 0, "flops_after": 0, "bytes_before": 0,
                         "bytes_after": 0, "factor": 1.0})
            continue
        step = plan.get(layer["name"], {})
        k_in, k_out = step.get("in", layer["in"]), step.get("out", layer["out"])
        bias = layer["bias"]
        w_before = layer["in"] * layer["out"]
        w_after = step["rank"] * (k_in + k_out) if "rank" in step else k_in * k_out
        bits = step.get("bits", 32)
        flops_before = 2 * w_before + (layer["out"] if bias else 0)
        flops_after = 2 * w_after + (k_out if bias else 0)
        bytes_before = 4 * w_before + (4 * layer["out"] if bias else 0)
        bytes_after = w_after * bits // 8 + (4 * k_out if bits == 8 else 0) + (4 * k_out if bias else 0)
        rows.append({"name": layer["name"], "flops_before": flops_before, "flops_after": flops_after,
                     "bytes_before": bytes_before, "bytes_after": bytes_after,
                     "factor": flops_before / flops_after})
    out = {"layers": rows}
    for key in ("flops_before", "flops_after", "bytes_before", "bytes_after"):
        out[key] = sum(r[key] for r in rows)
    out["size_ratio"] = out["bytes_before"] / out["bytes_after"]
    out["speedup"] = amdahl_speedup([layer["time"] / total_time for layer in layers], [r["factor"] for r in rows])
    return out
    ### END SOLUTION


# %% [markdown]
"""
### Testing `predict_plan`

A hand-made profile (times chosen so the shares are simple), checked against the formulas line by line.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-predict-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_predict_plan():
    layers = [{"name": "fc1", "type": "Linear", "time": 0.4, "in": 64, "out": 256, "bias": True},
              {"name": "relu", "type": "ReLU", "time": 0.2},
              {"name": "fc2", "type": "Linear", "time": 0.4, "in": 256, "out": 10, "bias": True}]
    plan = {"fc1": {"out": 128, "bits": 8}, "fc2": {"in": 128}}
    p = predict_plan(layers, plan)
    fc1, relu, fc2 = p["layers"]
    assert fc1["flops_before"] == 2 * 64 * 256 + 256 and fc1["flops_after"] == 2 * 64 * 128 + 128
    assert fc1["bytes_before"] == 4 * 64 * 256 + 4 * 256, fc1
    assert fc1["bytes_after"] == 64 * 128 + 4 * 128 + 4 * 128, "int8 weights + a float32 scale per row + bias"
    assert fc2["bytes_after"] == 4 * 128 * 10 + 4 * 10 and relu["factor"] == 1.0 and relu["flops_after"] == 0
    assert np.isclose(fc1["factor"], fc1["flops_before"] / fc1["flops_after"])
    expected = 1 / (0.4 / fc1["factor"] + 0.2 + 0.4 / fc2["factor"])
    assert np.isclose(p["speedup"], expected), f"Amdahl with the profile's shares: {expected:.4f}, got {p['speedup']}"
    assert p["bytes_before"] == fc1["bytes_before"] + fc2["bytes_before"]
    assert np.isclose(p["size_ratio"], p["bytes_before"] / p["bytes_after"])
    ### BEGIN HIDDEN TESTS
    low = predict_plan(layers, {"fc1": {"rank": 16}})["layers"][0]
    assert low["flops_after"] == 2 * 16 * (64 + 256) + 256 and low["bytes_after"] == 4 * 16 * (64 + 256) + 4 * 256
    nobias = [{"name": "a", "type": "Linear", "time": 1.0, "in": 10, "out": 20, "bias": False}]
    q = predict_plan(nobias, {"a": {"bits": 8}})
    assert q["layers"][0]["bytes_after"] == 200 + 80 and q["layers"][0]["bytes_before"] == 800
    assert q["flops_before"] == q["flops_after"] == 400 and np.isclose(q["speedup"], 1.0), "int8 storage: same FLOPs"
    same = predict_plan(layers, {})
    assert np.isclose(same["speedup"], 1.0) and np.isclose(same["size_ratio"], 1.0)
    assert [r["name"] for r in p["layers"]] == ["fc1", "relu", "fc2"]
    try:
        predict_plan(layers, {"relu": {"out": 3}})
        raise AssertionError("a plan entry for a ReLU must raise ValueError")
    except ValueError as exc:
        assert "relu" in str(exc)
    ### END HIDDEN TESTS
    print(f"✅ predict_plan: {p['size_ratio']:.2f}x smaller, {p['flops_before'] / p['flops_after']:.2f}x fewer FLOPs, "
          f"Amdahl speed-up {p['speedup']:.2f}x")


test_unit_predict_plan()

# %% [markdown]
"""
### Plan from a profile: three candidate plans for the digits MLP

The model of the project: `64 -> 256 -> 128 -> 10` with ReLUs. Profiling times the layers, and the
times do not depend on the weights, so an untrained copy profiles the same. We profile one batch of the
359 test images (the grader times that batch) and predict three plans: int8 alone, half the hidden units
and int8, and a rank-32 `fc2` and int8. Read the table: which plans can meet both "3.5x smaller" and
"faster", and which layer's share of the time limits the speed-up?
"""

# %%
x_test, y_test = load_digits("test")
x_test = x_test.reshape(len(x_test), 64)
manual_seed(0)
mlp = Sequential(OrderedDict(fc1=Linear(64, 256), relu1=ReLU(), fc2=Linear(256, 128), relu2=ReLU(), fc3=Linear(128, 10)))
with pinned_blas_threads(1):
    profile = layer_table(mlp, profile_model(mlp, Tensor(x_test), warmup=3, repeats=15))
total = sum(layer["time"] for layer in profile)
print(f"profile of one batch of {len(x_test)} images: " + ", ".join(f"{l['name']} {100 * l['time'] / total:.0f}%" for l in profile))
plans = {"int8 only": {n: {"bits": 8} for n in ("fc1", "fc2", "fc3")},
         "half the units + int8": {"fc1": {"out": 128, "bits": 8}, "fc2": {"in": 128, "out": 64, "bits": 8},
                                   "fc3": {"in": 64, "bits": 8}},
         "fc2 rank 32 + int8": {"fc1": {"bits": 8}, "fc2": {"rank": 32, "bits": 8}, "fc3": {"bits": 8}}}
for label, plan in plans.items():
    pred = predict_plan(profile, plan)
    print(f"{label:24s} {pred['size_ratio']:5.2f}x smaller, {pred['flops_before'] / pred['flops_after']:5.2f}x fewer "
          f"FLOPs, predicted speed-up {pred['speedup']:5.2f}x")

# %% [markdown]
"""
### Step 3: Export a model to the submission format

The grader never runs your layers: it rebuilds each model from its file with a small NumPy runtime
(`build_model` in the support file), as a deployed model is run by ONNX Runtime rather than by the code
that trained it. The file holds an **architecture** (a list of layer dicts) and named arrays.

**Your task:** `to_architecture(model, int8=False)` returns `(architecture, state)` for a model whose
children (`model.named_children()`, in forward order) are `Linear`, `LowRankLinear`, `ReLU` and `Flatten`
(given: `_kind` names the type or raises the TypeError).
- `Linear` child `name`: `{"type": "Linear", "name": name, "in": in_features, "out": out_features}`,
  arrays `name.weight` (out, in) and `name.bias` (when the layer has one).
- `LowRankLinear`: `{"type": "LowRankLinear", "name": name, "in": ..., "out": ..., "rank": ...}` (the
  rank is `first.out_features`), arrays `name.first.weight`, `name.second.weight`, `name.second.bias`.
- `ReLU` and `Flatten`: `{"type": "ReLU"}`, `{"type": "Flatten"}`, no arrays.
- Arrays are float32 NumPy copies (`param.detach().numpy().copy()`). With `int8=True` each **weight**
  `key` is stored instead as two arrays: `key.q`, the int8 values `quantize(w, scale, 0)` (module 15),
  and `key.scale`, the scales `symmetric_scale(w, axis=0)` (one float32 per output row, shape `(out, 1)`);
  biases stay float32.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-export", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _kind(name, child):
    """The architecture type of a child layer, or TypeError naming it (given)."""
    for cls in (LowRankLinear, Linear, ReLU, Flatten):
        if isinstance(child, cls):
            return cls.__name__
    raise TypeError(f"to_architecture: layer {name!r} is a {type(child).__name__}; the submission format knows "
                    "Linear, LowRankLinear, ReLU and Flatten")


def to_architecture(model, int8=False):
    """(architecture, state) of `model` in the capstone format (see tinytorch/capstone_support.py).

    Children (named_children, in order): Linear -> {"type", "name", "in", "out"} + name.weight, name.bias;
    LowRankLinear -> {"type", "name", "in", "out", "rank"} + name.first.weight, name.second.weight,
    name.second.bias; ReLU/Flatten -> {"type"}. Arrays are float32 copies. int8=True stores every weight
    key as key.q (np.int8, quantize(w, scale, 0)) and key.scale (symmetric_scale(w, axis=0), shape (out, 1)).
    Raises TypeError naming a child of another type.
    """
    architecture, state = [], {}
    for name, child in model.named_children():
        kind = _kind(name, child)
        ### BEGIN SOLUTION
        if kind in ("ReLU", "Flatten"):
            architecture.append({"type": kind})
            continue
        if kind == "Linear":
            architecture.append({"type": kind, "name": name, "in": child.in_features, "out": child.out_features})
            parts = {f"{name}.weight": child.weight, f"{name}.bias": child.bias}
        else:
            architecture.append({"type": kind, "name": name, "in": child.first.in_features,
                                 "out": child.second.out_features, "rank": child.first.out_features})
            parts = {f"{name}.first.weight": child.first.weight, f"{name}.second.weight": child.second.weight,
                     f"{name}.second.bias": child.second.bias}
        for key, param in parts.items():
            if param is None:
                continue
            value = param.detach().numpy().astype(np.float32).copy()
            if int8 and key.endswith("weight"):
                scale = symmetric_scale(value, axis=0)
                state[key + ".q"] = quantize(value, scale, 0)
                state[key + ".scale"] = scale
            else:
                state[key] = value
        ### END SOLUTION
    return architecture, state


# %% [markdown]
"""
### Testing `to_architecture`

The grader's runtime, `build_model`, must rebuild the same function from your export: equal outputs in
float32, within the int8 rounding error with `int8=True`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-export-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_to_architecture():
    manual_seed(1)
    model = Sequential(OrderedDict(flat=Flatten(), fc1=Linear(64, 32), act=ReLU(), fc2=LowRankLinear(32, 10, 4)))
    x = np.random.default_rng(0).random((5, 8, 8)).astype(np.float32)
    with no_grad():
        expected = model(Tensor(x)).numpy()
    arch, state = to_architecture(model)
    assert arch[0] == {"type": "Flatten"} and arch[2] == {"type": "ReLU"}, arch
    assert arch[1] == {"type": "Linear", "name": "fc1", "in": 64, "out": 32}, arch[1]
    assert arch[3] == {"type": "LowRankLinear", "name": "fc2", "in": 32, "out": 10, "rank": 4}, arch[3]
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.first.weight", "fc2.second.bias", "fc2.second.weight"]
    assert np.allclose(build_model(arch, state)(x), expected, atol=1e-5), "build_model must rebuild the same model"
    arch8, state8 = to_architecture(model, int8=True)
    assert state8["fc1.weight.q"].dtype == np.int8 and state8["fc1.bias"].dtype == np.float32
    assert state8["fc1.weight.scale"].shape == (32, 1), "one scale per output row"
    assert np.allclose(build_model(arch8, state8)(x), expected, atol=0.05), "int8 stays close"
    ### BEGIN HIDDEN TESTS
    w = model.fc1.weight.detach().numpy()
    scale = symmetric_scale(w, axis=0)
    assert np.array_equal(state8["fc1.weight.q"], quantize(w, scale, 0)) and np.allclose(state8["fc1.weight.scale"], scale)
    assert state8["fc2.first.weight.q"].dtype == np.int8 and state8["fc2.second.weight.scale"].shape == (10, 1)
    assert "fc1.weight" not in state8 and all(v.dtype != np.float64 for v in state.values())
    state["fc1.weight"][0, 0] = 99.0
    assert model.fc1.weight.detach().numpy()[0, 0] != 99.0, "the arrays must be copies"
    nobias = Sequential(OrderedDict(a=Linear(4, 3, bias=False)))
    assert sorted(to_architecture(nobias)[1]) == ["a.weight"]
    ### END HIDDEN TESTS
    print(f"✅ to_architecture: {len(arch)} layers; int8 export within "
          f"{np.abs(build_model(arch8, state8)(x) - expected).max():.4f} of the float32 model")


test_unit_to_architecture()

# %% [markdown]
"""
### Step 4: Save a model file, atomically and without pickle

**Your task:** `save_model(path, architecture, state)`: write one `.npz` file holding every array of
`state` under its key, plus the architecture as a JSON string under `ARCHITECTURE_KEY`
(`np.array(json.dumps(architecture))`, a unicode array: no pickle). Use `np.savez_compressed` (pruned
zeros and narrow int8 values deflate) and write through `write_atomic(path, write)` (module 01: a crash
never leaves half a file over a good one). Arrays keep their dtype: int8 stays int8. Before writing
anything, raise ValueError naming the key for an array of dtype `object` (NumPy could only store it with
pickle, which loading with `allow_pickle=False` refuses, and which runs code when loaded). Return the path.
(Given: ValueError when a key is `ARCHITECTURE_KEY`.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-save", "locked": false, "schema_version": 3, "solution": true}}
#| export
def save_model(path, architecture, state):
    """Write `state` (arrays) and the architecture (JSON string under ARCHITECTURE_KEY) to the .npz `path`
    with np.savez_compressed through write_atomic; return path.

    dtypes are kept. Raises ValueError naming the key, before writing, for an array of dtype object, and
    for a key equal to ARCHITECTURE_KEY.
    """
    if ARCHITECTURE_KEY in state:
        raise ValueError(f"save_model: the key {ARCHITECTURE_KEY!r} is reserved for the architecture")
    ### BEGIN SOLUTION
    arrays = {}
    for key, value in state.items():
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError(f"save_model: array {key!r} has dtype object, which only pickle can store")
        arrays[key] = array
    arrays[ARCHITECTURE_KEY] = np.array(json.dumps(architecture))
    write_atomic(path, lambda fh: np.savez_compressed(fh, **arrays))
    return path
    ### END SOLUTION


# %% [markdown]
"""
### Testing `save_model`

Read back with the grader's reader (`read_model`, `allow_pickle=False`): same arrays, same dtypes, same
architecture; a pickled array is refused before any file is written.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-save-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_save_model():
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix="capstone-save-"))
    arch = [{"type": "Linear", "name": "fc", "in": 3, "out": 2}]
    state = {"fc.weight.q": np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int8),
             "fc.weight.scale": np.array([[0.5], [0.25]], dtype=np.float32), "fc.bias": np.zeros(2, np.float32)}
    path = folder / "m.npz"
    save_model(path, arch, state)
    arch2, state2 = read_model(path)
    assert arch2 == arch and sorted(state2) == sorted(state), (arch2, sorted(state2))
    assert state2["fc.weight.q"].dtype == np.int8 and np.array_equal(state2["fc.weight.q"], state["fc.weight.q"])
    try:
        save_model(folder / "bad.npz", arch, {"fc.weight": np.array([None, 1], dtype=object)})
        raise AssertionError("an object array must raise ValueError")
    except ValueError as exc:
        assert "fc.weight" in str(exc), f"the message must name the key: {exc}"
    assert not (folder / "bad.npz").exists(), "nothing is written when an array is refused"
    ### BEGIN HIDDEN TESTS
    calls = []
    original = globals()["write_atomic"]
    globals()["write_atomic"] = lambda p, w: calls.append(p) or original(p, w)
    try:
        save_model(folder / "spy.npz", arch, state)
    finally:
        globals()["write_atomic"] = original
    assert len(calls) == 1 and Path(calls[0]) == folder / "spy.npz", "save_model must write through write_atomic"
    with np.load(folder / "spy.npz", allow_pickle=False) as f:
        assert f.zip.getinfo("fc.bias.npy").compress_type != 0, "np.savez_compressed deflates the arrays"
    save_model(path, arch, {"fc.weight": np.ones((2, 3), np.float32)})
    assert sorted(read_model(path)[1]) == ["fc.weight"], "a second save replaces the file"
    try:
        save_model(path, arch, {"fc.weight": np.ones((2, 3)), "fc.bias": np.array([{}, 1], dtype=object)})
        raise AssertionError("an object array must raise ValueError")
    except ValueError:
        assert sorted(read_model(path)[1]) == ["fc.weight"], "a refused save leaves the old file whole"
    ### END HIDDEN TESTS
    print(f"✅ save_model: {path.stat().st_size} bytes, int8 kept, no pickle")


test_unit_save_model()

# %% [markdown]
"""
### Step 5: Check claims against measurements

A claim is honest when it is close enough to what was measured, and "close enough" must be stated
before the measurement. The grade uses `CLAIM_TOLERANCES` of the support file: **exact** for bytes and
for accuracies (same files, same 359 images: a difference of one image is a wrong claim), and **within
a factor 2** for the speed-up (a timing is re-measured, later, on a machine whose load changes).

**Your task:** `check_claims(claimed, measured, tolerances)` returns a list of problems, empty when
every claim holds. For each key of `tolerances`, in order:
- missing from `claimed`: the problem `"KEY: not claimed"`;
- `{"abs": a}`: holds when `|claimed - measured| <= a`;
- `{"factor": f}`: holds when `1/f <= claimed / measured <= f` (too low is as wrong as too high);
- a claim exactly at the edge holds. A problem reads `"KEY: claimed C, re-measured M (tolerance T)"`
  with C and M as `{:.6g}` and T as `"abs A"` or `"factor F"` (also `{:.6g}`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-claims", "locked": false, "schema_version": 3, "solution": true}}
#| export
def check_claims(claimed, measured, tolerances):
    """Problems (list of str, [] when honest) of `claimed` against `measured` under `tolerances`.

    tolerances: {key: {"abs": a}} (|c - m| <= a) or {key: {"factor": f}} (1/f <= c/m <= f); edges hold.
    Problems in the order of tolerances: "KEY: not claimed" or "KEY: claimed C, re-measured M (tolerance T)",
    C and M formatted {:.6g}, T "abs A" or "factor F" ({:.6g}).
    """
    problems = []
    for key, tolerance in tolerances.items():
        ### BEGIN SOLUTION
        if key not in claimed:
            problems.append(f"{key}: not claimed")
            continue
        c, m = float(claimed[key]), float(measured[key])
        if "abs" in tolerance:
            ok, text = abs(c - m) <= tolerance["abs"], f"abs {tolerance['abs']:.6g}"
        else:
            f = tolerance["factor"]
            ok, text = m != 0 and 1 / f <= c / m <= f, f"factor {f:.6g}"
        if not ok:
            problems.append(f"{key}: claimed {c:.6g}, re-measured {m:.6g} (tolerance {text})")
        ### END SOLUTION
    return problems


# %% [markdown]
"""
### Testing `check_claims`

Honest claims, the edges (a tie holds), a claim too low by more than the factor, a missing claim.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-claims-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_check_claims():
    tol = {"bytes": {"abs": 0}, "acc": {"abs": 0.25}, "speedup": {"factor": 1.5}}
    measured = {"bytes": 1000, "acc": 0.5, "speedup": 2.0}
    assert check_claims(dict(measured), measured, tol) == [], "honest claims"
    assert check_claims({"bytes": 1000, "acc": 0.75, "speedup": 3.0}, measured, tol) == [], "edges hold"
    assert check_claims({"bytes": 1000, "acc": 0.25, "speedup": 2 / 1.5}, measured, tol) == [], "edges hold"
    problems = check_claims({"bytes": 999, "acc": 0.5, "speedup": 3.5}, measured, tol)
    assert problems == ["bytes: claimed 999, re-measured 1000 (tolerance abs 0)",
                        "speedup: claimed 3.5, re-measured 2 (tolerance factor 1.5)"], problems
    assert check_claims({"bytes": 1000, "speedup": 2.0}, measured, tol) == ["acc: not claimed"]
    ### BEGIN HIDDEN TESTS
    assert check_claims({"bytes": 1000, "acc": 0.5, "speedup": 1.0}, measured, tol) == [
        "speedup: claimed 1, re-measured 2 (tolerance factor 1.5)"], "a claim too low is wrong too"
    assert check_claims({"bytes": 1000, "acc": 0.5 + 0.2500001, "speedup": 2.0}, measured, tol) == [
        "acc: claimed 0.75, re-measured 0.5 (tolerance abs 0.25)"]
    assert check_claims({}, measured, tol) == ["bytes: not claimed", "acc: not claimed", "speedup: not claimed"]
    assert check_claims({"x": 3}, {"x": 3, "y": 1}, {"x": {"abs": 0}}) == [], "only the tolerances' keys count"
    ### END HIDDEN TESTS
    print("✅ check_claims: exact and factor tolerances, edges, missing claims")


test_unit_check_claims()

# %% [markdown]
"""
## Part 3: The project

### Step 6: `build_submission(folder, seed=0)`

Write into `folder` the three files of the format: `baseline.npz`, `optimised.npz` (both with your
`save_model`) and `report.json` (through `write_atomic`), and return the report dict. The reference plan
(yours may differ, as long as the targets are met):
1. Train the baseline `digits_mlp()` (given below; 64-256-128-10) on `load_digits("train")` (images
   flattened to 64 values): Adam, lr 3e-3, batch 32, about 15 epochs, seeded. Everything inside
   `pinned_blas_threads(1)` (on a shared 2-core machine, two BLAS threads that wait for each other's
   core can make these small matmuls many times slower than one thread: time it yourself once).
2. Profile it (module 14) on the 359 test images; `layer_table`; `predict_plan` your plan; print it.
3. Structured pruning (module 16's `prune_neurons`): keep half the units of `fc1 -> fc2` and of
   `fc2 -> fc3`, then fine-tune a few epochs (lr 1e-3) to recover the accuracy.
4. Export the baseline in float32 and the pruned model with `int8=True` (`to_architecture`), save both.
5. **Measure the files, not the models in memory**: read each file back (`read_model`), rebuild it with
   `build_model` (the grader's runtime), and measure accuracy on the test images with your module-19
   `accuracy`, bytes with `os.path.getsize`, and the speed-up with your module-19 `benchmark` (batch of
   the 359 test images, 30 repeats each) and `compare`, in several rounds that alternate which model
   goes first, and claim the median of the rounds' speed-ups (on a loaded machine, a single round timed
   while another program held the core can show no speed-up at all where the grader's re-timing,
   interleaved pair by pair, finds one; then your honest claim would be flagged).
6. Report: `{"format": FORMAT_VERSION, "techniques": [...] (names from the support file's TECHNIQUES,
   at least two, each visible in your files), "claims": {baseline_accuracy, optimised_accuracy,
   baseline_bytes, optimised_bytes, speedup}, ...}` plus what you like (the plan, the prediction, the
   environment).

**The format's two rules for fair ratios** (the reader refuses a submission that breaks them, naming the
file): the baseline is a plain float32 model (Linear, ReLU and Flatten layers: an already optimised
baseline would hide your gain, a padded one would inflate it), and both files are written by
`np.savez_compressed` (every entry deflated, so their bytes compare like with like).

**Targets, each worth points only when re-measured by the grader:** techniques (at least two, visible
in the files), size (baseline bytes / optimised bytes >= 3.5), accuracy (baseline >= 90%, at most 1
point lost), latency (the median of 31 interleaved timing pairs faster, and its 95% interval above 1),
claims (every claim within `CLAIM_TOLERANCES` of the grader's re-measurement, or the report is flagged).
The whole function must run well under a minute (the grader stops a cell after 60 s).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "capstone-project", "locked": false, "schema_version": 3, "solution": true}}
#| export
def digits_mlp(hidden=(256, 128)):
    """The project's model: Linear(64, h1), ReLU, Linear(h1, h2), ReLU, Linear(h2, 10), named fc1..fc3 (given)."""
    return Sequential(OrderedDict(fc1=Linear(64, hidden[0]), relu1=ReLU(), fc2=Linear(hidden[0], hidden[1]),
                                  relu2=ReLU(), fc3=Linear(hidden[1], 10)))


def train_digits(model, images, labels, epochs, lr, seed):
    """Adam with cross-entropy on (images (N, 64), labels), batches of 32, shuffled by Generator(seed) (given)."""
    optimizer, generator = Adam(model.parameters(), lr=lr), Generator().manual_seed(seed)
    for _ in range(epochs):                 # module 07's epoch: forward, loss, zero_grad, backward, step
        train_epoch(model, minibatches(images, labels, 32, shuffle=True, generator=generator), cross_entropy,
                    optimizer)
    model.eval()
    return model


def build_submission(folder, seed=0, epochs=15, finetune_epochs=5, verbose=True):
    """Train, profile, plan, optimise, measure and write the submission into `folder`; return the report.

    Writes baseline.npz and optimised.npz (save_model) and report.json (write_atomic): {"format":
    FORMAT_VERSION, "techniques": [>= 2 names of TECHNIQUES, each visible in the files], "claims":
    {baseline_accuracy, optimised_accuracy (fractions on load_digits("test")), baseline_bytes,
    optimised_bytes (os.path.getsize), speedup (baseline / optimised median latency on the 359 test
    images)}, ...}. Every claim is measured on the files read back and rebuilt with build_model.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    say = print if verbose else (lambda *args: None)
    ### BEGIN SOLUTION
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    x_train, x_test = x_train.reshape(len(x_train), 64), x_test.reshape(len(x_test), 64)
    with pinned_blas_threads(1):
        manual_seed(seed)
        baseline = train_digits(digits_mlp(), x_train, y_train, epochs, 3e-3, seed)
        profile = layer_table(baseline, profile_model(baseline, Tensor(x_test), warmup=3, repeats=15))
        plan = {"fc1": {"out": 128, "bits": 8}, "fc2": {"in": 128, "out": 64, "bits": 8}, "fc3": {"in": 64, "bits": 8}}
        prediction = predict_plan(profile, plan)
        say(f"plan: half the hidden units + int8; predicted {prediction['bytes_before']:,} -> {prediction['bytes_after']:,} "
            f"bytes of arrays ({prediction['size_ratio']:.2f}x), {prediction['flops_before'] / prediction['flops_after']:.2f}x "
            f"fewer FLOPs, speed-up {prediction['speedup']:.2f}x")
        fc1, fc2, _ = prune_neurons(baseline.fc1, baseline.fc2, 0.5)
        fc2, fc3, _ = prune_neurons(fc2, baseline.fc3, 0.5)
        pruned = Sequential(OrderedDict(fc1=fc1, relu1=ReLU(), fc2=fc2, relu2=ReLU(), fc3=fc3))
        train_digits(pruned, x_train, y_train, finetune_epochs, 1e-3, seed + 1)
        paths = {"baseline": folder / BASELINE_FILE, "optimised": folder / OPTIMISED_FILE}
        save_model(paths["baseline"], *to_architecture(baseline))
        save_model(paths["optimised"], *to_architecture(pruned, int8=True))
        loaded = {name: build_model(*read_model(path)) for name, path in paths.items()}
        speedups = []           # 5 rounds, alternating which model goes first; a slow spell spoils one round
        for i in range(5):
            order = list(loaded.items())[::1 if i % 2 == 0 else -1]
            runs = {name: benchmark(lambda m=m: m(x_test), warmup=3, repeats=30, name=name, seed=seed)
                    for name, m in order}
            speedups.append(compare(runs["baseline"], runs["optimised"])["speedup"])
    claims = {f"{name}_accuracy": accuracy(m(x_test), y_test) for name, m in loaded.items()}
    claims.update({f"{name}_bytes": os.path.getsize(path) for name, path in paths.items()})
    claims["speedup"] = float(np.median(speedups))
    report = {"format": FORMAT_VERSION, "techniques": ["structured_pruning", "int8"], "claims": claims,
              "plan": plan, "prediction": {k: v for k, v in prediction.items() if k != "layers"},
              "round_speedups": speedups, "environment": capture_environment(seed)}
    write_atomic(folder / REPORT_FILE, lambda fh: fh.write(json.dumps(report, indent=1).encode("utf-8")))
    say(f"claims: accuracy {claims['baseline_accuracy']:.2%} -> {claims['optimised_accuracy']:.2%}, bytes "
        f"{claims['baseline_bytes']:,} -> {claims['optimised_bytes']:,} "
        f"({claims['baseline_bytes'] / claims['optimised_bytes']:.2f}x), speed-up {claims['speedup']:.2f}x")
    return report
    ### END SOLUTION


# %% [markdown]
"""
### Testing `build_submission`

The cell builds your submission in a fresh folder (so no file from an earlier run can be graded). Each
cell after it checks one target exactly as the grader does: `remeasure` (support file) reads the files in
a fresh Python process that loads only the support file and NumPy, so the numbers come from the files
alone. When a claim of your report is off, the grader's copy of the claims cell raises `ClaimsFlagged`
and the submission is flagged in the gradebook.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-project-format", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
import tempfile

from tinytorch.capstone_support import remeasure

SUBMISSION_DIR = Path(tempfile.mkdtemp(prefix="capstone-submission-"))
### BEGIN HIDDEN TESTS


def _grader_support():
    """A fresh copy of the support file loaded from disk (the sandbox mounts the package at /grader/lib):
    whatever the notebook's own code replaced in the imported tinytorch.capstone_support does not reach it."""
    import importlib.util

    import tinytorch
    path = Path("/grader/lib/tinytorch/capstone_support.py")
    if not path.is_file():
        path = Path(tinytorch.__path__[0]) / "capstone_support.py"
    spec = importlib.util.spec_from_file_location("_capstone_grader_support", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
### END HIDDEN TESTS


def test_project_format():
    report = build_submission(SUBMISSION_DIR)
    trusted = remeasure(SUBMISSION_DIR, latency=False)
    ### BEGIN HIDDEN TESTS
    trusted = _grader_support().remeasure(SUBMISSION_DIR, latency=False)
    ### END HIDDEN TESTS
    techniques = set(trusted["report"]["techniques"])
    assert len(techniques) >= TARGETS["techniques"], f"at least two techniques, the report names {sorted(techniques)}"
    assert all(trusted["visible"][t] for t in techniques), (
        f"the report names {sorted(techniques)}; visible in the files: {trusted['visible']}")
    assert report["claims"] == trusted["report"]["claims"], "build_submission returns the report it wrote"
    print(f"✅ submission in {SUBMISSION_DIR}: techniques {sorted(techniques)}, each visible in the files")


test_project_format()

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-project-size", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_project_size():
    trusted = remeasure(SUBMISSION_DIR, latency=False)
    ### BEGIN HIDDEN TESTS
    trusted = _grader_support().remeasure(SUBMISSION_DIR, latency=False)
    ### END HIDDEN TESTS
    ratio = trusted["bytes"]["baseline"] / trusted["bytes"]["optimised"]
    assert ratio >= TARGETS["size_ratio"], f"the optimised file is {ratio:.2f}x smaller, the target is 3.5x"
    print(f"✅ size: {trusted['bytes']['baseline']:,} -> {trusted['bytes']['optimised']:,} bytes on disk, "
          f"{ratio:.2f}x smaller (target >= {TARGETS['size_ratio']}x)")


test_project_size()

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-project-accuracy", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_project_accuracy():
    trusted = remeasure(SUBMISSION_DIR, latency=False)
    ### BEGIN HIDDEN TESTS
    trusted = _grader_support().remeasure(SUBMISSION_DIR, latency=False)
    ### END HIDDEN TESTS
    base, opt = trusted["baseline_accuracy"], trusted["optimised_accuracy"]
    assert base >= TARGETS["baseline_accuracy"], f"baseline accuracy {base:.2%} (target >= 90%: no junk baseline)"
    assert base - opt <= TARGETS["accuracy_drop"] + 1e-12, f"accuracy {base:.2%} -> {opt:.2%}: more than 1 point lost"
    print(f"✅ accuracy: {base:.2%} -> {opt:.2%} ({trusted['baseline_correct']} -> {trusted['optimised_correct']} of "
          f"{trusted['n_test']} test images; at most 1 point may be lost)")


test_project_accuracy()

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-project-latency", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_project_latency():
    timing = remeasure(SUBMISSION_DIR)["latency"]
    ### BEGIN HIDDEN TESTS
    timing = _grader_support().remeasure(SUBMISSION_DIR)["latency"]
    ### END HIDDEN TESTS
    lo, hi = timing["ci95"]
    assert timing["speedup"] > TARGETS["speedup"] and lo > 1.0, (
        f"re-timed speed-up {timing['speedup']:.2f}x, 95% interval {lo:.2f}-{hi:.2f}: not reliably faster")
    print(f"✅ latency: re-timed {timing['speedup']:.2f}x faster (95% interval {lo:.2f}-{hi:.2f}, "
          f"{timing['pairs']} interleaved pairs on the {len(load_digits('test')[1])} test images)")


test_project_latency()

# %% [code] {"nbgrader": {"grade": true, "grade_id": "capstone-project-claims", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_project_claims():
    trusted = remeasure(SUBMISSION_DIR)
    ### BEGIN HIDDEN TESTS
    grader = _grader_support()
    trusted = grader.remeasure(SUBMISSION_DIR)
    ### END HIDDEN TESTS
    claims = trusted["report"]["claims"]
    measured = {"baseline_accuracy": trusted["baseline_accuracy"], "optimised_accuracy": trusted["optimised_accuracy"],
                "baseline_bytes": trusted["bytes"]["baseline"], "optimised_bytes": trusted["bytes"]["optimised"],
                "speedup": trusted["latency"]["speedup"]}
    ### BEGIN HIDDEN TESTS
    off = []
    for key in ("baseline_accuracy", "optimised_accuracy"):
        if abs(claims[key] - measured[key]) > 1e-12:
            off.append(f"{key}: claimed {claims[key]:.2%}, re-measured {measured[key]:.2%} "
                       f"({trusted[key.replace('accuracy', 'correct')]}/{trusted['n_test']} images) (tolerance: exact)")
    for key in ("baseline_bytes", "optimised_bytes"):
        if claims[key] != measured[key]:
            off.append(f"{key}: claimed {claims[key]:,}, re-measured {measured[key]:,} (tolerance: exact)")
    ratio = claims["speedup"] / measured["speedup"]
    if not 1 / 2 <= ratio <= 2:
        off.append(f"speedup: claimed {claims['speedup']:.2f}x, re-measured {measured['speedup']:.2f}x "
                   "(tolerance: within a factor 2)")
    if off:
        raise grader.ClaimsFlagged("; ".join(off))
    ### END HIDDEN TESTS
    problems = check_claims(claims, measured, CLAIM_TOLERANCES)
    assert problems == [], "claims that the re-measurement does not support: " + "; ".join(problems)
    print(f"✅ claims: every claim holds (accuracies and bytes exact, speed-up claimed {claims['speedup']:.2f}x, "
          f"re-timed {measured['speedup']:.2f}x)")


test_project_claims()

# %% [markdown]
"""
## Part 4: Systems Analysis

### Computational complexity

A `Linear(in, out)` costs `2*in*out` FLOPs per row and `4*in*out` bytes in float32. Halving the units
on both sides of `fc2` divides its matmul and its weights by 4; halving `fc1`'s outputs and `fc3`'s inputs
divides theirs by 2. int8 storage divides the bytes by about 4 more and changes no FLOP: the runtime
dequantizes each weight once at load (O(parameters), once), then computes in float32 (module 15 measured
that int8 *compute* in NumPy is slower than float32, so weight-only int8 keeps the float speed). The ReLUs
cost one operation per unit, and every layer call costs a fixed Python and NumPy overhead that no FLOP
count sees.

### Memory: a small file is not a small model in memory

The grader's runtime dequantizes the int8 weights to float32 at load: the model in memory is about 4x
its int8 weights. We measure the load of each file with tracemalloc against the formula (4 bytes per
float32 parameter of the rebuilt model).
"""

# %%
import time
import tracemalloc

sub = read_submission(SUBMISSION_DIR)
for name in ("baseline", "optimised"):
    tracemalloc.start()
    model = build_model(*read_model(SUBMISSION_DIR / f"{name}.npz"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    resident = 4 * model.num_weights()
    print(f"{name:9s}: file {sub['bytes'][name]:8,} B, float32 weights in memory {resident:8,} B by formula, "
          f"tracemalloc peak during the load {peak:8,} B")
    assert peak >= resident, "the rebuilt float32 weights exist at once"

# %% [markdown]
"""
### Build -> Measure -> Understand: predicted against measured, batch 359 against batch 1

The prediction of `predict_plan` assumed that a layer's time scales with its FLOPs. We time both files'
models (the grader's runtime) on the 359 test images and on one image, BLAS pinned to one thread, and
set the measured speed-ups beside the prediction. All timings are this run's, on a shared machine.
"""

# %%
models = {name: build_model(*sub[name]) for name in ("baseline", "optimised")}
prediction = sub["report"].get("prediction", {})
with pinned_blas_threads(1):
    for batch in (len(x_test), 1):
        xb = x_test[:batch]
        best = {}
        for name, model in models.items():
            times = []
            for _ in range(30):
                start = time.perf_counter()
                model(xb)
                times.append(time.perf_counter() - start)
            best[name] = float(np.median(times))
        print(f"batch {batch:3d}: baseline {best['baseline'] * 1e6:8.1f} us, optimised {best['optimised'] * 1e6:8.1f} us, "
              f"measured speed-up {best['baseline'] / best['optimised']:.2f}x")
print(f"predicted by Amdahl from the profile's FLOP ratios: {prediction.get('speedup', float('nan')):.2f}x; "
      f"FLOP ratio {prediction.get('flops_before', 1) / max(prediction.get('flops_after', 1), 1):.2f}x")

import matplotlib.pyplot as plt

timing = remeasure(SUBMISSION_DIR)["latency"]            # the grader's interleaved pairs, kept for the plot
fig, ax = plt.subplots(figsize=(8, 3))
for name, marker in (("baseline", "o"), ("optimised", "s")):
    ax.plot(np.array(timing[f"{name}_samples"]) * 1e6, marker + "-", label=name, markersize=3)
ax.set_xlabel("pair (baseline and optimised timed back to back, alternating which goes first)")
ax.set_ylabel("batch latency (us)")
ax.set_title(f"the grader's re-timing, this run: median ratio {timing['speedup']:.2f}x")
ax.legend()
fig.tight_layout()
png = Path(tempfile.gettempdir()) / "capstone_interleaved.png"
fig.savefig(png, dpi=100)
plt.close(fig)
print(f"saved {png}; median ratio {timing['speedup']:.2f}x, 95% interval {timing['ci95'][0]:.2f}-{timing['ci95'][1]:.2f}")

# %% [markdown]
"""
**Understand.** Read the three numbers. The prediction takes each layer's time to scale with its FLOPs.
With a batch of 359 rows the matmuls are large enough for that to be roughly true; with one row every
layer call costs about the same few microseconds of overhead (a Python call, array allocation, a BLAS
call) whatever its size, so fewer FLOPs buy little and the measured speed-up moves towards 1. This is
why latency gains fall short of FLOP gains for small layers, and why inference servers batch requests.
Whether your measured speed-up at batch 359 lies above or below the prediction is printed above: the
profile itself was timed in tinytorch layers, which carry more overhead per call than the runtime.
The plot shows the grader's 31 pairs. A slow spell of the machine lands on both models of a pair (the
curves rise together), so the *ratio* of a pair is steadier than either timing. If a curve zig-zags
with the pair number, that is an order effect: a model timed right after the other one (whose arrays
have just filled the caches) runs at a different speed from one timed after itself. Alternating which
model goes first puts that effect on both equally. Timing all baseline calls first and then all
optimised ones (your module-19 harness times one function at a time) compares two different stretches
of the machine's time instead. This is why the grade times the pairs interleaved and takes the median
ratio, and why its tolerance on your claimed speed-up is a factor, not an exact match.

## Production Context

- **Model export and runtimes.** PyTorch exports a trained model to a file (`torch.export`, TorchScript,
  ONNX via `torch.onnx.export`) that a separate runtime (ONNX Runtime, ExecuTorch, TensorRT) loads and
  runs without the training code, exactly the split between your `save_model` and the grader's
  `build_model`. `torch.save` uses pickle, and `torch.load` defaults to `weights_only=True` since PyTorch
  2.6 because unpickling a stranger's file runs their code; safetensors exists for the same reason.
- **PyTorch's workflows.** `torch.ao.quantization` (and `torch.ao.nn.quantized`) quantize weights per
  channel with `torch.per_channel_symmetric`, like your per-row scales; `torch.nn.utils.prune` removes
  weights (`l1_unstructured`) or whole rows (`ln_structured`) with masks, and a fine-tune follows,
  as you did.
- **MLPerf.** A submission states its results, and the results are reproduced and audited: the
  accuracy mode scores every prediction against the real labels (most models must keep 99% of the
  float32 reference), the performance mode is run by a fixed load generator, and a submitter's claims
  are checked by other submitters during a review period. Your grade works the same way: numbers are
  re-measured, not believed.
- **Planning from a profile.** Production teams profile first (PyTorch Profiler, `perf`, Nsight) and
  use Amdahl's law to decide what is worth optimising; a kernel that takes 5% of the time can never
  give more than 5% back.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/20_capstone/capstone_dev.py`) runs every test above once
more, through `run_all_tests()` (the project is built again, in the same folder).
"""

# %%
def run_all_tests():
    """Run every unit test and project check of this module."""
    test_unit_amdahl_speedup()
    test_unit_predict_plan()
    test_unit_to_architecture()
    test_unit_save_model()
    test_unit_check_claims()
    test_project_format()
    test_project_size()
    test_project_accuracy()
    test_project_latency()
    test_project_claims()
    print("🎉 All Capstone tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your `build_submission` printed a predicted speed-up and the Systems Analysis printed the measured
   ones at batch 359 and batch 1. Which layer's share of the profile limited the prediction, and why is
   the measured speed-up at batch 1 closer to 1?
2. Your optimised file is smaller than your predicted `bytes_after` suggests, or larger: which of
   compression (`np.savez_compressed`), the zip headers and the architecture string explains the gap
   you printed?
3. Your accuracy moved by some images between the baseline and the optimised model. With a standard
   error of about 0.9 points on 359 images, would you claim the optimised model is better or worse?
4. The tracemalloc cell showed the optimised model taking about 4x its int8 weights in memory. When
   does weight-only int8 save memory at run time, and what would a runtime need to do to keep it?
5. Claims are exact for bytes and accuracy but a factor 2 for the speed-up. If the grader's machine
   were twice as loaded as yours while you measured, which claim could be flagged unfairly, and how
   does interleaving the baseline and optimised timings protect against it?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You planned, built and reported an optimisation that someone else can check:
- `amdahl_speedup`: the overall speed-up of partial improvements, bounded by the untouched share;
- `predict_plan`: bytes, FLOPs and the speed-up of a plan (pruned units, low rank, int8 storage),
  predicted from module 14's per-layer profile before touching the model;
- `to_architecture` and `save_model`: a deployment format (architecture + arrays, int8 weights with
  per-row scales), written atomically, without pickle, read by a separate runtime;
- `check_claims`: honest reporting with stated tolerances (exact where the quantity is deterministic);
- `build_submission`: a trained digits MLP, pruned to half its units with fine-tuning and stored in
  int8, measured from its files with your module-19 harness: the grader re-measured size, accuracy and
  latency, and would have flagged any claim that did not hold.

This is the last module. Milestone 06 (`tito milestone run 06`) runs an MLPerf-style round with the same
tools on a CNN and a GPT.
"""
