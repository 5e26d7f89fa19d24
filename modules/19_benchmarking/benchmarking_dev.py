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
# Module 19: Benchmarking

Modules 14 to 18 made models smaller and faster, and each claimed a number. This module makes those
numbers trustworthy. A **benchmark** is a measurement you could defend: it warms up before timing,
repeats enough times to see the spread, keeps every raw sample, reports the median and the tail (p90,
p99) with a confidence interval, records the environment it ran in (versions, BLAS threads, CPU, load,
seed, git commit), and, when it compares two versions, says whether the difference is larger than the
noise. Accuracy is always computed from the real labels of real predictions, never typed in.

The benchmarking module of the original course of this kind printed accuracies it had invented
(`0.85 + i*0.05 + noise`) and scored models against random labels. Every graded check here fails on
those bugs.

**Learning Objectives:**
- Compute the summary statistics of a set of timings: mean, sample standard deviation (`ddof=1`),
  percentiles by linear interpolation (p50, p90, p99), and check them on a fixture by hand
  (`[2, 4, 4, 5, 10]`: mean 5, median 4, standard deviation 3).
- Put a bootstrap 95% confidence interval on any statistic (the median, the mean) of a sample.
- Build a harness: warm-up calls kept apart, at least 30 timed repeats, raw samples kept, garbage
  collection paused, the environment captured; test it exactly with a fake clock.
