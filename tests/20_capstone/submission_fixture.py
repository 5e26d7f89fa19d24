"""Module 20's test helper: small hand-made submissions written with NumPy only (no student code), for the
tests of the support file (tinytorch/capstone_support.py) and of the grader's claims cell."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tinytorch.capstone_support import ARCHITECTURE_KEY, load_test_digits


def mlp_state(hidden, rng, int8=False):
    """(architecture, state) of Linear(64, hidden), ReLU, Linear(hidden, 10): fitted to the test digits by
    least squares on one-hot targets through a fixed random ReLU layer (a fast, deterministic, decent model)."""
    x, y = load_test_digits()
    x = x.reshape(len(x), 64)
    w1 = rng.standard_normal((hidden, 64)).astype(np.float32) / 4
    b1 = np.zeros(hidden, np.float32)
    h = np.maximum(x @ w1.T + b1, 0)
    w2 = np.linalg.lstsq(h, np.eye(10)[y], rcond=None)[0].T.astype(np.float32)
    arch = [{"type": "Linear", "name": "fc1", "in": 64, "out": hidden}, {"type": "ReLU"},
            {"type": "Linear", "name": "fc2", "in": hidden, "out": 10}]
    state = {"fc1.bias": b1, "fc2.bias": np.zeros(10, np.float32)}
    for key, w in (("fc1.weight", w1), ("fc2.weight", w2)):
        if int8:
            scale = (np.abs(w).max(axis=1, keepdims=True) / 127).astype(np.float32)
            state[key + ".q"] = np.clip(np.round(w / scale), -128, 127).astype(np.int8)
            state[key + ".scale"] = scale
        else:
            state[key] = w
    return arch, state


def write_model(path, arch, state):
    np.savez_compressed(path, **{ARCHITECTURE_KEY: np.array(json.dumps(arch))}, **state)


def make_submission(folder, claims_override=None, techniques=("int8", "structured_pruning")):
    """A complete submission in `folder` (baseline 256 units float32, optimised 64 units int8) whose claims
    are measured honestly with NumPy, then overridden by `claims_override`; returns the honest claims."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    models = {"baseline": mlp_state(256, rng), "optimised": mlp_state(64, rng, int8=True)}
    x, y = load_test_digits()
    claims = {}
    for name, (arch, state) in models.items():
        write_model(folder / f"{name}.npz", arch, state)
        claims[f"{name}_bytes"] = (folder / f"{name}.npz").stat().st_size
        from tinytorch.capstone_support import build_model
        claims[f"{name}_accuracy"] = float(np.mean(build_model(arch, state)(x).argmax(axis=1) == y))
    claims["speedup"] = 2.0
    honest = dict(claims)
    claims.update(claims_override or {})
    report = {"format": 1, "techniques": list(techniques), "claims": claims}
    (folder / "report.json").write_text(json.dumps(report))
    return honest
