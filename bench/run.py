"""TinyTorch vs PyTorch CPU, measured in one run: `python bench/run.py` (or `tito bench`).

Each workload runs on tinytorch and, when torch is installed, on PyTorch CPU, in this same process, with the
same thread count on both sides (--threads, default 2: PyTorch's intra-op threads and NumPy's BLAS threads,
pinned with threadpoolctl when it is installed); the table reports tinytorch / PyTorch as a ratio (lower is
better for times). The thread counts and the load average (os.getloadavg, other processes compete for the
cores) are printed with the results.
Results are also written as JSON (default bench/results/latest.json). Nothing here is typed in: every
figure is measured when the script runs.

Workloads
  autograd_overhead  chain of 16x16 elementwise ops, forward + backward, microseconds per op
  deep_graph         backward through a 5,000-op chain (and 10,000, to show the growth is linear)
  mlp_digits         MLP 64-256-10, Adam, 20 epochs on digits: train time and test accuracy
  conv_block         Conv2d(3->32, k3, pad 1) + ReLU + MaxPool2d(2), forward + backward, batch 32x3x32x32
  conv_block_input_grad  the same block with requires_grad=True on the input (as for every conv after the
                     first layer): the backward also computes the input gradient (dcols and col2im)
  cnn_digits         milestone 04's CNN, Adam + cosine, 20 epochs on digits: train time (best of 3 alternated runs
                     per side) and test accuracy
  gpt_step           milestone 05's GPT (2 layers, d 64, 4 heads, context 64, batch 32): one AdamW step, ms
  matmul_ladder      module 18's ladder at 256x256 float32: tiled_matmul (t 64, BLAS blocks) against torch.matmul,
                     with rank-1 / BLAS and tiled / BLAS ratios (NumPy's BLAS on 2 threads, like torch)
  kv_cache           module 17: GPT (d 128, 2 layers) generation with / without the KV cache, speed-up (x)
More workloads register themselves with @workload as modules land (see WORKLOADS).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import contextlib
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import tinytorch as tt  # noqa: E402
from tinytorch.utils.timing import best_wall_and_cpu  # noqa: E402

WORKLOADS = {}


def workload(name):
    def deco(fn):
        WORKLOADS[name] = fn
        return fn
    return deco


def best_of(fn, repeats):
    """Smallest wall time of `repeats` calls (the least disturbed by other processes)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_torch(threads=2):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


@contextlib.contextmanager
def numpy_blas_threads(threads):
    """Pin NumPy's BLAS to `threads` threads inside the block; yields how the count was set (a note)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        fixed = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        yield (f"{fixed} (from the environment)" if fixed else
               f"not pinned (install threadpoolctl): BLAS's default, usually {os.cpu_count()}")
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        counts = sorted({info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"})
        yield f"{','.join(map(str, counts)) or threads} (pinned with threadpoolctl)"


def load_average():
    """The 1-minute load average, or None where the OS has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
@workload("autograd_overhead")
def autograd_overhead(torch, quick):
    n_ops = 500 if quick else 2000
    repeats = 3 if quick else 7
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((16, 16)).astype(np.float32)
    consts = [rng.uniform(0.999, 1.001, (16, 16)).astype(np.float32) for _ in range(4)]

    def chain(lib, x, cs):
        for i in range(n_ops):
            c = cs[i % 4]
            x = x * c if i % 2 == 0 else x + c
        return x.sum()

    cs = [tt.tensor(c) for c in consts]

    def tiny():
        x = tt.tensor(x0, requires_grad=True)
        chain(tt, x, cs).backward()

    out = {"unit": "us/op", "ops": n_ops}
    out["tinytorch"] = best_of(tiny, repeats) / n_ops * 1e6
    if torch is not None:
        tcs = [torch.tensor(c) for c in consts]

        def ref():
            x = torch.tensor(x0, requires_grad=True)
            chain(torch, x, tcs).backward()
        out["torch"] = best_of(ref, repeats) / n_ops * 1e6
    return out