- Compute accuracy only from predictions and real labels, with clear errors on mismatched inputs.
- Decide whether two runs differ: the bootstrap confidence interval of the ratio of medians.
- Measure on this machine why a single timing lies: first call against warm calls, the spread of 30
  samples, the effect of a busy background thread; write the report as JSON and a plot.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/perf/benchmarking.py` (`tito export 19`).
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Location and spread.** For timings `x_1 .. x_n`: the mean `m = (1/n) sum x_i`; the **sample standard
deviation** `s = sqrt( sum (x_i - m)^2 / (n - 1) )`. We divide by `n - 1` (NumPy's `ddof=1`, PyTorch's
default `unbiased=True`) because `m` was estimated from the same data: the deviations from `m` are
smaller than from the true mean, and `n - 1` corrects that (dividing by `n` underestimates the variance,
badly for small `n`).

**Percentiles by linear interpolation** (NumPy's default `method="linear"`). Sort the samples
`y_0 <= ... <= y_{n-1}`. The `q`-th percentile sits at the fractional rank `r = q/100 * (n - 1)`:
with `k = floor(r)` and `f = r - k`, it is `y_k + f * (y_{k+1} - y_k)`. The median is `q = 50`; `p90`
and `p99` describe the **tail**: a service that promises "p99 below 20 ms" promises that 99 requests in
100 finish within 20 ms. Timings are skewed to the right (a call can be delayed a lot, never sped up
much), so the mean sits above the median and is pulled by rare slow calls; benchmarks report the median.

**The bootstrap.** How far could the median of 30 timings move if we ran again? Resample the 30 values
*with replacement*, 2,000 times, compute the median of each resample, and take the 2.5th and 97.5th
percentiles of those 2,000 medians: that is a **95% bootstrap confidence interval** (the percentile
bootstrap; the bootstrap is Efron's, 1979). It needs no assumption about the shape of the distribution, which is why it
suits timings. The same trick gives an interval for a ratio of two medians: resample both runs, divide.

The cell below works the fixture out by hand.
"""

# %%
import numpy as np

fixture = np.array([2.0, 4.0, 4.0, 5.0, 10.0])
mean = fixture.sum() / len(fixture)
deviations = fixture - mean
print(f"mean {mean}, squared deviations {deviations ** 2}, sum {np.sum(deviations ** 2)}")
print(f"sample std sqrt({np.sum(deviations ** 2)} / (5 - 1)) = {np.sqrt(np.sum(deviations ** 2) / 4)}; "
      f"with n instead of n - 1: {np.sqrt(np.sum(deviations ** 2) / 5):.4f}")
rank = 0.90 * (len(fixture) - 1)
print(f"p90: rank 0.9 * 4 = {rank:.1f}, between y_3 = 5 and y_4 = 10: 5 + {rank - 3:.1f} * 5 = {5 + (rank - 3) * 5}")
assert mean == 5 and np.sqrt(np.sum(deviations ** 2) / 4) == 3

# %% [markdown]
"""
## Part 2: Building the benchmark harness

### Setup (given)

`manual_seed` (module 01) seeds TinyTorch's random generator; `write_atomic` (module 01) writes
a file through a temporary file and a rename, so a crash never leaves half a report.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import datetime
import gc
import json
import math
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.core.tensor_ops import write_atomic

__all__ = ["percentile", "summarize", "bootstrap_ci", "BenchmarkResult", "capture_environment", "benchmark",
           "throughput", "accuracy", "compare", "write_report", "plot_results", "MIN_REPEATS"]

MIN_REPEATS = 30          # fewer timed repeats than this is not a benchmark (unless allow_few=True)


# %% [markdown]
"""
### Step 1: Percentiles and the summary

**Your task:** two functions.
- `percentile(samples, q)`: the `q`-th percentile by linear interpolation, exactly as in Part 1 (sort,
  rank `r = q/100 * (n - 1)`, interpolate between the two neighbours), as a Python float. It must equal
  `np.percentile(samples, q)`; write the interpolation yourself. (Given: ValueError when `q` is outside
  `[0, 100]`; `_as_samples` turns any list, array or Tensor of timings into a 1-D float64 array and
  rejects what cannot be timings, empty, several dimensions, NaN or infinity, naming the function.)
- `summarize(samples)`: a dict with `n` (int), `mean`, `std` (sample standard deviation, `ddof=1`),
  `min`, `p50`, `p90`, `p99` (from your `percentile`) and `max`, all Python floats. (Given: ValueError
  for fewer than 2 samples, since the sample standard deviation needs two.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-stats", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _as_samples(samples, who, minimum=1):
    """samples as a 1-D float64 array; ValueError naming `who` when empty, not 1-D, not finite or too few."""
    x = samples.numpy() if isinstance(samples, Tensor) else samples
    x = np.array(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{who} expects a 1-D sequence of samples, got shape {x.shape}")
    if len(x) < minimum:
        raise ValueError(f"{who} needs at least {minimum} samples, got {len(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{who}: the samples contain NaN or infinity")
    return x


def percentile(samples, q):
    """The q-th percentile (0 <= q <= 100) of samples by linear interpolation, as a float.

    Sorted y_0..y_{n-1}, rank r = q/100 * (n - 1), k = floor(r): y_k + (r - k) * (y_{k+1} - y_k).
    Equals np.percentile(samples, q). Raises ValueError when q is outside [0, 100] or samples are
    empty, not 1-D or not finite.
    """
    y = np.sort(_as_samples(samples, "percentile"))
    if not 0 <= q <= 100:
        raise ValueError(f"percentile: q must be in [0, 100], got {q}")
    ### BEGIN SOLUTION
    rank = q / 100 * (len(y) - 1)
    k = int(math.floor(rank))
    upper = min(k + 1, len(y) - 1)
    return float(y[k] + (rank - k) * (y[upper] - y[k]))
    ### END SOLUTION


def summarize(samples):
    """dict n, mean, std (sample, ddof=1), min, p50, p90, p99, max of the samples (floats; n an int).

    Percentiles by linear interpolation (percentile above). Fixture: [2, 4, 4, 5, 10] gives mean 5,
    p50 4, std 3, p90 8. Raises ValueError for fewer than 2 samples, or samples not 1-D and finite.
    """
    x = _as_samples(samples, "summarize", minimum=2)
    ### BEGIN SOLUTION
    return {"n": int(len(x)), "mean": float(np.mean(x)), "std": float(np.std(x, ddof=1)),
            "min": float(np.min(x)), "p50": percentile(x, 50), "p90": percentile(x, 90),
            "p99": percentile(x, 99), "max": float(np.max(x))}
    ### END SOLUTION


# %% [markdown]
"""
### Testing `percentile` and `summarize`

The fixture, then random samples against NumPy's formulas.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "benchmarking-stats-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_summarize():
    stats = summarize([2, 4, 4, 5, 10])
    assert stats["mean"] == 5 and stats["p50"] == 4, f"fixture: mean 5 and median 4 expected, got {stats}"
    assert np.isclose(stats["std"], 3.0), f"sample standard deviation (ddof=1) of the fixture is 3, got {stats['std']}"
    assert np.isclose(stats["p90"], 8.0), f"p90 by linear interpolation is 5 + 0.6 * 5 = 8, got {stats['p90']}"
    assert stats["n"] == 5 and stats["min"] == 2 and stats["max"] == 10
    assert np.isclose(percentile([2, 4, 4, 5, 10], 99), 9.8)
    rng = np.random.default_rng(0)
    x = rng.lognormal(-7, 0.3, size=37)
    for q in (0, 10, 50, 90, 99, 100):
        assert np.isclose(percentile(x, q), np.percentile(x, q)), f"percentile {q} differs from np.percentile"
    ### BEGIN HIDDEN TESTS
    assert np.isclose(summarize(x)["std"], np.std(x, ddof=1)) and np.isclose(summarize(x)["mean"], x.mean())
    for n in (2, 3, 30, 101):
        y = rng.standard_normal(n)
        s = summarize(y)
        assert np.allclose([s["p50"], s["p90"], s["p99"]], np.percentile(y, [50, 90, 99])), n
        assert np.isclose(s["std"], np.std(y, ddof=1)) and s["n"] == n
    assert percentile([7.0], 90) == 7.0 and percentile([1, 2], 50) == 1.5
    assert all(isinstance(v, float) for k, v in stats.items() if k != "n") and isinstance(stats["n"], int)
    assert summarize(Tensor(np.array([2.0, 4, 4, 5, 10])))["std"] == stats["std"]
    for bad in ([1.0], [1.0, float("nan")], [[1.0, 2.0], [3.0, 4.0]]):
        try:
            summarize(bad)
            raise AssertionError(f"summarize({bad}) must raise ValueError")
        except ValueError as exc:
            assert "summarize" in str(exc)
    ### END HIDDEN TESTS
    print("✅ summarize: the fixture [2, 4, 4, 5, 10] gives mean 5, median 4, std 3, p90 8")


test_unit_summarize()

# %% [markdown]
"""
### Step 2: A bootstrap confidence interval

**Your task:** `bootstrap_ci(samples, statistic=np.median, level=0.95, n_resamples=2000, seed=0)`.
1. Draw all resample indices at once: `np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))`
   (this exact call, so that a seed gives the same interval everywhere).
2. Compute the statistic of every resample in one call: `statistic(samples[idx], axis=1)` (`np.median`
   and `np.mean` take `axis`).
3. Return `(lo, hi)`, Python floats: the `100 * (1 - level) / 2` and `100 * (1 + level) / 2`
   percentiles of those values (`np.percentile`).
(Given: ValueError when `level` is not strictly between 0 and 1, when `n_resamples < 1`, or for fewer than
2 samples.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-bootstrap", "locked": false, "schema_version": 3, "solution": true}}
#| export
def bootstrap_ci(samples, statistic=np.median, level=0.95, n_resamples=2000, seed=0):
    """(lo, hi) percentile-bootstrap confidence interval of statistic(samples) at `level`, as floats.

    Indices from np.random.default_rng(seed).integers(0, n, size=(n_resamples, n)); the statistic is
    called as statistic(resamples, axis=1). Raises ValueError when level is not in (0, 1), when
    n_resamples < 1, or for fewer than 2 samples.
    """
    x = _as_samples(samples, "bootstrap_ci", minimum=2)
    if not 0 < level < 1:
        raise ValueError(f"bootstrap_ci: level must be between 0 and 1 (e.g. 0.95), got {level}")
    if n_resamples < 1:
        raise ValueError(f"bootstrap_ci: n_resamples must be at least 1, got {n_resamples}")
    ### BEGIN SOLUTION
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_resamples, len(x)))
    values = statistic(x[idx], axis=1)
    lo, hi = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)
    ### END SOLUTION


# %% [markdown]
"""
### Testing `bootstrap_ci`

With a seed the interval is exact, so the test recomputes it from the formula. On skewed data (timings
with a few slow calls) the interval of the median and that of the mean differ: the statistic matters.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "benchmarking-bootstrap-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_bootstrap_ci():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(1.0, 0.05, 27), [3.0, 4.0, 5.0]])       # 30 timings, 3 slow outliers
    lo, hi = bootstrap_ci(x, seed=7)
    idx = np.random.default_rng(7).integers(0, 30, size=(2000, 30))
    expected = np.percentile(np.median(x[idx], axis=1), [2.5, 97.5])
    assert np.allclose((lo, hi), expected), f"expected the percentile bootstrap {expected}, got {(lo, hi)}"
    assert lo <= np.median(x) <= hi and isinstance(lo, float)
    mlo, mhi = bootstrap_ci(x, statistic=np.mean, seed=7)
    assert np.allclose((mlo, mhi), np.percentile(np.mean(x[idx], axis=1), [2.5, 97.5]))
    assert mhi > hi, "the mean is pulled up by the outliers, the median is not"
    ### BEGIN HIDDEN TESTS
    lo90, hi90 = bootstrap_ci(x, level=0.9, n_resamples=500, seed=3)
    idx = np.random.default_rng(3).integers(0, 30, size=(500, 30))
    assert np.allclose((lo90, hi90), np.percentile(np.median(x[idx], axis=1), [5, 95]))
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert bootstrap_ci(x, seed=11) == bootstrap_ci(x, seed=11), "a seed fixes the interval"
    for kwargs in ({"level": 95}, {"level": 0.0}, {"n_resamples": 0}):
        try:
            bootstrap_ci(x, **kwargs)
            raise AssertionError(f"{kwargs} must raise ValueError")
        except ValueError as exc:
            assert "bootstrap_ci" in str(exc)
    ### END HIDDEN TESTS
    print(f"✅ bootstrap_ci: median of 30 timings in [{lo:.3f}, {hi:.3f}], mean in [{mlo:.3f}, {mhi:.3f}]")


test_unit_bootstrap_ci()

# %% [markdown]
"""
### Step 3: The harness

Module 14's `measure_latency` answers "how long does this layer take?" inside a profile: it times
`repeats` calls after untimed warm-ups and returns percentiles. A **benchmark** is a report you can
defend later, so `benchmark` does more, and differently:
- it **times the warm-up calls too and keeps them apart** (`warmup_samples`): they are never mixed into
  the statistics, but they show how much slower the first calls were (Part 3 prints it);
- it demands **at least 30 timed repeats** (`MIN_REPEATS`) unless you pass `allow_few=True`, so a
  one-shot timing cannot pass as a benchmark;
- it **pauses the garbage collector** during the calls (as Python's `timeit` does), so that a collection
  triggered by earlier allocations is not charged to a random call, and restores it afterwards;
- it returns a `BenchmarkResult` (given below) holding the raw samples, `summarize`, the bootstrap 95%
  interval of the median and the environment from `capture_environment` (given below).

**Your task:** the timing loop of `benchmark(fn, warmup, repeats, name, seed, clock, allow_few)`. Every
call of `fn()`, warm-up or timed, is bracketed by exactly two `clock()` calls (`clock()` after minus
`clock()` before). Create and fill two NumPy arrays: `warm` (the `warmup` warm-up durations) and
`samples` (the `repeats` timed durations), in call order; the given code after yours builds the result
from these two names. Disable the garbage collector before the first call and
re-enable it after the last **only if it was enabled before**, even when `fn` raises (`try`/`finally`).
(Given: the argument checks and seeding before your code, building the result after it.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-harness", "locked": false, "schema_version": 3, "solution": true}}
#| export
class BenchmarkResult:
    """One benchmark: name, raw samples (np.ndarray, seconds, in call order), warmup_samples, stats
    (summarize), ci95 (bootstrap 95% interval of the median), environment (capture_environment).

    Attributes p50, p90, p99, mean, std, median read stats; to_dict() is JSON-able and
    BenchmarkResult.from_dict(d) rebuilds the result from it.
    """

    def __init__(self, name, samples, environment=None, warmup_samples=(), seed=None):
        self.name = str(name)
        self.samples = _as_samples(samples, "BenchmarkResult", minimum=2)
        self.warmup_samples = np.array(warmup_samples, dtype=np.float64).reshape(-1)
        self.seed = seed
        self.stats = summarize(self.samples)
        self.ci95 = bootstrap_ci(self.samples, np.median, 0.95, seed=0 if seed is None else seed)
        self.environment = dict(environment or {})

    p50 = property(lambda self: self.stats["p50"])
    median = p50
    p90 = property(lambda self: self.stats["p90"])
    p99 = property(lambda self: self.stats["p99"])
    mean = property(lambda self: self.stats["mean"])
    std = property(lambda self: self.stats["std"])

    def to_dict(self):
        return {"name": self.name, "unit": "seconds", "stats": dict(self.stats), "ci95_of_median": list(self.ci95),
                "samples": self.samples.tolist(), "warmup_samples": self.warmup_samples.tolist(),
                "seed": self.seed, "environment": self.environment}

    @classmethod
    def from_dict(cls, d):
        return cls(d["name"], d["samples"], d.get("environment"), d.get("warmup_samples", ()), d.get("seed"))

    def __repr__(self):
        lo, hi = self.ci95
        return (f"BenchmarkResult({self.name!r}: n={self.stats['n']}, p50 {self.p50 * 1e6:.1f} us "
                f"[95% CI {lo * 1e6:.1f}-{hi * 1e6:.1f}], p90 {self.p90 * 1e6:.1f} us, p99 {self.p99 * 1e6:.1f} us)")


def _git_commit():
    """The commit of the git checkout holding the tinytorch package, or None."""
    import tinytorch
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=os.path.dirname(os.path.abspath(tinytorch.__file__)),
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def _cpu_info():
    model, mhz = None, None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model is None:
                    model = value.strip()
                elif key.strip() == "cpu MHz" and mhz is None:
                    mhz = float(value)
    except (OSError, ValueError):
        pass
    return model or platform.processor() or platform.machine(), mhz


def _package_version(name):
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def capture_environment(seed=None):
    """What a timing depends on, as a JSON-able dict: python, numpy, tinytorch, torch (None when not
    installed; read from its metadata, not imported), platform, cpu, cpu_mhz (None when unknown), cores,
    load_average (1, 5, 15 min, or None), blas (name, version, threads, via threadpoolctl; None without
    it), seed, git_commit (None outside a git checkout) and time (UTC, ISO 8601)."""
    import tinytorch
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        blas = ({"name": pools[0].get("internal_api"), "version": pools[0].get("version"),
                 "threads": pools[0].get("num_threads")} if pools else None)
    except ImportError:
        blas = None
    cpu, mhz = _cpu_info()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return {"python": platform.python_version(), "numpy": np.__version__, "tinytorch": tinytorch.__version__,
            "torch": _package_version("torch"), "platform": platform.platform(), "cpu": cpu, "cpu_mhz": mhz,
            "cores": cores, "load_average": load, "blas": blas, "seed": seed, "git_commit": _git_commit(),
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}


def benchmark(fn, warmup=10, repeats=30, name="", seed=None, clock=time.perf_counter, allow_few=False):
    """Time fn(): `warmup` calls timed and kept apart, then `repeats` timed calls; a BenchmarkResult.

    Each call of fn is bracketed by exactly two clock() calls; the garbage collector is disabled during
    the calls and re-enabled afterwards if it was enabled. When seed is given, np.random.seed(seed) and
    manual_seed(seed) run first. Raises ValueError when warmup < 0, or when repeats < MIN_REPEATS (30)
    unless allow_few=True (then repeats >= 2), the message naming the repeats given and the minimum 30.
    """
    if warmup < 0:
        raise ValueError(f"benchmark: warmup must be >= 0, got {warmup}")
    if repeats < (2 if allow_few else MIN_REPEATS):
        raise ValueError(f"benchmark: repeats={repeats} is too few; a benchmark needs at least {MIN_REPEATS} "
                         "timed repeats (pass allow_few=True for a quick look with at least 2)")
    if seed is not None:
        np.random.seed(seed)
        manual_seed(seed)
    ### BEGIN SOLUTION
    warm, samples = np.empty(warmup), np.empty(repeats)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(warmup):
            start = clock()
            fn()
            warm[i] = clock() - start
        for i in range(repeats):
            start = clock()
            fn()
            samples[i] = clock() - start
    finally:
        if gc_was_enabled:
            gc.enable()
    ### END SOLUTION
    return BenchmarkResult(name or getattr(fn, "__name__", "fn"), samples, capture_environment(seed),
                           warmup_samples=warm, seed=seed)


def throughput(fn, items_per_call, warmup=3, repeats=10):
    """Items per second of fn() processing `items_per_call` items per call: items_per_call / median call
    time, with `benchmark(..., allow_few=True)`. A dict items_per_second, seconds_per_call, samples."""
    result = benchmark(fn, warmup=warmup, repeats=repeats, name="throughput", allow_few=True)
    return {"items_per_second": items_per_call / result.p50, "seconds_per_call": result.p50,
            "items_per_call": items_per_call, "samples": result.samples}


# %% [markdown]
"""
### Testing `benchmark`

A fake clock makes the test exact and independent of this machine: every call of the work advances it
by a known cost, and the first two calls are slow (like a cold cache). No real time is asserted.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "benchmarking-harness-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_benchmark():
    costs = [1.0, 0.5] + [0.001 * (1 + (i % 7)) for i in range(30)]
    state = {"now": 0.0, "calls": 0, "reads": 0}

    def fake_clock():
        state["reads"] += 1
        return state["now"]

    def work():
        state["now"] += costs[state["calls"]]
        state["calls"] += 1

    result = benchmark(work, warmup=2, repeats=30, name="fake", clock=fake_clock)
    assert state["calls"] == 32, f"2 warm-up + 30 timed calls expected, fn was called {state['calls']} times"
    assert state["reads"] == 64, f"two clock() reads per call expected, got {state['reads']} for 32 calls"
    assert isinstance(result, BenchmarkResult) and result.name == "fake"
    assert np.allclose(result.samples, costs[2:]), "the timed samples are the 30 calls after the warm-up"
    assert np.allclose(result.warmup_samples, [1.0, 0.5]), "warm-up calls are timed but kept apart"
    assert np.isclose(result.p50, np.median(costs[2:])) and np.isclose(result.std, np.std(costs[2:], ddof=1))
    try:
        benchmark(work, repeats=5)
        raise AssertionError("5 repeats is not a benchmark: ValueError expected")
    except ValueError as exc:
        assert "5" in str(exc) and "30" in str(exc), str(exc)
    ### BEGIN HIDDEN TESTS
    for key in ("python", "numpy", "blas", "cpu", "cores", "load_average", "seed", "git_commit", "time"):
        assert key in result.environment, f"environment misses {key}"
    state.update(now=0.0, calls=0, reads=0)
    quick = benchmark(work, warmup=0, repeats=3, allow_few=True, clock=fake_clock, seed=4)
    assert state["calls"] == 3 and np.allclose(quick.samples, [1.0, 0.5, 0.001]) and len(quick.warmup_samples) == 0
    assert quick.environment["seed"] == 4
    seen = []
    gc.enable()
    benchmark(lambda: seen.append(gc.isenabled()), warmup=1, repeats=30)
    assert seen == [False] * 31 and gc.isenabled(), "gc paused during every call and re-enabled after"
    gc.disable()
    benchmark(lambda: None, warmup=0, repeats=30)
    assert not gc.isenabled(), "gc stays disabled when it was disabled before"
    gc.enable()

    def boom():
        raise RuntimeError("boom")

    try:
        benchmark(boom, warmup=0, repeats=30)
        raise AssertionError("the exception of fn must propagate")
    except RuntimeError:
        assert gc.isenabled(), "gc re-enabled even when fn raises"
    d = json.loads(json.dumps(result.to_dict()))
    assert np.allclose(BenchmarkResult.from_dict(d).samples, result.samples)
    ### END HIDDEN TESTS
    print(f"✅ benchmark: warm-up kept apart, 30 samples kept, {result}")


test_unit_benchmark()

# %% [markdown]
"""
### Step 4: Accuracy from real labels

An accuracy is a measurement too: it must come from the model's predictions on inputs whose **real
labels** are known, never from a formula, and never against labels that do not belong to those inputs
(shuffled or random labels give chance level, about `1 / classes`, whatever the model).

**Your task:** `accuracy(predictions, labels)`: the fraction (a Python float in `[0, 1]`) of predictions
equal to the labels. `predictions` are class ids of shape `(N,)`, or scores of shape `(N, C)` (logits or
probabilities: take the argmax over dimension 1). `labels` (no default: there is no accuracy without
them) are integer class ids of shape `(N,)`. Raise ValueError
- naming both lengths when they differ (e.g. `"accuracy: 3 predictions but 4 labels"`);
- when `labels` is not 1-D, or when `predictions` has more than 2 dimensions, or when N is 0.
(Given: Tensors are turned into arrays with `.numpy()`.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-accuracy", "locked": false, "schema_version": 3, "solution": true}}
#| export
def accuracy(predictions, labels):
    """Fraction of predictions equal to labels, a float in [0, 1].

    predictions: class ids (N,) or scores (N, C) (argmax over dim 1); labels: real class ids (N,).
    Raises ValueError naming both lengths when they differ ("3 predictions but 4 labels"), and when
    labels is not 1-D, predictions has more than 2 dimensions, or N is 0.
    """
    predictions = np.asarray(predictions.numpy() if isinstance(predictions, Tensor) else predictions)
    labels = np.asarray(labels.numpy() if isinstance(labels, Tensor) else labels)
    ### BEGIN SOLUTION
    if labels.ndim != 1:
        raise ValueError(f"accuracy: labels must be 1-D class ids, got shape {labels.shape}")
    if predictions.ndim == 2:
        predictions = predictions.argmax(axis=1)
    elif predictions.ndim != 1:
        raise ValueError(f"accuracy: predictions must be class ids (N,) or scores (N, C), got shape "
                         f"{predictions.shape}")
    if len(predictions) != len(labels):
        raise ValueError(f"accuracy: {len(predictions)} predictions but {len(labels)} labels")
    if len(labels) == 0:
        raise ValueError("accuracy: no predictions and no labels (N = 0)")
    return float(np.mean(predictions == labels))
    ### END SOLUTION


# %% [markdown]
"""
### Testing `accuracy`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "benchmarking-accuracy-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_accuracy():
    assert accuracy([0, 1, 2, 1], [0, 1, 1, 1]) == 0.75
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(scores, [1, 0, 0]) == 2 / 3, "scores: argmax over dimension 1"
    try:
        accuracy([0, 1, 2], [0, 1, 2, 3])
        raise AssertionError("3 predictions and 4 labels must raise ValueError")
    except ValueError as exc:
        assert "3" in str(exc) and "4" in str(exc), f"the message must name both lengths: {exc}"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 1000)
    assert accuracy(labels.copy(), labels) == 1.0, "a perfect predictor scores 1.0 against its real labels"
    assert accuracy(Tensor(np.eye(10, dtype=np.float32)[labels]), Tensor(labels)) == 1.0
    wrong = (labels + 1) % 10
    assert accuracy(wrong, labels) == 0.0, "accuracy is measured, not invented"
    assert accuracy(np.where(np.arange(1000) < 371, labels, wrong), labels) == 0.371
    for preds, labs in (([[0, 1]], [[0, 1]]), (np.zeros((2, 2, 2)), [0, 1]), ([], [])):
        try:
            accuracy(preds, labs)
            raise AssertionError(f"accuracy({preds}, {labs}) must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ accuracy: from predictions and real labels only")


test_unit_accuracy()

# %% [markdown]
"""
### Step 5: Is the difference real? Comparing two runs

Two runs of the same code never give the same median. To say "the candidate is faster", the difference
must exceed what the noise alone would produce. Two standard ways:
- a **permutation test**: pool both runs, shuffle the labels "baseline"/"candidate" many times, and ask
  how often a shuffled split gives a difference as large as the real one. It answers yes or no (a
  p-value) to "could both runs come from one distribution?";
- the **bootstrap confidence interval of the ratio of medians** `median(baseline) / median(candidate)`
  (the speed-up): resample each run on its own, divide the two medians, repeat, and take the central 95%
  of the ratios. The difference is **significant** when the interval excludes 1.

We use the second. It answers the question a reader asks ("how much faster, give or take?") in the unit
they care about (a speed-up like `1.8x`, with an interval), it uses medians, which rare slow calls do not
move, and it makes no assumption on the shape of the timing distribution. A permutation test's p-value
says whether the runs differ, not by how much: with enough samples a 0.5% difference is "significant"
either way, and only the interval shows that it is 0.5% (too small to matter, or to survive the next
reboot).

**Your task:** `compare(baseline, candidate, level=0.95, seed=0, n_resamples=2000)`, where both are
`BenchmarkResult`s or arrays of timings (given: turned into arrays `b` and `c`).
1. `speedup = median(b) / median(c)` (above 1: the candidate is faster).
2. With one generator `rng = np.random.default_rng(seed)`, draw the baseline indices first
   (`rng.integers(0, len(b), size=(n_resamples, len(b)))`), then the candidate's (same with `len(c)`);
   each row gives one ratio: the median of its baseline resample over the median of its candidate
   resample; the interval `(lo, hi)` is the `100 * (1 - level) / 2` and `100 * (1 + level) / 2`
   percentiles of the `n_resamples` ratios.
3. `significant = lo > 1 or hi < 1`.
4. `verdict`: `"significant: candidate is {speedup:.2f}x faster (95% CI {lo:.2f}x-{hi:.2f}x)"`, or
   `"... {1/speedup:.2f}x slower ..."` when `speedup < 1`; otherwise `"not significant: speedup
   {speedup:.2f}x, 95% CI {lo:.2f}x-{hi:.2f}x includes 1"` (the percentage in the text follows `level`).
