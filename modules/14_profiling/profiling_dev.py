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
# Module 14: Profiling

Before you make a model faster or smaller (modules 15 to 20), you must know where its time and memory
go. A **profiler** answers that per layer: how many parameters, how many floating-point operations
(FLOPs), how many bytes of activations, and how long each layer really takes. The numbers that can be
computed exactly (parameters, FLOPs, bytes) are computed by formula and checked; the numbers that must
be measured (time, peak memory) are measured carefully: warm-up, repeats, percentiles, pinned threads.
Then a **roofline** for this machine tells you, for each layer, whether its speed is limited by
arithmetic or by memory traffic.

**Learning Objectives:**
- Count the parameters of any `nn.Module` (a 64-32-10 MLP has 2,410), and the FLOPs of Linear, Conv2d,
  activation and pooling layers by formula (one multiply-add = 2 FLOPs).
- Measure latency properly: warm-up calls, repeated timed calls, median and tail percentiles.
- Build a per-layer profile table (like `torch.profiler` or fvcore's `FlopCountAnalysis`), with
  activation memory by formula and measured with `tracemalloc`.
- Measure this machine's peak matmul GFLOP/s and memory bandwidth, and place each layer on the
  roofline as compute-bound or memory-bound: why FLOPs do not predict time.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/perf/profiling.py` (`tito export 14`).
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Parameters.** A `Linear(in, out)` holds a weight `(out, in)` and a bias `(out,)`: `in*out + out`
numbers. For a 64-32-10 MLP: `64*32 + 32` + `32*10 + 10` = 2,080 + 330 = **2,410**. A
`Conv2d(C_in, C_out, k)` holds `C_out * C_in/groups * kh * kw + C_out`.

**FLOPs.** A dot product of length `K` is `K` multiplies and `K` adds: `2K` FLOPs (one multiply-add,
"MAC", counts as 2; some tools, e.g. fvcore, report MACs and call them FLOPs: a factor of 2 to watch).
For a batch of `N`:

    Linear:  2 * N * in * out        (+ N * out for the bias)
    Conv2d:  2 * N * C_out * oh * ow * (C_in/groups) * kh * kw   (+ N * C_out * oh * ow for the bias)
    ReLU and other elementwise activations: one FLOP per element
    Pooling: kh * kw operations per output element (comparisons or additions)

**Activation memory.** A layer's output of shape `s` in float32 takes `prod(s) * 4` bytes. During
training every output is kept for the backward pass, so the sum over layers is the activation memory.

**Roofline.** A layer that does `F` FLOPs and must move at least `B` bytes (its input, its parameters,
its output) has **arithmetic intensity** `I = F / B` FLOPs per byte. On a machine with peak compute `P`
(FLOP/s) and memory bandwidth `W` (byte/s), its best possible speed is `min(P, I * W)`. Below the
**ridge point** `I = P / W` the layer is **memory-bound** (more arithmetic would be free); above it,
**compute-bound**.

The cell below works one Linear layer out by hand.
"""

# %%
import numpy as np

n, d_in, d_out = 64, 64, 32
flops = 2 * n * d_in * d_out + n * d_out
moved = 4 * (n * d_in + d_in * d_out + d_out + n * d_out)
print(f"Linear({d_in}, {d_out}) on a batch of {n}: {d_in * d_out + d_out} parameters, {flops:,} FLOPs, "
      f"{moved:,} bytes moved at least, intensity {flops / moved:.2f} FLOP/byte")
assert 64 * 32 + 32 + 32 * 10 + 10 == 2410

# %% [markdown]
"""
## Part 2: Building the profiler

### Setup (given)

The package file imports the layers it knows (Linear, activations and containers from module 03,
Conv2d and pooling from module 09) and `no_grad` from module 05.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math
import time
import tracemalloc

import numpy as np

from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import (GELU, Dropout, Flatten, Identity, LeakyReLU, Linear, Module, ReLU, Sigmoid,
                                   Tanh)
from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d, conv2d_output_size
from tinytorch.core.tensor import Tensor

__all__ = ["leaf_layers", "count_parameters", "layer_flops", "measure_latency", "profile_model",
           "format_profile", "roofline", "measure_peak_gflops", "measure_bandwidth"]

ELEMENTWISE = (ReLU, LeakyReLU, Sigmoid, Tanh, GELU)
NO_COST = (Flatten, Identity, Dropout)



# %% [markdown]
"""
### Step 1: Counting parameters

**Your task:** `count_parameters(model)`: the number of scalars in all parameters of a module (weights
*and* biases), each shared parameter counted once (`model.parameters()` already yields it once).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-params", "locked": false, "schema_version": 3, "solution": true}}
#| export
def count_parameters(model):
    """Total number of scalars in model.parameters() (weights and biases), as an int.

    Raises TypeError naming the type when `model` is not an nn.Module.
    """
    if not isinstance(model, Module):
        raise TypeError(f"count_parameters expects an nn.Module, got {type(model).__name__}")
    ### BEGIN SOLUTION
    total = 0
    for param in model.parameters():
        total += int(param._data.size)
    return total
    ### END SOLUTION


# %% [markdown]
"""
### Testing `count_parameters`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "profiling-params-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_count_parameters():
    from tinytorch.core.layers import Sequential
    mlp = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    assert count_parameters(mlp) == 2410, f"a 64-32-10 MLP has 2,410 parameters, got {count_parameters(mlp)}"
    assert count_parameters(Conv2d(3, 8, 3)) == 8 * 3 * 9 + 8
    assert count_parameters(Linear(5, 7, bias=False)) == 35
    ### BEGIN HIDDEN TESTS
    assert count_parameters(Linear(5, 7)) == 42, "the bias counts"
    assert count_parameters(ReLU()) == 0
    assert isinstance(count_parameters(Linear(2, 2)), int)
    try:
        count_parameters([1, 2])
        raise AssertionError("a list is not a module")
    except TypeError as exc:
        assert "list" in str(exc)
    ### END HIDDEN TESTS
    print("✅ count_parameters: 2,410 for the 64-32-10 MLP")


test_unit_count_parameters()

# %% [markdown]
"""
### Step 2: FLOPs per layer

**Your task:** `layer_flops(layer, input_shape)` returns `(flops, output_shape)` for one layer, from the
formulas of Part 1 (a multiply-add is 2 FLOPs; the bias add is one FLOP per output element).
Supported: `Linear` (input `(..., in)`), `Conv2d` (input `(N, C, H, W)`, int or pair padding, or
`'valid'`/`'same'`), the elementwise activations in `ELEMENTWISE` (one FLOP per element), `MaxPool2d`
and `AvgPool2d` (`kh*kw` per output element), and `Flatten`, `Identity`, `Dropout` (0 FLOPs;
`Flatten` gives `(N, rest)`). Any other layer raises TypeError naming its class.
*Given:* `conv2d_output_size` from module 09.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-flops", "locked": false, "schema_version": 3, "solution": true}}
#| export
def layer_flops(layer, input_shape):
    """(flops, output_shape) of one forward pass of `layer` on an input of shape `input_shape`.

    Linear: 2*N*in*out (+ N*out with a bias), N = product of the leading dimensions.
    Conv2d: 2*N*C_out*oh*ow*(C_in/groups)*kh*kw (+ N*C_out*oh*ow with a bias).
    ELEMENTWISE activations: one FLOP per element. MaxPool2d/AvgPool2d: kh*kw per output element.
    Flatten/Identity/Dropout: 0. Output shapes are tuples of ints.
    Raises TypeError naming the layer's class for any other layer.
    """
    shape = tuple(int(s) for s in input_shape)
    ### BEGIN SOLUTION
    if isinstance(layer, Linear):
        batch = math.prod(shape[:-1])
        out_shape = shape[:-1] + (layer.out_features,)
        flops = 2 * batch * layer.in_features * layer.out_features
        if layer.bias is not None:
            flops += batch * layer.out_features
        return flops, out_shape
    if isinstance(layer, Conv2d):
        n, _, h, w = shape
        kh, kw = layer.kernel_size
        padding = layer.padding
        if padding == "valid":
            padding = (0, 0)
        if padding == "same":
            oh, ow = h, w
        else:
            oh, ow = conv2d_output_size((h, w), layer.kernel_size, layer.stride, padding, layer.dilation)
        outputs = n * layer.out_channels * oh * ow
        flops = 2 * outputs * (layer.in_channels // layer.groups) * kh * kw
        if layer.bias is not None:
            flops += outputs
        return flops, (n, layer.out_channels, oh, ow)
    if isinstance(layer, ELEMENTWISE):
        return math.prod(shape), shape
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        k = layer.kernel_size
        k = (k, k) if isinstance(k, int) else tuple(k)
        stride = k if layer.stride is None else layer.stride
        dilation = getattr(layer, "dilation", 1)
        oh, ow = conv2d_output_size(shape[2:], k, stride, layer.padding, dilation)
        out_shape = (shape[0], shape[1], oh, ow)
        return math.prod(out_shape) * k[0] * k[1], out_shape
    if isinstance(layer, Flatten):
        return 0, (shape[0], math.prod(shape[1:]))
    if isinstance(layer, NO_COST):
        return 0, shape
    raise TypeError(f"layer_flops does not know the layer {type(layer).__name__}; supported: Linear, Conv2d, "
                    "activations, MaxPool2d, AvgPool2d, Flatten, Identity, Dropout")
    ### END SOLUTION


# %% [markdown]
"""
### Testing `layer_flops`

Hand-worked values: `Linear(64, 32)` on a batch of 1 is `2*64*32 + 32` = 4,128 FLOPs.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "profiling-flops-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_layer_flops():
    assert layer_flops(Linear(64, 32), (1, 64)) == (4128, (1, 32)), "2*64*32 multiply-add FLOPs + 32 bias adds"
    assert layer_flops(Linear(64, 32, bias=False), (8, 64)) == (2 * 8 * 64 * 32, (8, 32))
    assert layer_flops(ReLU(), (8, 32)) == (256, (8, 32))
    flops, shape = layer_flops(Conv2d(3, 8, 3, padding=1), (2, 3, 8, 8))
    assert shape == (2, 8, 8, 8) and flops == 2 * 2 * 8 * 64 * 27 + 2 * 8 * 64, (flops, shape)
    assert layer_flops(MaxPool2d(2), (2, 8, 8, 8)) == (2 * 8 * 16 * 4, (2, 8, 4, 4))
    assert layer_flops(Flatten(), (2, 8, 4, 4)) == (0, (2, 128))
    try:
        layer_flops(Module(), (1, 2))
        raise AssertionError("an unknown layer must raise TypeError")
    except TypeError as exc:
        assert "Module" in str(exc), str(exc)
    ### BEGIN HIDDEN TESTS
    assert layer_flops(Linear(3, 5), (4, 6, 3)) == (2 * 24 * 15 + 24 * 5, (4, 6, 5)), "leading dims are batch"
    flops, shape = layer_flops(Conv2d(4, 6, 3, stride=2, groups=2, bias=False), (1, 4, 9, 9))
    assert shape == (1, 6, 4, 4) and flops == 2 * 6 * 16 * 2 * 9, (flops, shape)
    assert layer_flops(Conv2d(2, 2, 3, padding="same"), (1, 2, 5, 5))[1] == (1, 2, 5, 5)
    assert layer_flops(AvgPool2d(3, stride=1), (1, 1, 5, 5)) == (9 * 9, (1, 1, 3, 3))
    assert layer_flops(Tanh(), (3, 3))[0] == 9
    ### END HIDDEN TESTS
    print("✅ layer_flops matches the hand-worked counts")


test_unit_layer_flops()

# %% [markdown]
"""
### Step 3: Measuring latency

A single timing lies: the first call pays for memory allocation, caches and lazy set-up, and any call
can be slowed by another program. So a benchmark makes `warmup` untimed calls, then `repeats` timed
calls, and reports the distribution: the median (typical) and the 90th/99th percentiles (the tail).

**Your task:** `measure_latency(fn, warmup, repeats, clock)`. Call `fn()` `warmup` times without timing,
then `repeats` times, each timed as `clock()` after minus `clock()` before (exactly two `clock()` calls
per timed run). Return a dict: `"times"` (NumPy array of the `repeats` durations, seconds, in order),
`"median"`, `"p90"`, `"p99"` (`np.percentile` of the times), `"min"`, `"mean"`.
Raise ValueError when `repeats < 1` or `warmup < 0`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-latency", "locked": false, "schema_version": 3, "solution": true}}
#| export
def measure_latency(fn, warmup=3, repeats=20, clock=time.perf_counter):
    """Time fn() after `warmup` untimed calls: dict times, median, p90, p99, min, mean (seconds).

    Exactly warmup + repeats calls of fn; each timed call is bracketed by two clock() calls.
    Raises ValueError when repeats < 1 or warmup < 0.
    """
    ### BEGIN SOLUTION
    if repeats < 1 or warmup < 0:
        raise ValueError(f"measure_latency needs repeats >= 1 and warmup >= 0, got repeats={repeats}, "
                         f"warmup={warmup}")
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = clock()
        fn()
        times[i] = clock() - start
    ### END SOLUTION
    return {"times": times, "median": float(np.median(times)), "p90": float(np.percentile(times, 90)),
            "p99": float(np.percentile(times, 99)), "min": float(times.min()), "mean": float(times.mean())}


# %% [markdown]
"""
### Testing `measure_latency`

A fake clock makes the test exact: the function advances it by a known amount per call, and its first
call is slow (1 s, like a cold cache).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "profiling-latency-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_measure_latency():
    state = {"now": 0.0, "calls": 0}
    costs = [1.0, 0.5, 0.001, 0.002, 0.003, 0.004, 0.005]

    def fake_clock():
        return state["now"]

    def work():
        state["now"] += costs[state["calls"]]
        state["calls"] += 1

    stats = measure_latency(work, warmup=2, repeats=5, clock=fake_clock)
    assert state["calls"] == 7, f"2 warm-up + 5 timed calls expected, fn was called {state['calls']} times"
    assert np.allclose(stats["times"], [0.001, 0.002, 0.003, 0.004, 0.005]), \
        f"the slow first calls must be warm-up, not timed: {stats['times']}"
    assert np.isclose(stats["median"], 0.003) and np.isclose(stats["p90"], 0.0046)
    ### BEGIN HIDDEN TESTS
    assert np.isclose(stats["min"], 0.001) and np.isclose(stats["mean"], 0.003)
    assert np.isclose(stats["p99"], np.percentile([0.001, 0.002, 0.003, 0.004, 0.005], 99))
    state.update(now=0.0, calls=0)
    stats = measure_latency(work, warmup=0, repeats=3, clock=fake_clock)
    assert state["calls"] == 3 and np.allclose(stats["times"], [1.0, 0.5, 0.001])
    for bad in ({"repeats": 0}, {"warmup": -1}):
        try:
            measure_latency(lambda: None, **bad)
            raise AssertionError(f"{bad} must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ measure_latency: warm-up untimed, percentiles of the timed runs")


test_unit_measure_latency()

# %% [markdown]
"""
### Step 4: A profile table per layer

**Your task:** `profile_model(model, x, warmup, repeats)`. Under `no_grad()`, run the `leaf_layers` of
the model one after another on `x` and, for each, build a row (a dict) with:
`name`, `layer` (class name), `output_shape`, `params` (`count_parameters`), `flops` (`layer_flops` on
the layer's input shape), `activation_bytes` (the output's `prod(shape) * itemsize`, by formula),
`measured_bytes` (the peak `tracemalloc` saw during one call of the layer), `bytes_moved` (input bytes +
parameter bytes + output bytes, all with the input's itemsize) and `latency` (`measure_latency(...)`'s
median for that layer on its input, seconds). A model whose `forward` is not that chain of layers cannot
be profiled this way: compare the chain's output with `model(x)` and raise ValueError naming the model's
class when they differ (`np.allclose`).
*Given:* `leaf_layers(model)`, the layers without children in registration order (containers walked
recursively), and `format_profile(rows)`, which prints the table with totals.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-profile", "locked": false, "schema_version": 3, "solution": true}}
#| export
def leaf_layers(model, prefix=""):
    """[(dotted name, layer)] for the layers of `model` that have no children, in registration order."""
    children = list(model.named_children())
    if not children:
        return [(prefix or type(model).__name__, model)]
    out = []
    for name, child in children:
        out += leaf_layers(child, f"{prefix}.{name}" if prefix else name)
    return out


def profile_model(model, x, warmup=2, repeats=5):
    """List of per-layer rows (dicts) for `model` on input Tensor `x`, in execution order.

    Keys: name, layer, output_shape, params, flops, activation_bytes, measured_bytes, bytes_moved,
    latency (median seconds from measure_latency). Runs under no_grad().
    Raises ValueError naming the model's class when chaining its leaf layers does not reproduce model(x).
    """
    ### BEGIN SOLUTION
    rows = []
    with no_grad():
        h = x
        itemsize = x._data.dtype.itemsize
        for name, layer in leaf_layers(model):
            flops, out_shape = layer_flops(layer, h.shape)
            tracemalloc.start()
            tracemalloc.reset_peak()
            out = layer(h)
            measured = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            params = count_parameters(layer)
            stats = measure_latency(lambda: layer(h), warmup=warmup, repeats=repeats)
            rows.append({"name": name, "layer": type(layer).__name__, "output_shape": tuple(out.shape),
                         "params": params, "flops": flops,
                         "activation_bytes": math.prod(out_shape) * itemsize,
                         "measured_bytes": measured,
                         "bytes_moved": (math.prod(h.shape) + params + math.prod(out_shape)) * itemsize,
                         "latency": stats["median"]})
            h = out
        reference = model(x)
    if h.shape != reference.shape or not np.allclose(h._data, reference._data, atol=1e-5):
        raise ValueError(f"profile_model runs the leaf layers of {type(model).__name__} one after another; "
                         "that chain does not reproduce model(x), so its forward is not a plain chain")
    return rows
    ### END SOLUTION


def format_profile(rows):
    """The per-layer table as text, with a total line (given)."""
    head = (f"{'layer':22s} {'output':>16s} {'params':>8s} {'FLOPs':>11s} {'act KiB':>8s} {'traced KiB':>10s} "
            f"{'median us':>10s} {'GFLOP/s':>8s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        rate = r["flops"] / r["latency"] / 1e9 if r["latency"] > 0 else float("nan")
        lines.append(f"{r['name'] + ' ' + r['layer']:22.22s} {str(r['output_shape']):>16s} {r['params']:8,d} "
                     f"{r['flops']:11,d} {r['activation_bytes'] / 1024:8.1f} {r['measured_bytes'] / 1024:10.1f} "
                     f"{r['latency'] * 1e6:10.1f} {rate:8.3f}")
    lines.append(f"{'total':22s} {'':>16s} {sum(r['params'] for r in rows):8,d} {sum(r['flops'] for r in rows):11,d} "
                 f"{sum(r['activation_bytes'] for r in rows) / 1024:8.1f} {'':>10s} "
                 f"{sum(r['latency'] for r in rows) * 1e6:10.1f}")
    return "\n".join(lines)


# %% [markdown]
"""
### Testing `profile_model`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "profiling-profile-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_profile_model():
    from tinytorch.core.layers import Sequential
    mlp = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    x = Tensor(np.random.default_rng(0).standard_normal((16, 64)).astype(np.float32))
    rows = profile_model(mlp, x, warmup=1, repeats=2)
    assert [r["layer"] for r in rows] == ["Linear", "ReLU", "Linear"]
    assert [r["output_shape"] for r in rows] == [(16, 32), (16, 32), (16, 10)]
    assert sum(r["params"] for r in rows) == 2410
    assert [r["flops"] for r in rows] == [2 * 16 * 64 * 32 + 16 * 32, 16 * 32, 2 * 16 * 32 * 10 + 16 * 10]
    assert rows[0]["activation_bytes"] == 16 * 32 * 4 and rows[0]["measured_bytes"] >= 16 * 32 * 4
    assert rows[0]["bytes_moved"] == 4 * (16 * 64 + 2080 + 16 * 32)
    assert all(r["latency"] > 0 for r in rows)
    print(format_profile(rows))
    ### BEGIN HIDDEN TESTS
    class NotAChain(Module):
        def __init__(self):
            super().__init__()
            self.a = Linear(4, 4)
            self.b = Linear(4, 4)

        def forward(self, x):
            return self.a(x) + self.b(x)

    try:
        profile_model(NotAChain(), Tensor(np.ones((2, 4), dtype=np.float32)), warmup=0, repeats=1)
        raise AssertionError("a forward that is not a chain must raise ValueError")
    except ValueError as exc:
        assert "NotAChain" in str(exc), str(exc)
    x64 = Tensor(np.ones((2, 64)))
    rows = profile_model(Sequential(Linear(64, 32, dtype=np.float64)), x64, warmup=0, repeats=1)
    assert rows[0]["activation_bytes"] == 2 * 32 * 8 and rows[0]["bytes_moved"] == 8 * (128 + 2080 + 64)
    ### END HIDDEN TESTS
    print("✅ profile_model: one checked row per layer")


test_unit_profile_model()

# %% [markdown]
"""
### Step 5: The roofline

**Your task:** `roofline(flops, bytes_moved, peak_flops, bandwidth)`: a dict with `intensity`
(`flops / bytes_moved`, FLOP/byte), `ridge` (`peak_flops / bandwidth`), `attainable`
(`min(peak_flops, intensity * bandwidth)`, FLOP/s) and `bound`: `"memory"` when the intensity is below
the ridge, else `"compute"`. Raise ValueError when `bytes_moved`, `peak_flops` or `bandwidth` is not
positive.
*Given:* `measure_peak_gflops` (a large float32 matmul) and `measure_bandwidth` (a large array copy,
bytes read + written), both with `measure_latency`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "profiling-roofline", "locked": false, "schema_version": 3, "solution": true}}
#| export
def roofline(flops, bytes_moved, peak_flops, bandwidth):
    """dict intensity (FLOP/byte), ridge (FLOP/byte), attainable (FLOP/s), bound ("memory"|"compute").

    Raises ValueError when bytes_moved, peak_flops or bandwidth is not positive.
    """
    ### BEGIN SOLUTION
    if bytes_moved <= 0 or peak_flops <= 0 or bandwidth <= 0:
        raise ValueError(f"roofline needs positive bytes_moved, peak_flops and bandwidth, got {bytes_moved}, "
                         f"{peak_flops}, {bandwidth}")
    intensity = flops / bytes_moved
    ridge = peak_flops / bandwidth
    return {"intensity": intensity, "ridge": ridge, "attainable": min(peak_flops, intensity * bandwidth),
            "bound": "memory" if intensity < ridge else "compute"}
    ### END SOLUTION


def measure_peak_gflops(sizes=(256, 512, 1024), repeats=7):
    """This run's float32 matmul rate in GFLOP/s: the best over n x n products (2*n^3 FLOPs each)."""
    rng = np.random.default_rng(0)
    best = 0.0
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        best = max(best, 2 * n ** 3 / measure_latency(lambda: a @ b, warmup=2, repeats=repeats)["min"] / 1e9)
    return best


def measure_bandwidth(megabytes=64, repeats=5):
    """This run's memory bandwidth in GB/s: copying an array reads and writes it (2 x its bytes)."""
    src = np.ones(megabytes * 2 ** 20 // 4, dtype=np.float32)
    dst = np.empty_like(src)
    return 2 * src.nbytes / measure_latency(lambda: np.copyto(dst, src), warmup=1, repeats=repeats)["min"] / 1e9


# %% [markdown]
"""
### Testing `roofline`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "profiling-roofline-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_roofline():
    r = roofline(flops=1000, bytes_moved=500, peak_flops=100e9, bandwidth=10e9)
    assert r["intensity"] == 2.0 and r["ridge"] == 10.0
    assert r["bound"] == "memory" and np.isclose(r["attainable"], 20e9), r
    r = roofline(flops=1e6, bytes_moved=1e4, peak_flops=100e9, bandwidth=10e9)
    assert r["bound"] == "compute" and np.isclose(r["attainable"], 100e9), r
    ### BEGIN HIDDEN TESTS
    r = roofline(flops=10, bytes_moved=1, peak_flops=10, bandwidth=1)
    assert r["bound"] == "compute" and r["attainable"] == 10, "at the ridge the layer reaches the peak"
    for bad in ((1, 0, 1, 1), (1, 1, 0, 1), (1, 1, 1, -1)):
        try:
            roofline(*bad)
            raise AssertionError(f"{bad} must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ roofline: intensity against the ridge point")


test_unit_roofline()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational complexity of the profiler

Counting parameters and FLOPs is O(number of layers): shapes only, no arithmetic on the data. Profiling
runs each layer `1 + warmup + repeats` times, so it costs about `(1 + warmup + repeats)` forward passes,
plus `tracemalloc`'s overhead (it hooks every allocation) during one call per layer.

### Build -> Measure -> Understand: this machine's roofline

We measure peak matmul GFLOP/s and memory bandwidth with BLAS pinned to one thread, profile a small
MLP and a small CNN on digits-sized inputs, and place every layer on the roofline.
"""

# %% [code]
import os
import tempfile
import time
import tracemalloc

from tinytorch.core.layers import Sequential
from tinytorch.utils.timing import pinned_blas_threads

rng = np.random.default_rng(0)
mlp = Sequential(Linear(64, 256), ReLU(), Linear(256, 256), ReLU(), Linear(256, 10))
cnn = Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(),
                 Flatten(), Linear(32 * 16, 10))
x_mlp = Tensor(rng.standard_normal((256, 64)).astype(np.float32))
x_cnn = Tensor(rng.standard_normal((64, 1, 8, 8)).astype(np.float32))

with pinned_blas_threads(1) as blas_note:
    peak = measure_peak_gflops() * 1e9
    bandwidth = measure_bandwidth(64) * 1e9
    profiles = {"MLP 64-256-256-10, batch 256": profile_model(mlp, x_mlp, warmup=3, repeats=15),
                "CNN on 64 8x8 images": profile_model(cnn, x_cnn, warmup=3, repeats=15)}
print(blas_note)
print(f"this run measured: peak float32 matmul {peak / 1e9:.1f} GFLOP/s, copy bandwidth {bandwidth / 1e9:.1f} GB/s, "
      f"ridge point {peak / bandwidth:.1f} FLOP/byte")
assert count_parameters(mlp) == 64 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
for title, rows in profiles.items():
    print(f"\n{title}\n{format_profile(rows)}")
    total_flops, total_time = sum(r["flops"] for r in rows), sum(r["latency"] for r in rows)
    print(f"{'layer':22s} {'FLOP/byte':>9s} {'bound':>8s} {'% FLOPs':>8s} {'% time':>7s} {'% of attainable':>16s}")
    for r in rows:
        if r["flops"] == 0:
            print(f"{r['name'] + ' ' + r['layer']:22.22s} {'-':>9s} {'-':>8s} {0:7.1f}% "
                  f"{100 * r['latency'] / total_time:6.1f}% {'(no arithmetic)':>16s}")
            continue
        place = roofline(r["flops"], r["bytes_moved"], peak, bandwidth)
        achieved = r["flops"] / r["latency"]
        print(f"{r['name'] + ' ' + r['layer']:22.22s} {place['intensity']:9.2f} {place['bound']:>8s} "
              f"{100 * r['flops'] / total_flops:7.1f}% {100 * r['latency'] / total_time:6.1f}% "
              f"{100 * achieved / place['attainable']:15.1f}%")

# The whole forward pass, timed directly with time.perf_counter (median of 15 after 3 warm-ups),
# against the sum of the per-layer medians above.
with pinned_blas_threads(1), no_grad():
    for model_, x_, title in ((mlp, x_mlp, "MLP"), (cnn, x_cnn, "CNN")):
        for _ in range(3):
            model_(x_)
        runs = []
        for _ in range(15):
            start = time.perf_counter()
            model_(x_)
            runs.append(time.perf_counter() - start)
        per_layer = sum(r["latency"] for r in profiles[[k for k in profiles if k.startswith(title)][0]])
        print(f"{title}: whole forward {np.median(runs) * 1e6:.0f} us (median), sum of per-layer medians "
              f"{per_layer * 1e6:.0f} us")

# %% [markdown]
"""
**Understand** (from this run's numbers; timings vary between runs and machines, and this machine is
shared). Compare the `% FLOPs` column with `% time`: layers with almost no FLOPs (ReLU, pooling,
Flatten) take a share of the time far above their share of the arithmetic, because each call pays a
fixed cost (Python, argument checks, allocating the output) and then streams memory at a few FLOPs per
byte: they sit far left of the ridge point, memory-bound. Only the larger matrix products come near the
compute roof. The `% of attainable` column tells you which layers have room to improve: a small layer
far below its roof is dominated by overhead, not by arithmetic or bandwidth. (A value above 100% means
the peak or bandwidth measurement above was disturbed by other programs on this shared machine: the
roofline is only as good as its two measurements.) FLOPs predict time only
for layers that are compute-bound and large enough to amortise that fixed cost.
"""

# %% [markdown]
"""
### Memory: activations by formula and by tracemalloc

Training keeps every layer's output for the backward pass. The formula gives the bytes of each output;
`tracemalloc` shows what one forward call of the layer really allocated at its peak (the output, plus
temporaries such as the matmul result before the bias is added, or the column matrix of im2col).
"""

# %% [code]
for title, rows in profiles.items():
    formula = sum(r["activation_bytes"] for r in rows)
    traced = sum(r["measured_bytes"] for r in rows)
    worst = max(rows, key=lambda r: r["measured_bytes"] / max(r["activation_bytes"], 1))
    assert all(r["measured_bytes"] >= r["activation_bytes"] for r in rows if r["layer"] != "Flatten")
    print(f"{title}: outputs {formula / 1024:.1f} KiB by formula, peaks traced per layer {traced / 1024:.1f} KiB; "
          f"largest ratio {worst['measured_bytes'] / worst['activation_bytes']:.1f}x at {worst['name']} {worst['layer']}")

# The whole forward pass at once: with no_grad() each output can be freed as soon as the next layer has
# used it; with autograd recording, every output is kept for backward.
def forward_peak(model_, x_, grad):
    tracemalloc.start()
    tracemalloc.reset_peak()
    if grad:
        out = model_(x_)
    else:
        with no_grad():
            out = model_(x_)
    peak_ = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return peak_


x_train = Tensor(x_mlp._data, requires_grad=True)
print(f"MLP forward peak: {forward_peak(mlp, x_mlp, False) / 1024:.1f} KiB under no_grad, "
      f"{forward_peak(mlp, x_train, True) / 1024:.1f} KiB recording for backward "
      f"(sum of outputs by formula {sum(r['activation_bytes'] for r in profiles['MLP 64-256-256-10, batch 256']) / 1024:.1f} KiB)")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "mlp.npz")
    mlp.save(path)
    on_disk = os.path.getsize(path)
print(f"MLP parameters: {count_parameters(mlp) * 4:,} bytes of float32, {on_disk:,} bytes on disk as .npz")

# %% [markdown]
"""
The traced peak is never below the formula (asserted; `Flatten` returns a view, so it may allocate
nothing). The whole forward pass under `no_grad()` peaks lower than when autograd records it (compare
the two numbers printed). Where a layer's traced peak is well above its output, the layer made temporaries: a convolution's column matrix is about
`kh*kw` times its input, so a convolution's peak can be several times its output (the largest ratio is
printed above, with its layer). For a training
step, the activations (kept for backward) grow with the batch, the parameters do not: at batch 256 the
MLP's outputs are already comparable with its weights.

## Production Context

**PyTorch** offers `torch.profiler.profile(activities=[ProfilerActivity.CPU], record_shapes=True,
profile_memory=True)`, which records every operator call (not every module) with its time and memory,
and prints `prof.key_averages().table(sort_by="cpu_time_total")`; `with_flops=True` estimates FLOPs for
matmul and convolution. **fvcore**'s `FlopCountAnalysis(model, x).by_module()` counts by tracing the
graph, one *multiply-add* per MAC (half our count). `torch.utils.benchmark.Timer` does what your
`measure_latency` does, and also pins threads and reports the interquartile range. For the roofline,
NVIDIA Nsight Compute and Intel Advisor measure the real bytes moved from hardware counters; ours is the
lower bound (each tensor read or written once).
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/14_profiling/profiling_dev.py`) runs every test above
once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_count_parameters()
    test_unit_layer_flops()
    test_unit_measure_latency()
    test_unit_profile_model()
    test_unit_roofline()
    print("🎉 All Profiling tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. In your MLP table, which layer had the largest share of time relative to its share of FLOPs? What
   fixed cost per call explains it, and how would fusing ReLU into the preceding Linear change the row?
2. Your roofline's ridge point is `peak / bandwidth`. Doubling the batch of a Linear layer changes its
   intensity how? At what batch would `Linear(256, 256)` cross the ridge you measured?
3. fvcore would report half your FLOPs for the same model. Which is "right", and why must a table say
   which convention it uses before two models are compared?
4. Your `measure_latency` reports median and p99. A serving system promises a p99 latency: why is the
   mean the wrong number to promise, and what in your runs made p99 differ from the median?
5. The traced peak of the first convolution was several times its output. Where does that memory go, and
   what does it mean for the largest batch you could profile on a machine with little RAM?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built a profiler for any chain-shaped `nn.Module`:
- `count_parameters` (2,410 for the 64-32-10 MLP, biases included) and `layer_flops`, the formulas for
  Linear, Conv2d, activations and pooling, checked against hand-worked values;
- `measure_latency` with warm-up, repeats and percentiles, tested exactly with a fake clock;
- `profile_model`, one row per layer: parameters, FLOPs, activation bytes by formula and by
  `tracemalloc`, bytes moved and median latency, checked against `model(x)`;
- `roofline`, and this machine's measured matmul peak and bandwidth, placing each layer as memory- or
  compute-bound.

**Next:** `tito export 14`; module 15 uses these measurements to show what INT8 saves (bytes) and what
it does not (time, in NumPy).
"""
