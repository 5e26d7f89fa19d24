"""Module 20 (capstone) support: the submission format and the grader's trusted tools (hand-written, not taught).

This file ships as-is in every student package, and the grader runs it read-only. It holds what module 20
does not teach and what the grade must be able to trust: the file names and schema of a submission, a
reader that validates it with errors naming the file and the key, a small NumPy inference runtime that
rebuilds a model from its saved architecture and arrays (like an ONNX runtime: the grader never runs the
student's own layers), file sizes, an interleaved latency timer (plain time.perf_counter, deliberately NOT
module 19's harness, which is the student's own code in the grading sandbox), and `ClaimsFlagged`.
It imports only the standard library and NumPy, so the grader can load it by path without importing any
student code. No answer of module 20 is in it.

The submission folder holds three files:
  report.json    {"format": 1, "techniques": [...], "claims": {...}, ...anything else the student adds}
  baseline.npz   one saved model: its arrays, plus ARCHITECTURE_KEY, the architecture as a JSON string
  optimised.npz  the same for the optimised model
An architecture is a list of layers, each a dict with "type" in LAYER_TYPES:
  {"type": "Linear", "name": "fc1", "in": 64, "out": 128}        arrays name.weight (out, in), name.bias (out,)
  {"type": "LowRankLinear", "name": "fc1", "in": 64, "out": 128, "rank": 16}
                                 arrays name.first.weight (rank, in), name.second.weight (out, rank), name.second.bias
  {"type": "ReLU"}, {"type": "Flatten"}                          no arrays
Any weight may be stored as int8 instead: name.weight.q (int8, same shape) and name.weight.scale (float32,
a scalar or one value per output row, shape (out, 1)); it is dequantized (q * scale) once, at load.
Biases are float32 and never quantized.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FORMAT_VERSION", "REPORT_FILE", "BASELINE_FILE", "OPTIMISED_FILE", "ARCHITECTURE_KEY", "LAYER_TYPES",
           "TECHNIQUES", "CLAIM_KEYS", "SubmissionError", "ClaimsFlagged", "read_model", "read_submission",
           "build_model", "NumpyModel", "file_bytes", "interleaved_latency", "visible_techniques", "CLAIM_TOLERANCES",
           "TARGETS", "load_test_digits", "remeasure"]

FORMAT_VERSION = 1
REPORT_FILE = "report.json"
BASELINE_FILE = "baseline.npz"
OPTIMISED_FILE = "optimised.npz"
ARCHITECTURE_KEY = "architecture.json"
LAYER_TYPES = ("Linear", "LowRankLinear", "ReLU", "Flatten")
# The techniques a report may name (modules 15-16), and what the grader looks for in the files.
TECHNIQUES = {
    "int8": "module 15: int8 weight storage (some optimised weight stored as name.weight.q, dtype int8)",
    "structured_pruning": "module 16: fewer units (some optimised Linear has fewer outputs than the baseline's)",
    "magnitude_pruning": "module 16: zeros (at least 30% of the optimised model's weights are exactly 0)",
    "low_rank": "module 16: a LowRankLinear layer in the optimised model",
}
# The claims a report makes, all measured by the student's own code on the files it wrote:
# accuracies on load_digits("test") as fractions, bytes on disk, speed-up = baseline / optimised latency.
CLAIM_KEYS = ("baseline_accuracy", "optimised_accuracy", "baseline_bytes", "optimised_bytes", "speedup")
# How far a claim may be from the grader's re-measurement, in the same kernel run on the same machine:
# bytes and accuracies are deterministic (same files, same 359 images), so exact; a speed-up is a timing,
# so the claimed / re-measured ratio must lie within [1/2, 2].
CLAIM_TOLERANCES = {"baseline_accuracy": {"abs": 0.0}, "optimised_accuracy": {"abs": 0.0},
                    "baseline_bytes": {"abs": 0}, "optimised_bytes": {"abs": 0}, "speedup": {"factor": 2.0}}
# The targets the grade gives points for (each its own graded cell of module 20).
TARGETS = {"techniques": 2, "size_ratio": 3.5, "baseline_accuracy": 0.90, "accuracy_drop": 0.01, "speedup": 1.0}


class SubmissionError(ValueError):
    """A submission file is missing or does not follow the format; the message names the file and the key."""


class ClaimsFlagged(AssertionError):
    """Raised by the grader when a report's claims differ from the re-measured numbers beyond the tolerances.

    The message names every claim that is off: "claimed X, re-measured Y (tolerance Z)", joined by "; ".
    """


def file_bytes(path) -> int:
    """Bytes on disk of the file at `path` (os.path.getsize)."""
    return int(os.path.getsize(path))


def _check_layer(layer, i, where):
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
        raise SubmissionError(f"{where}: layer {i} must be a dict with a 'type' among {LAYER_TYPES}, got {layer!r}")
    needed = {"Linear": ("name", "in", "out"), "LowRankLinear": ("name", "in", "out", "rank")}.get(layer["type"], ())
    for key in needed:
        if key not in layer:
            raise SubmissionError(f"{where}: layer {i} ({layer['type']}) has no '{key}'")
        if key != "name" and (isinstance(layer[key], bool) or not isinstance(layer[key], int) or layer[key] < 1):
            raise SubmissionError(f"{where}: layer {i} ({layer['type']}) '{key}' must be a positive int, "
                                  f"got {layer[key]!r}")


def read_model(path):
    """(architecture, state) of the model file at `path`: the architecture list and {name: ndarray}.

    Loaded with allow_pickle=False. Raises SubmissionError naming the file when it is missing, is not an
    .npz archive, holds an object array (pickle), or has no valid ARCHITECTURE_KEY entry.
    """
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path.name} is missing (looked for {path})")
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    except ValueError as exc:
        raise SubmissionError(f"{path.name}: an array needs pickle to load, which the format forbids ({exc})") from None
    except Exception as exc:  # noqa: BLE001  (a damaged zip raises several types)
        raise SubmissionError(f"{path.name} is not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if ARCHITECTURE_KEY not in state:
        raise SubmissionError(f"{path.name} has no '{ARCHITECTURE_KEY}' entry (the architecture as a JSON string)")
    try:
        architecture = json.loads(str(state.pop(ARCHITECTURE_KEY)))
    except json.JSONDecodeError as exc:
        raise SubmissionError(f"{path.name}: '{ARCHITECTURE_KEY}' is not valid JSON ({exc})") from None
    if not isinstance(architecture, list) or not architecture:
        raise SubmissionError(f"{path.name}: '{ARCHITECTURE_KEY}' must be a non-empty list of layers")
    for i, layer in enumerate(architecture):
        _check_layer(layer, i, path.name)
    return architecture, state


def _check_plain_baseline(architecture, state):
    """The baseline is what the ratios divide by, so it must be a plain float32 model: Linear, ReLU and
    Flatten layers, every array float32 (no int8, no low rank: an optimised baseline would shrink the gain,
    a padded one would inflate it)."""
    odd = [layer["type"] for layer in architecture if layer["type"] not in ("Linear", "ReLU", "Flatten")]
    if odd:
        raise SubmissionError(f"{BASELINE_FILE}: the baseline must be a plain float32 model of Linear, ReLU and "
                              f"Flatten layers, it has {sorted(set(odd))}")
    narrow = sorted(k for k, v in state.items() if np.asarray(v).dtype != np.float32)
    if narrow:
        raise SubmissionError(f"{BASELINE_FILE}: the baseline's arrays must be float32; {narrow[:3]} are not")


def _check_deflated(path):
    """Both files are written the same way (np.savez_compressed), so bytes on disk compare like with like:
    an archive entry stored without compression would inflate the baseline or favour one side."""
    with zipfile.ZipFile(path) as archive:
        stored = sorted(i.filename for i in archive.infolist() if i.compress_type != zipfile.ZIP_DEFLATED)
    if stored:
        raise SubmissionError(f"{Path(path).name}: entries {stored[:3]} are not deflated; write both files with "
                              "np.savez_compressed so their bytes compare like with like")


def read_submission(folder):
    """dict report, baseline (architecture, state), optimised (architecture, state), bytes {baseline,
    optimised}, folder: the submission in `folder`, validated.

    Raises SubmissionError naming the file and the key: a missing file, report.json not a JSON object,
    "format" not FORMAT_VERSION, "techniques" not a list of names from TECHNIQUES, "claims" without one of
    CLAIM_KEYS or with a value that is not a finite number, a baseline that is not a plain float32 model of
    Linear, ReLU and Flatten layers, an archive entry not deflated (np.savez_compressed), and every read_model
    error.
    """
    folder = Path(folder)
    report_path = folder / REPORT_FILE
    if not report_path.is_file():
        raise SubmissionError(f"{REPORT_FILE} is missing (looked for {report_path})")
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(f"{REPORT_FILE} is not valid JSON ({exc})") from None
    if not isinstance(report, dict):
        raise SubmissionError(f"{REPORT_FILE} must hold a JSON object, got {type(report).__name__}")
    if report.get("format") != FORMAT_VERSION:
        raise SubmissionError(f"{REPORT_FILE}: key 'format' must be {FORMAT_VERSION}, got {report.get('format')!r}")
    techniques = report.get("techniques")
    if not isinstance(techniques, list) or not all(t in TECHNIQUES for t in techniques):
        raise SubmissionError(f"{REPORT_FILE}: key 'techniques' must be a list of names from {sorted(TECHNIQUES)}, "
                              f"got {techniques!r}")
    claims = report.get("claims")
    if not isinstance(claims, dict):
        raise SubmissionError(f"{REPORT_FILE}: key 'claims' must be an object with {', '.join(CLAIM_KEYS)}")
    for key in CLAIM_KEYS:
        value = claims.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SubmissionError(f"{REPORT_FILE}: key 'claims.{key}' must be a finite number, got {value!r}")
    baseline, optimised = read_model(folder / BASELINE_FILE), read_model(folder / OPTIMISED_FILE)
    _check_plain_baseline(*baseline)
    for name in (BASELINE_FILE, OPTIMISED_FILE):
        _check_deflated(folder / name)
    return {"report": report, "baseline": baseline, "optimised": optimised, "folder": folder,
            "bytes": {"baseline": file_bytes(folder / BASELINE_FILE),
                      "optimised": file_bytes(folder / OPTIMISED_FILE)}}


def _weight(state, key, shape, where):
    """The float32 weight `key` of `shape`: stored as float, or as key.q (int8) + key.scale, dequantized."""
    if key in state:
        w = np.asarray(state[key])
        if w.dtype.kind != "f":
            raise SubmissionError(f"{where}: '{key}' must be floating point, got {w.dtype}")
        w = w.astype(np.float32)
    elif key + ".q" in state:
        q = np.asarray(state[key + ".q"])
        if q.dtype != np.int8:
            raise SubmissionError(f"{where}: '{key}.q' must be int8, got {q.dtype}")
        if key + ".scale" not in state:
            raise SubmissionError(f"{where}: '{key}.q' has no '{key}.scale'")
        scale = np.asarray(state[key + ".scale"], dtype=np.float32)
        if scale.size not in (1, shape[0]):
            raise SubmissionError(f"{where}: '{key}.scale' must hold 1 or {shape[0]} values, got shape {scale.shape}")
        w = q.astype(np.float32) * scale.reshape(-1, 1) if scale.size > 1 else q.astype(np.float32) * scale.item()
    else:
        raise SubmissionError(f"{where}: no array '{key}' (nor '{key}.q' with '{key}.scale')")
    if w.shape != tuple(shape):
        raise SubmissionError(f"{where}: '{key}' has shape {w.shape}, the architecture says {tuple(shape)}")
    return np.ascontiguousarray(w, dtype=np.float32)


def _bias(state, key, n, where):
    if key not in state:
        return None
    b = np.asarray(state[key])
    if b.shape != (n,) or b.dtype.kind != "f":
        raise SubmissionError(f"{where}: '{key}' must be a float array of shape ({n},), got {b.dtype} {b.shape}")
    return b.astype(np.float32)


class NumpyModel:
    """A model rebuilt from a saved architecture: model(images) -> logits, float32 NumPy only.

    Each Linear computes x @ W.T + b with weights dequantized at load; inputs are flattened to (N, -1) by a
    Flatten layer (or when a Linear receives more than 2 dimensions). `layers` lists (type, arrays).
    """

    def __init__(self, layers, architecture):
        self.layers = layers
        self.architecture = architecture

    def __call__(self, x):
        h = np.asarray(x, dtype=np.float32)
        for kind, arrays in self.layers:
            if kind == "Flatten" or (kind != "ReLU" and h.ndim > 2):
                h = h.reshape(len(h), -1)
            if kind == "ReLU":
                h = np.maximum(h, 0)
            elif kind != "Flatten":
                for w, b in arrays:
                    h = h @ w
                    if b is not None:
                        h = h + b
        return h

    def num_weights(self):
        """Scalars in all weights and biases."""
        return sum(w.size + (0 if b is None else b.size) for _, arrays in self.layers for w, b in arrays)


def build_model(architecture, state, where="model"):
    """A NumpyModel from an architecture list and its arrays (as read_model returns them).

    Raises SubmissionError naming `where` and the key for a missing array, a wrong shape or dtype, and an
    array the architecture does not use (a file holding arrays nobody reads is not the model it claims).
    """
    used, layers = set(), []
    for i, layer in enumerate(architecture):
        _check_layer(layer, i, where)
        kind, name = layer["type"], layer.get("name")
        if kind == "Linear":
            w = _weight(state, f"{name}.weight", (layer["out"], layer["in"]), where)
            arrays = [(w.T.copy(), _bias(state, f"{name}.bias", layer["out"], where))]
            keys = [f"{name}.weight", f"{name}.bias"]
        elif kind == "LowRankLinear":
            r = layer["rank"]
            first = _weight(state, f"{name}.first.weight", (r, layer["in"]), where)
            second = _weight(state, f"{name}.second.weight", (layer["out"], r), where)
            arrays = [(first.T.copy(), None), (second.T.copy(), _bias(state, f"{name}.second.bias", layer["out"], where))]
            keys = [f"{name}.first.weight", f"{name}.second.weight", f"{name}.second.bias"]
        else:
            arrays, keys = [], []
        for key in keys:
            used.update({key, key + ".q", key + ".scale"})
        layers.append((kind, arrays))
    unused = sorted(set(state) - used)
    if unused:
        raise SubmissionError(f"{where}: arrays {unused} are not used by the architecture")
    return NumpyModel(layers, architecture)


def visible_techniques(baseline, optimised):
    """{technique: True/False}: which TECHNIQUES the files show (baseline, optimised: (architecture, state))."""
    (base_arch, _), (opt_arch, opt_state) = baseline, optimised
    base_widths = [layer["out"] for layer in base_arch if layer["type"] in ("Linear", "LowRankLinear")]
    opt_widths = [layer["out"] for layer in opt_arch if layer["type"] in ("Linear", "LowRankLinear")]
    weights = [np.asarray(v) for k, v in opt_state.items() if k.endswith(".weight") or k.endswith(".weight.q")]
    zeros = sum(int((w == 0).sum()) for w in weights) / max(1, sum(w.size for w in weights))
    return {"int8": any(k.endswith(".weight.q") and np.asarray(v).dtype == np.int8 for k, v in opt_state.items()),
            "structured_pruning": len(base_widths) == len(opt_widths) and any(o < b for o, b in zip(opt_widths, base_widths)),
            "magnitude_pruning": zeros >= 0.30,
            "low_rank": any(layer["type"] == "LowRankLinear" for layer in opt_arch)}


def _median_ci_ranks(n, level=0.95):
    """0-based ranks (lo, hi) of the sorted sample that bound its median with confidence >= level
    (distribution-free, from the binomial(n, 1/2) law of how many values fall below the median)."""
    tail, k = 0.0, 0
    while True:
        p = math.comb(n, k) / 2 ** n
        if tail + p > (1 - level) / 2:
            break
        tail += p
        k += 1
    return max(k - 1, 0), min(n - k, n - 1)


def interleaved_latency(baseline, optimised, x, repeats=31, warmup=5, clock=time.perf_counter):
    """Time baseline(x) and optimised(x) alternately, `repeats` pairs after `warmup` untimed pairs.

    Alternating puts a slow spell of a shared machine on both models. Returns a dict: baseline and
    optimised (the samples, seconds), ratios (baseline / optimised of each pair), speedup (median ratio),
    ci95 (distribution-free 95% interval of the median ratio: two order statistics of the ratios).
    """
    if repeats < 30:
        raise ValueError(f"interleaved_latency needs at least 30 repeats, got {repeats}")
    for _ in range(warmup):
        baseline(x)
        optimised(x)
    a, b = np.empty(repeats), np.empty(repeats)
    for i in range(repeats):
        first, second = (baseline, optimised) if i % 2 == 0 else (optimised, baseline)
        start = clock()
        first(x)
        middle = clock()
        second(x)
        end = clock()
        (a[i], b[i]) = (middle - start, end - middle) if i % 2 == 0 else (end - middle, middle - start)
    ratios = np.sort(a / b)
    lo, hi = _median_ci_ranks(repeats)
    return {"baseline": a, "optimised": b, "ratios": a / b, "speedup": float(np.median(ratios)),
            "ci95": (float(ratios[lo]), float(ratios[hi]))}


def load_test_digits():
    """(images float32 (359, 8, 8) in [0, 1], labels int64): the held-out split of the digits file that
    ships beside this one (tinytorch/datasets/digits.npz), read without importing the tinytorch package."""
    path = Path(__file__).resolve().parent / "datasets" / "digits.npz"
    with np.load(path, allow_pickle=False) as f:
        index = f["test_idx"]
        return f["images"][index].astype(np.float32) / np.float32(16.0), f["labels"][index].astype(np.int64)


def _measure(folder, latency):
    """Everything the grade re-measures about the submission in `folder` (see remeasure)."""
    sub = read_submission(folder)
    images, labels = load_test_digits()
    models = {name: build_model(*sub[name], where=name + ".npz") for name in ("baseline", "optimised")}
    out = {"report": sub["report"], "bytes": sub["bytes"], "n_test": int(len(labels)),
           "visible": visible_techniques(sub["baseline"], sub["optimised"])}
    for name, model in models.items():
        correct = int((model(images).argmax(axis=1) == labels).sum())
        out[name + "_correct"] = correct
        out[name + "_accuracy"] = correct / len(labels)
    if latency:
        timing = interleaved_latency(models["baseline"], models["optimised"], images)
        out["latency"] = {"speedup": timing["speedup"], "ci95": list(timing["ci95"]),
                          "baseline_median": float(np.median(timing["baseline"])),
                          "optimised_median": float(np.median(timing["optimised"])), "pairs": len(timing["ratios"]),
                          "baseline_samples": timing["baseline"].tolist(), "optimised_samples": timing["optimised"].tolist()}
    return out


def remeasure(folder, latency=True, timeout=50):
    """Re-measure the submission in `folder` in a fresh Python process (python -I, one BLAS thread) that
    loads only this file and NumPy, so nothing the notebook's own code changed in its kernel can touch it.

    Returns a dict: report, bytes {baseline, optimised} (os.path.getsize), n_test (359),
    baseline_correct/optimised_correct (images), baseline_accuracy/optimised_accuracy, visible
    (visible_techniques) and, with latency=True, latency {speedup, ci95, baseline_median,
    optimised_median, pairs, baseline_samples, optimised_samples (seconds, in pair order)} from
    interleaved_latency on the 359 test images.
    Raises SubmissionError with the reader's message when the submission is missing or malformed.
    """
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # -I ignores PYTHON*
    cmd = [sys.executable, "-I", str(Path(__file__).resolve()), str(Path(folder).resolve())]
    if not latency:
        cmd.append("--no-latency")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the re-measurement process failed (exit {done.returncode}): {done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if "error" in result:
        raise SubmissionError(result["error"])
    return result


if __name__ == "__main__":      # the grader's fresh process: python -I capstone_support.py FOLDER [--no-latency]
    try:
        measured = _measure(sys.argv[1], "--no-latency" not in sys.argv[2:])
    except SubmissionError as exc:
        measured = {"error": str(exc)}
    print(json.dumps(measured))