Return a dict `speedup`, `ci95` (the tuple `(lo, hi)`, floats), `significant` (a bool), `verdict`,
`baseline_p50`, `candidate_p50`, `method` (the text `"bootstrap CI of the ratio of medians"`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "benchmarking-compare", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _samples_of(run, who):
    return run.samples if isinstance(run, BenchmarkResult) else _as_samples(run, who, minimum=2)


def compare(baseline, candidate, level=0.95, seed=0, n_resamples=2000):
    """dict speedup (median(baseline) / median(candidate)), ci95 (bootstrap CI of that ratio at `level`),
    significant (the interval excludes 1), verdict (text), baseline_p50, candidate_p50, method.

    Baseline indices are drawn first, then the candidate's, from np.random.default_rng(seed). verdict
    starts with "significant: candidate is ...x faster" / "...x slower", or "not significant: ...".
    Raises ValueError when level is not in (0, 1) or a run has fewer than 2 samples.
    """
    b, c = _samples_of(baseline, "compare (baseline)"), _samples_of(candidate, "compare (candidate)")
    if not 0 < level < 1:
        raise ValueError(f"compare: level must be between 0 and 1 (e.g. 0.95), got {level}")
    ### BEGIN SOLUTION
    speedup = float(np.median(b) / np.median(c))
    rng = np.random.default_rng(seed)
    ib = rng.integers(0, len(b), size=(n_resamples, len(b)))
    ic = rng.integers(0, len(c), size=(n_resamples, len(c)))
    ratios = np.median(b[ib], axis=1) / np.median(c[ic], axis=1)
    lo, hi = (float(v) for v in np.percentile(ratios, [100 * (1 - level) / 2, 100 * (1 + level) / 2]))
    significant = bool(lo > 1 or hi < 1)
    pct = f"{100 * level:g}%"
    if not significant:
        verdict = f"not significant: speedup {speedup:.2f}x, {pct} CI {lo:.2f}x-{hi:.2f}x includes 1"
    elif speedup > 1:
        verdict = f"significant: candidate is {speedup:.2f}x faster ({pct} CI {lo:.2f}x-{hi:.2f}x)"
    else:
        verdict = f"significant: candidate is {1 / speedup:.2f}x slower ({pct} CI {lo:.2f}x-{hi:.2f}x)"
    return {"speedup": speedup, "ci95": (lo, hi), "significant": significant, "verdict": verdict,
            "baseline_p50": float(np.median(b)), "candidate_p50": float(np.median(c)),
            "method": "bootstrap CI of the ratio of medians"}
    ### END SOLUTION


def _jsonable(obj):
    """obj with NumPy arrays and scalars, tuples, Paths and BenchmarkResults turned into JSON types."""
    if isinstance(obj, BenchmarkResult):
        return _jsonable(obj.to_dict())
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj)]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_report(path, report):
    """Write `report` (a dict; BenchmarkResults, arrays and NumPy numbers allowed) as JSON at `path`,
    atomically (write_atomic), creating the folder. Returns the Path. NaN and infinity become null."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_jsonable(report), indent=2, allow_nan=False) + "\n"
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))
    return path


def plot_results(results, path, title="Benchmark"):
    """Plot BenchmarkResults to `path` (PNG or any format matplotlib knows by the suffix), atomically:
    left, every sample in call order (drift, warm-up, interference show here); right, the distribution
    with its median and p90; both on a log scale (one slow call can be 100x the median). Uses matplotlib's Agg canvas (no display needed). Returns the Path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    results = [results] if isinstance(results, BenchmarkResult) else list(results)
    fig = Figure(figsize=(10, 3.8))
    FigureCanvasAgg(fig)
    ax_order, ax_dist = fig.subplots(1, 2)
    for r in results:
        ax_order.plot(np.arange(1, len(r.samples) + 1), r.samples * 1e3, marker=".", label=r.name)
    ax_order.set(xlabel="timed call", ylabel="ms (log scale)", title="samples in call order", yscale="log")
    ax_order.legend(fontsize=8)
    boxes = [r.samples * 1e3 for r in results]
    try:
        ax_dist.boxplot(boxes, orientation="horizontal", whis=(1, 99))
    except TypeError:                                   # matplotlib before 3.10
        ax_dist.boxplot(boxes, vert=False, whis=(1, 99))
    ax_dist.set_yticks(range(1, len(results) + 1), [r.name for r in results])
    for i, r in enumerate(results, start=1):
        ax_dist.plot([r.p50 * 1e3, r.p90 * 1e3], [i, i], "|", markersize=18, color="tab:red")
    ax_dist.set(xlabel="ms, log scale (box: quartiles, whiskers p1-p99, red: p50 and p90)", title=title,
                xscale="log")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda fh: fig.savefig(fh, format=path.suffix.lstrip(".") or "png", dpi=100))
    return path


