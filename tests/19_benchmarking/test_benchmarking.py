"""tinytorch.perf.benchmarking: statistics against their formulas and NumPy, the seeded bootstrap, the
harness on a fake clock (no real timing is asserted), the environment, accuracy from real labels,
compare's verdicts and its false-positive rate, and the JSON and plot reports."""
import gc
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.tensor import Tensor
from tinytorch.perf.benchmarking import (MIN_REPEATS, BenchmarkResult, accuracy, benchmark, bootstrap_ci,
                                         capture_environment, compare, percentile, plot_results, summarize,
                                         throughput, write_report)

timings = st.lists(st.floats(1e-7, 10.0, allow_nan=False, allow_infinity=False), min_size=2, max_size=60)


class FakeClock:
    """A clock that only the work advances: each call of work() costs the next value of `costs`."""

    def __init__(self, costs):
        self.costs, self.now, self.calls, self.reads = list(costs), 0.0, 0, 0

    def __call__(self):
        self.reads += 1
        return self.now

    def work(self):
        self.now += self.costs[self.calls]
        self.calls += 1


def test_fixture_mean_median_std():
    stats = summarize([2, 4, 4, 5, 10])
    assert stats == {"n": 5, "mean": 5.0, "std": 3.0, "min": 2.0, "p50": 4.0, "p90": 8.0, "p99": pytest.approx(9.8),
                     "max": 10.0}


@settings(max_examples=150, deadline=None)
@given(xs=timings, q=st.floats(0, 100))
def test_percentile_equals_numpy_linear(xs, q):
    assert percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)), rel=1e-12, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(xs=timings)
def test_summary_matches_formulas(xs):
    x = np.array(xs)
    s = summarize(xs)
    n = len(x)
    assert s["n"] == n
    assert s["mean"] == pytest.approx(x.sum() / n)
    assert s["std"] == pytest.approx(math.sqrt(((x - x.mean()) ** 2).sum() / (n - 1)), rel=1e-9, abs=1e-12)
    assert s["min"] <= s["p50"] <= s["p90"] <= s["p99"] <= s["max"]


def test_percentile_matches_torch_quantile():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).lognormal(size=41)
    for q in (0.5, 0.9, 0.99):
        assert percentile(x, 100 * q) == pytest.approx(torch.quantile(torch.from_numpy(x), q).item())


@pytest.mark.parametrize("bad, match", [([], "at least"), ([1.0], "at least 2"), ([1.0, math.inf], "NaN"),
                                        (np.ones((2, 2)), "1-D")])
def test_summarize_rejects_what_is_not_timings(bad, match):
    with pytest.raises(ValueError, match=match):
        summarize(bad)


def test_percentile_rejects_q_outside_0_100():
    with pytest.raises(ValueError, match="101"):
        percentile([1.0, 2.0], 101)


def test_bootstrap_is_seeded_and_follows_its_formula():
    x = np.random.default_rng(2).lognormal(-7, 0.4, 30)
    assert bootstrap_ci(x, seed=1) == bootstrap_ci(x, seed=1)
    assert bootstrap_ci(x, seed=1) != bootstrap_ci(x, seed=2)
    idx = np.random.default_rng(1).integers(0, 30, size=(2000, 30))
    assert np.allclose(bootstrap_ci(x, seed=1), np.percentile(np.median(x[idx], axis=1), [2.5, 97.5]))
    lo, hi = bootstrap_ci(x, np.mean, level=0.5, n_resamples=300, seed=4)
    idx = np.random.default_rng(4).integers(0, 30, size=(300, 30))
    assert np.allclose((lo, hi), np.percentile(np.mean(x[idx], axis=1), [25, 75]))


def test_bootstrap_interval_of_the_mean_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(0)
    covered = sum(lo <= 1.0 <= hi for lo, hi in (bootstrap_ci(rng.normal(1.0, 0.2, 30), np.mean, n_resamples=1000,
                                                               seed=k) for k in range(100)))
    assert 85 <= covered <= 100, f"a 95% interval covered the true mean {covered} times in 100"


def test_harness_discards_warmup_and_counts_repeats():
    clock = FakeClock([5.0, 2.0, 1.0] + [0.001 * (k + 1) for k in range(40)])
    result = benchmark(clock.work, warmup=3, repeats=40, name="fake", clock=clock, seed=3)
    assert clock.calls == 43 and clock.reads == 86
    assert np.allclose(result.warmup_samples, [5.0, 2.0, 1.0])
    assert np.allclose(result.samples, [0.001 * (k + 1) for k in range(40)])
    assert result.stats == summarize(result.samples)
    assert result.ci95 == bootstrap_ci(result.samples, seed=3)
    assert result.p50 == result.median == pytest.approx(0.0205) and result.environment["seed"] == 3


def test_harness_refuses_a_one_shot_timing():
    with pytest.raises(ValueError, match="repeats=1"):
        benchmark(lambda: None, repeats=1)
    with pytest.raises(ValueError, match=str(MIN_REPEATS)):
        benchmark(lambda: None, repeats=MIN_REPEATS - 1)
    with pytest.raises(ValueError, match="warmup"):
        benchmark(lambda: None, warmup=-1)
    clock = FakeClock([0.1] * 5)
    assert benchmark(clock.work, warmup=0, repeats=5, clock=clock, allow_few=True).stats["n"] == 5


