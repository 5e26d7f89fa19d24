"""Shared helpers for the module 06 tests: a test problem with known gradients and a plain NumPy
reference of PyTorch's SGD and Adam/AdamW update equations (written from the published equations,
independently of tinytorch.core.optimizers)."""
import math

import numpy as np

from tinytorch.core.layers import Parameter
from tinytorch.core.tensor import Tensor

SHAPES = [(3,), (2, 2), (4,)]


def problem(seed=0):
    """Starting values and a gradient function g(i, p) for three parameters of SHAPES (non-quadratic,
    so that the trajectory depends on where the parameters are)."""
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s) for s in SHAPES]
    mats = []
    for s in SHAPES:
        n = int(np.prod(s))
        m = rng.standard_normal((n, n))
        mats.append(m @ m.T / n + np.eye(n))
    targets = [rng.standard_normal(s) for s in SHAPES]

    def grad(i, p):
        flat = mats[i] @ (p.reshape(-1) - targets[i].reshape(-1)) + 0.1 * np.sin(3 * p.reshape(-1))
        return flat.reshape(p.shape)
    return starts, grad


def make_params(starts, dtype=np.float64):
    return [Parameter(np.array(s, dtype=dtype)) for s in starts]


def set_grads(params, grad, skip=()):
    for i, p in enumerate(params):
        p.grad = None if i in skip else Tensor(grad(i, p._data.astype(np.float64)).astype(p._data.dtype))


def ref_sgd(p, g, state, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    """Return the new p (a new array); `state` is updated."""
    d = -g if maximize else g
    if weight_decay:
        d = d + weight_decay * p
    if momentum:
        if "buf" not in state:
            state["buf"] = d.copy()
        else:
            state["buf"] = momentum * state["buf"] + (1 - dampening) * d
        d = d + momentum * state["buf"] if nesterov else state["buf"]
    return p - lr * d


def ref_adam(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
             decoupled=False):
    b1, b2 = betas
    d = -g if maximize else g
    t = state["t"] = state.get("t", 0) + 1
    if weight_decay:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            d = d + weight_decay * p
    state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * d
    state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * d * d
    v = state["v"]
    if amsgrad:
        state["vmax"] = np.maximum(state.get("vmax", 0.0), v)
        v = state["vmax"]
    m_hat = state["m"] / (1 - b1 ** t)
    v_hat_sqrt = np.sqrt(v) / math.sqrt(1 - b2 ** t)
    return p - lr * m_hat / (v_hat_sqrt + eps)