# %% [markdown]
"""
### Testing `compare`

Two samples drawn from one distribution must be "not significant"; two clearly separated ones
"significant", with the right direction. The interval is recomputed from the formula.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "benchmarking-compare-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_compare():
    rng = np.random.default_rng(5)
    a = rng.lognormal(np.log(1e-3), 0.1, 30)
    a2 = rng.lognormal(np.log(1e-3), 0.1, 30)
    same = compare(a, a2)
    assert same["significant"] is False and same["verdict"].startswith("not significant"), same
    assert same["ci95"][0] < 1 < same["ci95"][1]
    fast = rng.lognormal(np.log(0.5e-3), 0.1, 30)
    res = compare(a, fast)
    assert res["significant"] is True and res["verdict"].startswith("significant"), res
    assert "faster" in res["verdict"] and np.isclose(res["speedup"], np.median(a) / np.median(fast))
    assert res["ci95"][0] > 1.5, f"a 2x difference: the interval should sit near 2, got {res['ci95']}"
    ### BEGIN HIDDEN TESTS
    g = np.random.default_rng(9)
    ib, ic = g.integers(0, 30, size=(2000, 30)), g.integers(0, 30, size=(2000, 30))
    expected = np.percentile(np.median(a[ib], axis=1) / np.median(fast[ic], axis=1), [2.5, 97.5])
    assert np.allclose(compare(a, fast, seed=9)["ci95"], expected), "the bootstrap of the ratio of medians"
    slow = compare(fast, a)
    assert slow["significant"] and "slower" in slow["verdict"] and slow["speedup"] < 1
    r1 = BenchmarkResult("a", a)
    r2 = BenchmarkResult("b", a2)
    assert compare(r1, r2)["verdict"] == same["verdict"]
    assert np.isclose(res["baseline_p50"], np.median(a)) and np.isclose(res["candidate_p50"], np.median(fast))
    skewed = np.concatenate([a, [1.0] * 3])        # three huge outliers move the mean, not the median
    assert not compare(a, skewed)["significant"], "medians, not means"
    try:
        compare(a, fast, level=1.5)
        raise AssertionError("level 1.5 must raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print(f"✅ compare: A/A {same['verdict']}; A/B {res['verdict']}")


test_unit_compare()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational complexity

`summarize` sorts (inside `percentile`): O(n log n) for n samples; the mean and standard deviation are
O(n). The bootstrap draws `B x n` indices and reduces each row: O(B n) time (O(B n log n) with a sorting
median; NumPy's median partitions, O(n) per row) and O(B n) memory for the resample matrix, which we
measure next. `compare` does this for both runs. The harness itself adds two clock reads and a Python call per timed
call (measured below, as the benchmark of an empty function): negligible against calls of hundreds of
microseconds, but not against a call of a few hundred nanoseconds (then time a loop of many calls per
sample, as `timeit` does, and divide).

### Memory: the bootstrap's resample matrix, by formula and by tracemalloc
"""