def test_harness_pauses_gc_and_restores_it_even_on_error():
    assert gc.isenabled()
    states = []
    benchmark(lambda: states.append(gc.isenabled()), warmup=2, repeats=30)
    assert states == [False] * 32 and gc.isenabled()

    def fail():
        raise KeyError("x")

    with pytest.raises(KeyError):
        benchmark(fail, repeats=30)
    assert gc.isenabled()


def test_seed_makes_random_work_repeat():
    drawn = []
    benchmark(lambda: drawn.append(np.random.rand()), warmup=0, repeats=30, seed=5)
    again = []
    benchmark(lambda: again.append(np.random.rand()), warmup=0, repeats=30, seed=5)
    assert drawn == again


def test_environment_keys_and_json():
    env = capture_environment(seed=7)
    for key in ("python", "numpy", "tinytorch", "torch", "platform", "cpu", "cpu_mhz", "cores", "load_average",
                "blas", "seed", "git_commit", "time"):
        assert key in env, key
    assert env["seed"] == 7 and env["numpy"] == np.__version__ and env["time"].endswith("+00:00")
    json.dumps(env)


def test_environment_records_pinned_blas_threads():
    pytest.importorskip("threadpoolctl")
    from tinytorch.utils.timing import pinned_blas_threads
    with pinned_blas_threads(1):
        env = capture_environment()
    assert env["blas"] is not None and env["blas"]["threads"] == 1


def test_accuracy_from_real_labels():
    labels = np.random.default_rng(0).integers(0, 10, 500)
    assert accuracy(labels, labels) == 1.0
    assert accuracy(np.eye(10)[labels], labels) == 1.0
    assert accuracy(Tensor(labels.astype(np.float32)), Tensor(labels)) == 1.0
    shuffled = np.random.default_rng(1).permutation(labels)
    assert accuracy(labels, shuffled) < 0.2, "scoring against labels that are not the inputs' gives chance"
    assert accuracy([1, 1, 0], [1, 0, 0]) == pytest.approx(2 / 3)


def test_accuracy_mismatched_lengths_names_both():
    with pytest.raises(ValueError, match="3 predictions but 4 labels"):
        accuracy([0, 1, 2], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="2 predictions but 1 labels"):
        accuracy(np.zeros((2, 5)), [0])


def test_accuracy_needs_labels():
    with pytest.raises(TypeError):
        accuracy([0, 1])                      # no default: there is no accuracy without labels
    with pytest.raises(ValueError, match="labels"):
        accuracy([0, 1], [[0, 1]])


def test_compare_same_distribution_not_significant():
    rng = np.random.default_rng(11)
    a, b = rng.lognormal(-7, 0.15, 30), rng.lognormal(-7, 0.15, 30)
    res = compare(a, b)
    assert res["significant"] is False and res["verdict"].startswith("not significant")
    assert res["method"] == "bootstrap CI of the ratio of medians"
    json.dumps(res)


def test_compare_separated_significant_both_ways():
    rng = np.random.default_rng(12)
    slow, fast = rng.lognormal(np.log(3e-3), 0.1, 30), rng.lognormal(np.log(1e-3), 0.1, 30)
    res = compare(slow, fast)
    assert res["significant"] and "faster" in res["verdict"] and res["ci95"][0] > 2
    back = compare(fast, slow)
    assert back["significant"] and "slower" in back["verdict"] and back["ci95"][1] < 0.5


def test_compare_false_positive_rate_is_small():
    """A/A pairs from one distribution: a 95% interval should call few of them significant."""
    rng = np.random.default_rng(13)
    hits = sum(compare(rng.lognormal(-7, 0.2, 30), rng.lognormal(-7, 0.2, 30), seed=k)["significant"]
               for k in range(40))
    assert hits <= 6, f"{hits} of 40 A/A comparisons called significant"


def test_compare_accepts_results_and_checks_level():
    a = BenchmarkResult("a", np.linspace(1, 2, 30))
    b = BenchmarkResult("b", np.linspace(1, 2, 30) / 2)
    assert compare(a, b)["speedup"] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="level"):
        compare(a, b, level=95)


def test_throughput_is_items_over_median_time():
    res = throughput(lambda: sum(range(100)), items_per_call=64, warmup=1, repeats=5)
    assert res["items_per_second"] == pytest.approx(64 / res["seconds_per_call"])
    assert res["seconds_per_call"] == pytest.approx(float(np.median(res["samples"])))


def test_report_json_roundtrip_and_atomic(tmp_path):
    result = BenchmarkResult("r", np.linspace(1e-3, 2e-3, 30), {"seed": 1})
    path = write_report(tmp_path / "sub" / "report.json",
                        {"result": result, "nan": float("nan"), "arr": np.arange(3), "n": np.int64(4),
                         "pair": (1.0, 2.0)})
    data = json.loads(path.read_text())
    assert data["nan"] is None and data["arr"] == [0, 1, 2] and data["n"] == 4 and data["pair"] == [1.0, 2.0]
    back = BenchmarkResult.from_dict(data["result"])
    assert np.allclose(back.samples, result.samples) and back.stats == result.stats
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.json"], "no temporary file left behind"


def test_report_failure_keeps_the_old_file(tmp_path):
    path = write_report(tmp_path / "r.json", {"ok": 1})
    with pytest.raises(TypeError):
        write_report(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}


def test_plot_writes_a_png(tmp_path):
    a = BenchmarkResult("a", np.linspace(1e-3, 2e-3, 30))
    b = BenchmarkResult("b", np.linspace(2e-3, 3e-3, 30))
    path = plot_results([a, b], tmp_path / "plot.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot_results(a, tmp_path / "one.png").stat().st_size > 1000