@workload("deep_graph")
def deep_graph(torch, quick):
    out = {"unit": "ms"}
    for n in (5000, 10000):
        def tiny():
            x = tt.tensor(np.ones(4, dtype=np.float32), requires_grad=True)
            y = x
            for _ in range(n):
                y = y * 1.0001
            y.sum().backward()
            assert x.grad is not None
        out[f"tinytorch_{n}"] = best_of(tiny, 2 if quick else 3) * 1e3
        if torch is not None:
            def ref():
                x = torch.ones(4, requires_grad=True)
                y = x
                for _ in range(n):
                    y = y * 1.0001
                y.sum().backward()
            out[f"torch_{n}"] = best_of(ref, 2 if quick else 3) * 1e3
    out["tinytorch"] = out["tinytorch_5000"]
    if torch is not None:
        out["torch"] = out["torch_5000"]
    out["growth_10000_over_5000"] = out["tinytorch_10000"] / out["tinytorch_5000"]
    return out


def digits_data(flatten):
    """The shipped digits as float32 (train images, train labels, test images, test labels): flattened
    and standardised per pixel with train-set statistics, or as (N, 1, 8, 8) images in [0, 1]."""
    from tinytorch.datasets import load_digits
    xtr, ytr = load_digits("train")
    xte, yte = load_digits("test")
    if not flatten:
        return xtr[:, None], ytr, xte[:, None], yte
    xtr, xte = xtr.reshape(len(xtr), -1), xte.reshape(len(xte), -1)
    mu, sd = xtr.mean(0), xtr.std(0) + 0.1
    return ((xtr - mu) / sd).astype(np.float32), ytr, ((xte - mu) / sd).astype(np.float32), yte


def train_both(torch, build, init, data, epochs, lr, schedule, batch=32, repeats=1):
    """Train build(nn) in tinytorch and (when installed) PyTorch from the same initial weights `init` on the
    same batches: Adam, with a cosine learning-rate schedule when `schedule`. Returns the result dict:
    training seconds (the unit; wall time, and CPU time as *_cpu) and test accuracy of each. With `repeats`,
    the two trainings alternate that many times and each side keeps its fastest (every repeat trains the same
    model from the same weights on the same batches, so the accuracies repeat too; they are checked)."""
    xtr, ytr, xte, yte = data
    order_rng = np.random.default_rng(0)
    orders = [order_rng.permutation(len(xtr)) for _ in range(epochs)]

    def run(nn, optim, to_t, no_grad):
        model = build(nn)
        for p, v in zip(model.parameters(), init):
            p.data[...] = to_t(v.copy())
        opt = optim.Adam(model.parameters(), lr=lr)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs) if schedule else None
        t0, c0 = time.perf_counter(), time.process_time()
        for order in orders:
            for s in range(0, len(order), batch):
                idx = order[s:s + batch]
                loss = nn.functional.cross_entropy(model(to_t(xtr[idx])), to_t(ytr[idx]))
                opt.zero_grad()
                loss.backward()
                opt.step()
            if sched is not None:
                sched.step()
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        with no_grad():
            pred = model(to_t(xte)).argmax(dim=1)
        return seconds, cpu_seconds, float((np.asarray(pred.numpy()) == yte).mean())

    out = {"unit": "s", "epochs": epochs, "repeats": repeats}
    sides = [("tinytorch", (tt.nn, tt.optim, tt.tensor, tt.no_grad))]
    if torch is not None:
        sides.append(("torch", (torch.nn, torch.optim, torch.from_numpy, torch.no_grad)))
    for _ in range(repeats):                 # alternate, so background load hits both alike
        for name, lib in sides:
            seconds, cpu_seconds, accuracy = run(*lib)
            if name in out and accuracy != out[f"{name}_test_accuracy"]:
                raise RuntimeError(f"{name}: a repeat reached test accuracy {accuracy}, not "
                                   f"{out[f'{name}_test_accuracy']}: the training is not deterministic")
            if name not in out or seconds < out[name]:
                out[name], out[f"{name}_cpu"] = seconds, cpu_seconds
            out[f"{name}_test_accuracy"] = accuracy
    if torch is not None:
        out["cpu_ratio"] = out["tinytorch_cpu"] / out["torch_cpu"]
    return out


@workload("mlp_digits")
def mlp_digits(torch, quick):
    try:
        from tinytorch.core import optimizers  # noqa: F401
    except ImportError:
        return {"skipped": "module 06 (optimizers) is not in the package yet"}
    init_rng = np.random.default_rng(0)              # PyTorch's default Linear init, U(-1/sqrt(in), 1/sqrt(in))
    bound1, bound2 = 1 / np.sqrt(64), 1 / np.sqrt(256)
    init = [init_rng.uniform(-bound1, bound1, (256, 64)), init_rng.uniform(-bound1, bound1, 256),
            init_rng.uniform(-bound2, bound2, (10, 256)), init_rng.uniform(-bound2, bound2, 10)]
    init = [v.astype(np.float32) for v in init]
    return train_both(torch, lambda nn: nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)), init,
                      digits_data(flatten=True), epochs=5 if quick else 20, lr=2e-3, schedule=False)