# %% [code]
import sys
import tempfile
import threading
import time
import tracemalloc

from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.datasets import load_digits
from tinytorch.utils.timing import pinned_blas_threads

timings = np.random.default_rng(0).lognormal(np.log(1e-3), 0.2, 30)
tracemalloc.start()
bootstrap_ci(timings, n_resamples=2000)
boot_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
index_bytes = 2000 * 30 * 8            # int64 indices
value_bytes = 2000 * 30 * 8            # float64 resampled values
print(f"bootstrap of 30 samples, 2000 resamples: index matrix {index_bytes:,} B + resampled values "
      f"{value_bytes:,} B by formula; tracemalloc peak {boot_peak:,} B")
assert boot_peak >= index_bytes + value_bytes, "both matrices exist at once"

# %% [markdown]
"""
The traced peak is at least the two `2000 x 30` matrices (asserted): about 1 MB for a 30-sample
benchmark, but it grows as `B x n`. A benchmark of 10,000 samples would need 320 MB at once; then
resample in chunks of rows (the interval is the same, the peak is one chunk).

### Build -> Measure -> Understand: why a single timing lies

The workload: the forward pass of a 64-256-10 MLP (module 03) on a batch of 64 digits, under
`no_grad()`, BLAS pinned to one thread. All numbers below are this run's measurements on a machine
shared with other programs; they will differ on the next run, which is the point of this section.
"""

# %% [code]
x_digits, y_digits = load_digits("test")
x_digits = x_digits.reshape(len(x_digits), 64)
batch = Tensor(x_digits[:64])
mlp = Sequential(Linear(64, 256), ReLU(), Linear(256, 10))


def forward():
    with no_grad():
        mlp(batch)


with pinned_blas_threads(1) as blas_note:
    start = time.perf_counter()          # what a naive script does: one timing, of the very first call
    forward()
    one_shot = time.perf_counter() - start
    run = benchmark(forward, warmup=10, repeats=30, name="MLP forward", seed=0)
    empty = benchmark(lambda: None, warmup=10, repeats=30, name="empty call")
print(blas_note)
print(run)
print(f"the harness's own cost, an empty call: p50 {empty.p50 * 1e9:.0f} ns ({100 * empty.p50 / run.p50:.2f}% of "
      f"the forward pass's median)")
print(f"this run measured: first call {one_shot * 1e6:.0f} us, warm median {run.p50 * 1e6:.0f} us "
      f"(first / warm = {one_shot / run.p50:.1f}x); the 10 warm-up calls after it: "
      + ", ".join(f"{t * 1e6:.0f}" for t in run.warmup_samples) + " us")
s = run.stats
print(f"30 warm samples: min {s['min'] * 1e6:.0f}, p50 {s['p50'] * 1e6:.0f}, p90 {s['p90'] * 1e6:.0f}, "
      f"p99 {s['p99'] * 1e6:.0f}, max {s['max'] * 1e6:.0f} us; mean {s['mean'] * 1e6:.0f} +- "
      f"{s['std'] * 1e6:.0f} us (std); 95% CI of the median {run.ci95[0] * 1e6:.0f}-{run.ci95[1] * 1e6:.0f} us")