def _spatial_layers():
    """tinytorch's conv/pool layers (module 09) and the nn layers they combine with, or None if not exported."""
    try:
        from tinytorch.core import spatial
    except ImportError:
        return None
    from types import SimpleNamespace
    return SimpleNamespace(Conv2d=spatial.Conv2d, MaxPool2d=spatial.MaxPool2d, ReLU=tt.nn.ReLU,
                           Flatten=tt.nn.Flatten, Linear=tt.nn.Linear, Sequential=tt.nn.Sequential)


def _conv_block(torch, quick, input_grad):
    """Conv2d(3->32, k3, pad 1) + ReLU + MaxPool2d(2), forward + backward, batch 32x3x32x32, same weights;
    with `input_grad` the input requires a gradient, so the backward also runs dcols = W^T G and col2im."""
    nn = _spatial_layers()
    if nn is None:
        return {"skipped": "module 09 (spatial) is not in the package yet"}
    repeats = 6 if quick else 30
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((32, 3, 32, 32)).astype(np.float32)
    tt.manual_seed(0)
    conv, pool = nn.Conv2d(3, 32, 3, padding=1), nn.MaxPool2d(2)
    x = tt.tensor(x0, requires_grad=input_grad)

    def tiny():
        x.grad = None
        out = pool(tt.relu(conv(x)))
        out.sum().backward()

    products = 3 if input_grad else 2                  # forward, weight gradient[, input gradient]
    flops = products * 2 * 32 * 32 * 32 * 32 * 3 * 3 * 3
    tiny()
    out = {"unit": "ms/step", "batch": "32x3x32x32", "input_grad": input_grad}
    if torch is None:
        wall, cpu = best_wall_and_cpu(tiny, repeats)
        out["tinytorch"], out["tinytorch_cpu"] = wall * 1e3, cpu * 1e3
    else:
        tconv = torch.nn.Conv2d(3, 32, 3, padding=1)
        with torch.no_grad():
            tconv.weight.copy_(torch.from_numpy(conv.weight.detach().numpy()))
            tconv.bias.copy_(torch.from_numpy(conv.bias.detach().numpy()))
        tx = torch.from_numpy(x0).requires_grad_(input_grad)

        def ref():
            tx.grad = None
            torch.nn.functional.max_pool2d(torch.relu(tconv(tx)), 2).sum().backward()
        ref()
        t_tiny, t_ref = [], []
        for _ in range(3):                                   # alternate, so background load hits both alike
            t_tiny.append(best_wall_and_cpu(tiny, max(1, repeats // 3)))
            t_ref.append(best_wall_and_cpu(ref, max(1, repeats // 3)))
        out["tinytorch"], out["torch"] = min(t[0] for t in t_tiny) * 1e3, min(t[0] for t in t_ref) * 1e3
        out["tinytorch_cpu"], out["torch_cpu"] = min(t[1] for t in t_tiny) * 1e3, min(t[1] for t in t_ref) * 1e3
        out["cpu_ratio"] = out["tinytorch_cpu"] / out["torch_cpu"]
        threads = tt.get_num_threads() if hasattr(tt, "get_num_threads") else 1
        if threads > 1:                        # what tinytorch's batch-parallel kernels bring: the same step with 1
            tt.set_num_threads(1)              # thread for them (BLAS threads unchanged), alternated like above
            try:
                serial = [best_wall_and_cpu(tiny, max(1, repeats // 3))[0] for _ in range(3)]
            finally:
                tt.set_num_threads(threads)
            out["tinytorch_kernels_1_thread"] = min(serial) * 1e3
        conv.weight.grad = None
        tconv.weight.grad = None
        tiny()
        ref()
        ref_grad = tconv.weight.grad.numpy()
        out["weight_grad_rel_diff"] = float(np.abs(conv.weight.grad.numpy() - ref_grad).max() /
                                            np.abs(ref_grad).max())
        if input_grad:
            ref_gx = tx.grad.numpy()
            out["input_grad_rel_diff"] = float(np.abs(x.grad.numpy() - ref_gx).max() / np.abs(ref_gx).max())
    out["tinytorch_conv_gflops"] = flops / (out["tinytorch"] * 1e-3) / 1e9
    return out


@workload("conv_block")
def conv_block(torch, quick):
    """The conv block with a data input (no input gradient: the first layer of a CNN)."""
    return _conv_block(torch, quick, input_grad=False)


@workload("conv_block_input_grad")
def conv_block_input_grad(torch, quick):
    """The conv block whose input requires a gradient (every conv after the first layer)."""
    return _conv_block(torch, quick, input_grad=True)


def load_script(relative_path, name):
    """The Python file ROOT/relative_path as a module, loaded once (registered in sys.modules as `name`)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def milestone_04():
    """milestones/04_cnn/cnn_digits.py as a module (its `small_cnn(nn)` builds the CNN from tinytorch's or
    torch.nn's layer classes)."""
    return load_script("milestones/04_cnn/cnn_digits.py", "tinytorch_bench_milestone_04")


@workload("cnn_digits")
def cnn_digits(torch, quick):
    """Milestone 04's CNN trained on digits: Adam + cosine schedule, same initial weights and batches."""
    if _spatial_layers() is None:
        return {"skipped": "module 09 (spatial) is not in the package yet"}
    try:
        from tinytorch.core import optimizers  # noqa: F401
    except ImportError:
        return {"skipped": "module 06 (optimizers) is not in the package yet"}
    build = milestone_04().small_cnn                  # the network milestone 04 defines, from either library
    tt.manual_seed(0)
    init = [p.detach().numpy().copy() for p in build(tt.nn).parameters()]
    return train_both(torch, build, init, digits_data(flatten=False), epochs=3 if quick else 20, lr=3e-3,
                      schedule=True, repeats=1 if quick else 3)


# ---------------------------------------------------------------------------------------------
# Milestone 05's GPT: the workload lives in bench/gpt.py (same thread count on both sides, printed).
@workload("gpt_step")
def gpt_step(torch, quick):
    return load_script("bench/gpt.py", "tinytorch_bench_gpt").gpt_step(tt, torch, quick)


# Module 17's KV cache: cached against uncached generation (bench/kv_cache.py; tinytorch alone).
@workload("kv_cache")
def kv_cache(torch, quick):
    return load_script("bench/kv_cache.py", "tinytorch_bench_kv_cache").kv_cache(tt, torch, quick)


# ---------------------------------------------------------------------------------------------
@workload("matmul_ladder")
def matmul_ladder(torch, quick):
    """Module 18's rungs at n=256, float32, BLAS on 2 threads on both sides: 'tinytorch' is tiled_matmul with
    BLAS blocks of 64 (our cache blocking around BLAS), 'torch' is torch.matmul; the ladder ratios are notes."""
    try:
        from tinytorch.perf.acceleration import matmul_outer, tiled_matmul
    except ImportError:
        return {"skipped": "module 18 (acceleration) is not in the package yet"}
    from tinytorch.utils.timing import pinned_blas_threads
    n, tile, repeats = 256, 64, 3 if quick else 10
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    with pinned_blas_threads(2):
        tiled_matmul(a, b, tile), a @ b                              # warm-up
        t_rank1 = best_of(lambda: matmul_outer(a, b), max(1, repeats // 3))
        t_tiled = best_of(lambda: tiled_matmul(a, b, tile), repeats)
        t_blas = best_of(lambda: a @ b, repeats)
    out = {"unit": "ms", "n": n, "tile": tile, "tinytorch": t_tiled * 1e3, "numpy_blas_ms": t_blas * 1e3,
           "rank1_over_blas": t_rank1 / t_blas, "tiled_over_blas": t_tiled / t_blas}
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        ta @ tb                                                       # warm-up
        out["torch"] = best_of(lambda: ta @ tb, repeats) * 1e3
    return out


# ---------------------------------------------------------------------------------------------
# The course's targets (issues 4, 6 and 17): name -> (description, test on a workload's result dict).
TARGETS = {
    "autograd_overhead": ("<= 1.0x PyTorch us/op", lambda r: r["ratio"] <= 1.0),
    "deep_graph": ("linear time: 10,000 ops take <= 2.5x the 5,000-op time",
                   lambda r: r["growth_10000_over_5000"] <= 2.5),
    "mlp_digits": ("<= 1.0x PyTorch time at >= 97% test accuracy",
                   lambda r: r["ratio"] <= 1.0 and r["tinytorch_test_accuracy"] >= 0.97),
    "conv_block": ("<= 3.0x PyTorch ms/step", lambda r: r["ratio"] <= 3.0),
    "conv_block_input_grad": ("<= 1.0x PyTorch ms/step (issue 17)", lambda r: r["ratio"] <= 1.0),
    "cnn_digits": ("<= 1.3x PyTorch training time (issue 17)", lambda r: r["ratio"] <= 1.3),
    "gpt_step": ("<= 1.5x PyTorch ms/step", lambda r: r["ratio"] <= 1.5),
    "kv_cache": (">= 3x at 128 new tokens and >= 8x at 256, same tokens (1 BLAS thread)",
                 lambda r: r["same_tokens"] and r["speedup_128"] >= 3.0 and r["speedup_256"] >= 8.0),
}


def verdicts(results):
    """(workload, target, met, ratio) for each measured workload that has a target (ratio None without torch)."""
    out = []
    for name, r in results["workloads"].items():
        if name in TARGETS and "skipped" not in r:
            text, test = TARGETS[name]
            try:
                met = bool(test(r))
            except KeyError:            # no torch: no ratio to judge
                met = None
            out.append((name, text, met, r.get("ratio")))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="tinytorch vs PyTorch CPU, measured in one run")
    ap.add_argument("names", nargs="*", help=f"workloads to run (default: all of {sorted(WORKLOADS)})")
    ap.add_argument("--quick", action="store_true", help="fewer repeats and epochs (a smoke test)")
    ap.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads on each side: PyTorch's intra-op threads and NumPy's BLAS threads (default 2)")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {sorted(WORKLOADS)}")
    if args.threads < 1:
        ap.error(f"--threads must be a positive integer, got {args.threads}")
    torch = load_torch(args.threads)
    saved_tt_threads = tt.get_num_threads() if hasattr(tt, "get_num_threads") else None
    if saved_tt_threads is not None:
        tt.set_num_threads(args.threads)          # tinytorch's own threads (batch-parallel kernels)
    if torch is None:
        print("torch is not installed: measuring tinytorch alone (pip install 'torch==2.13.0' for ratios)")
    with numpy_blas_threads(args.threads) as blas_note:
        results = {"python": platform.python_version(), "numpy": np.__version__,
                   "torch": getattr(torch, "__version__", None), "quick": args.quick,
                   "threads": {"tinytorch_numpy_blas": blas_note,
                               "torch": torch.get_num_threads() if torch is not None else None},
                   "load_average_start": load_average(), "workloads": {}}
        torch_threads = "-" if torch is None else torch.get_num_threads()
        tt_threads = "-" if saved_tt_threads is None else tt.get_num_threads()
        results["threads"]["tinytorch"] = None if saved_tt_threads is None else tt_threads
        print(f"threads: tinytorch {tt_threads} (NumPy BLAS {blas_note}); PyTorch intra-op {torch_threads}; "
              f"load average {results['load_average_start']} on {os.cpu_count()} CPUs")
        print(f"{'workload':<22} {'tinytorch':>12} {'torch':>12} {'ratio':>8}  unit / notes")
        for name in args.names or list(WORKLOADS):
            r = WORKLOADS[name](torch, args.quick)
            if "tinytorch" in r and "torch" in r:
                r["ratio"] = r["tinytorch"] / r["torch"]
            r["load_average"] = load_average()
            results["workloads"][name] = r
            if "skipped" in r:
                print(f"{name:<22} {'-':>12} {'-':>12} {'-':>8}  skipped: {r['skipped']}")
                continue
            notes = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()
                              if k not in ("tinytorch", "torch", "ratio", "unit"))
            torch_s = f"{r['torch']:12.4g}" if "torch" in r else f"{'-':>12}"
            ratio_s = f"{r['ratio']:7.2f}x" if "ratio" in r else f"{'-':>8}"
            print(f"{name:<22} {r['tinytorch']:12.4g} {torch_s} {ratio_s}  {r['unit']}; {notes}")
    print()
    for name, text, met, ratio in verdicts(results):
        if met is None:
            state = "not judged (needs torch)"
        else:
            state = f"{'met' if met else 'NOT met'} (ratio {ratio:.2f}x)" if ratio is not None else \
                ("met" if met else "NOT met")
        print(f"target {name:<22} {text}: {state}")
        results["workloads"][name]["target"] = {"goal": text, "met": met}
    if args.threads != 2:
        print(f"(measured with {args.threads} thread(s) per side; the course's targets are set for 2)")
    if saved_tt_threads is not None:
        tt.set_num_threads(saved_tt_threads)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