print(f"a single warm timing could have been anything from {s['min'] * 1e6:.0f} to {s['max'] * 1e6:.0f} us: "
      f"a factor {s['max'] / s['min']:.2f} between the luckiest and the unluckiest call")
print(f"environment: BLAS {run.environment['blas']}, load average {run.environment['load_average']}, "
      f"{run.environment['cores']} cores, cpu {run.environment['cpu']} at {run.environment['cpu_mhz']} MHz")

# %% [markdown]
"""
**Understand.** Read the numbers printed above. The first call is usually the slowest (it allocates
fresh memory, fills caches, may trigger lazy set-up), which is why the warm-up calls are timed but not
counted; whether and by how much it was slower in this run is printed, not assumed. Among the 30 warm
calls the spread from min to max shows what one timing alone could have reported. When a few calls are
very slow, they pull the mean and the standard deviation up far more than the median and its interval
(compare them in the lines above). Frequency scaling ("turbo") adds another, invisible source: a core
that runs at a higher clock while it is cool, or a lower one when its neighbours are busy, changes every
timing; the environment records the MHz the CPU reported at capture, not over the run, so compare only
runs made in the same environment.

### Another program on the machine: a busy background thread

A Python thread that spins in a loop keeps the interpreter lock until a waiting thread has asked for it
for one switch interval (`sys.getswitchinterval()`, 5 ms by default), and it competes for a core. We benchmark the same forward pass
while it runs, and let `compare` judge.
"""

# %% [code]
stop = threading.Event()


def spin():
    while not stop.is_set():
        sum(range(1000))


busy_thread = threading.Thread(target=spin, daemon=True)
with pinned_blas_threads(1):
    quiet = benchmark(forward, warmup=5, repeats=30, name="quiet", seed=0)
    busy_thread.start()
    try:
        busy = benchmark(forward, warmup=5, repeats=30, name="busy thread", seed=0)
    finally:
        stop.set()
        busy_thread.join()
    again = benchmark(forward, warmup=5, repeats=30, name="quiet again", seed=0)
print(f"switch interval {sys.getswitchinterval() * 1e3:.0f} ms")
print(f"{'run':12s} {'p50':>7s} {'p90':>7s} {'p99':>8s} {'max':>8s} {'mean':>8s}   (us)")
for r in (quiet, busy, again):
    print(f"{r.name:12s} {r.p50 * 1e6:7.0f} {r.p90 * 1e6:7.0f} {r.p99 * 1e6:8.0f} {r.stats['max'] * 1e6:8.0f} "
          f"{r.mean * 1e6:8.0f}")
for other in (busy, again):
    print(f"compare(quiet, {other.name}): {compare(quiet, other)['verdict']}")

# %% [markdown]
"""
**Understand.** Read the table row by row. A spinning Python thread does not slow every call: it delays
the calls that need the interpreter lock while the thread holds it (the thread gives the lock back only
when asked, after a switch interval), and it competes with everything else running for the cores.
Look for it in the columns that see rare slow calls (p99, max, and the mean they pull up) and compare
with the median, which is built to ignore a few slow calls; `compare` judges the medians, so its verdict
says whether the *typical* call changed. A service that promises a p99 would have to report the tail
instead, and a busy neighbour is exactly what breaks such a promise. The last line is an **A/A test**:
the same code, benchmarked twice, a few seconds apart. With a correct method it should usually be "not significant";
when it is not, the machine itself changed between the two runs (other load, frequency), and no A/B
comparison made in that period can be trusted more than the A/A one. This is why pyperf runs each
benchmark in several fresh processes and why MLPerf fixes its measurement rules.

### Accuracy: real labels, against the two bugs of the original course

A model that needs no training: nearest centroid on the 8x8 digits (each class's mean training image;
predict the closest). Its accuracy is measured on the held-out test split against the real labels,
against the same labels shuffled, and compared with the invented formula of the original course.
"""

# %% [code]
x_train, y_train = load_digits("train")
x_train = x_train.reshape(len(x_train), 64)
centroids = np.stack([x_train[y_train == k].mean(axis=0) for k in range(10)])
scores = -((x_digits[:, None, :] - centroids[None]) ** 2).sum(axis=2)          # (N, 10), higher is closer
real = accuracy(scores, y_digits)
shuffled = accuracy(scores, np.random.default_rng(0).permutation(y_digits))
invented = [0.85 + i * 0.05 for i in range(3)]
print(f"nearest centroid, {len(y_digits)} test digits: accuracy {real:.3f} against the real labels, "
      f"{shuffled:.3f} against shuffled labels (chance is about 0.100)")
print(f"the original course's invented 'accuracies' {invented} never looked at a prediction")
assert real > 0.8 and shuffled < 0.2, "the gate: real labels give a real accuracy, shuffled ones chance"

# %% [markdown]
"""
Shuffled labels put any model near chance, so a benchmark that scored against random labels reported
noise; an invented number reports nothing at all. The check a benchmark owes its reader is the one
above: the same predictions scored against the real labels, which no formula can reproduce.

### The report: JSON and a plot

Everything measured above, with the environment, goes into one JSON file; the plot shows the samples in
call order (the drift and the busy period are visible there) and their distributions.
"""

# %% [code]
report_dir = Path(tempfile.mkdtemp(prefix="tinytorch-bench-"))
report = {"workload": "MLP 64-256-10 forward, batch 64, no_grad, 1 BLAS thread",
          "results": [run, quiet, busy, again], "busy_vs_quiet": compare(quiet, busy),
          "quiet_again_vs_quiet": compare(quiet, again),
          "accuracy": {"model": "nearest centroid", "test_images": len(y_digits), "real_labels": real,
                       "shuffled_labels": shuffled}}
json_path = write_report(report_dir / "report.json", report)
png_path = plot_results([quiet, busy, again], report_dir / "latency.png", title="MLP forward, this run")
loaded = json.loads(json_path.read_text())
assert np.allclose(loaded["results"][1]["samples"], quiet.samples), "the raw samples are in the report"
print(f"wrote {json_path} ({json_path.stat().st_size:,} bytes) and {png_path} ({png_path.stat().st_size:,} bytes)")

# %% [markdown]
"""
## Production Context

- **pyperf** (used for CPython's own benchmarks) runs each benchmark in around 20 fresh processes with
  warm-ups in each, calibrates the number of loops per sample so each sample lasts long enough, reports
  mean and standard deviation, stores all samples and its metadata (CPU, frequency, load, versions) in
  JSON, and `pyperf compare_to` states whether a difference is significant; `pyperf system tune` pins
  frequencies and isolates CPUs.
- **`torch.utils.benchmark.Timer`** times a statement with warm-up, `blocked_autorange()` picks the
  number of runs, `Measurement` reports median and interquartile range, and it sets the number of
  threads explicitly (the default is one), the same concern as our `pinned_blas_threads`.
- **MLPerf Inference** separates an *accuracy mode* (every prediction scored against the real labels of
  the validation set, target 99% of the float32 reference for most models) from a *performance mode* run
  by its load generator, with the same code in both. Its SingleStream scenario reports p90 latency, its
  Offline scenario throughput; seeds and rules are fixed so that results can be audited.
- **Google Benchmark** (C++) repeats and reports mean, median, standard deviation and coefficient of
  variation over repetitions, and warns when CPU frequency scaling is enabled.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/19_benchmarking/benchmarking_dev.py`) runs every test
above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_summarize()
    test_unit_bootstrap_ci()
    test_unit_benchmark()
    test_unit_accuracy()
    test_unit_compare()
    print("🎉 All Benchmarking tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. In your run, how many times slower than the warm median was the first call? Which of its costs
   (allocation, caches, lazy set-up) would a second Python process pay again, and what does that mean
   for a server's first request after a deploy?
2. Your 30 warm samples had a min-to-max factor printed above. If you had timed the quiet and the busy
   run once each, what is the largest and the smallest "speed-up" you could have reported?
3. Did your A/A comparison say "not significant"? If it did not, what changed between the two runs, and
   how many repeats (or processes) would you need before trusting an A/B comparison of 5%?
4. The bootstrap matrix is `B x n`. For a benchmark with 100,000 samples, how would you keep its peak
   memory under 10 MB while giving the same interval?
5. A model's accuracy against shuffled labels was near 0.1. Why does a test that only checks "accuracy is
   between 0 and 1" not catch a benchmark that scores against the wrong labels, and what check does?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built a benchmark harness whose numbers can be defended:
- `percentile` (linear interpolation, equal to NumPy's) and `summarize`: mean, sample standard deviation
  (`ddof=1`), p50/p90/p99, checked on the fixture `[2, 4, 4, 5, 10]` (mean 5, median 4, std 3);
- `bootstrap_ci`, a seeded percentile-bootstrap interval of any statistic;
- `benchmark`: warm-up timed and kept apart, at least 30 repeats, raw samples, garbage collector
  paused, environment captured (`capture_environment`), tested with a fake clock;
- `accuracy` from predictions and real labels only;
- `compare`: the bootstrap interval of the ratio of medians, "significant" only when it excludes 1;
- JSON reports (`write_report`, atomic) and plots (`plot_results`, Agg).

You measured, on this machine, the first call against warm calls, the spread of 30 samples and the
effect of a busy thread.

**Next:** `tito export 19`; milestone 06 runs this harness on a baseline and an optimised model, and
module 20 (the capstone) reports its own results with it.
"""
