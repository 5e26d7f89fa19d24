"""Module 06 against a plain NumPy reference of the update equations (no PyTorch needed):
trajectories over several steps for many hyper-parameters, in place, dtype kept, None gradients skipped."""
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.layers import Parameter
from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor


ref = load_file(Path(__file__).with_name("optim_reference.py"), "tinytorch_tests_optim_reference")
STEPS = 6

sgd_settings = st.fixed_dictionaries({
    "lr": st.sampled_from([0.0, 1e-3, 0.05, 0.2]),
    "momentum": st.sampled_from([0.0, 0.5, 0.9]),
    "dampening": st.sampled_from([0.0, 0.3]),
    "weight_decay": st.sampled_from([0.0, 1e-2, 0.3]),
    "nesterov": st.booleans(),
    "maximize": st.booleans(),
}).filter(lambda k: not k["nesterov"] or (k["momentum"] > 0 and k["dampening"] == 0))

adam_settings = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.01, 0.1]),
    "betas": st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.0, 0.99), (0.95, 0.0)]),
    "eps": st.sampled_from([1e-8, 1e-3]),
    "weight_decay": st.sampled_from([0.0, 1e-2, 0.5]),
    "amsgrad": st.booleans(),
    "maximize": st.booleans(),
})


def run_ours(make, seed, skip_at=None, dtype=np.float64):
    starts, grad = ref.problem(seed)
    params = ref.make_params(starts, dtype)
    opt = make(params)
    path = []
    for step in range(STEPS):
        ref.set_grads(params, grad, skip=(1,) if step == skip_at else ())
        opt.step()
        path.append([p._data.copy() for p in params])
    return path


def run_reference(update, seed, skip_at=None):
    starts, grad = ref.problem(seed)
    ps = [s.copy() for s in starts]
    states = [{} for _ in ps]
    path = []
    for step in range(STEPS):
        grads = [grad(i, p) for i, p in enumerate(ps)]
        for i in range(len(ps)):
            if step == skip_at and i == 1:
                continue
            ps[i] = update(ps[i], grads[i], states[i])
        path.append([p.copy() for p in ps])
    return path


def assert_paths_close(ours, theirs, tol=1e-10):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=f"step {step + 1}, parameter {i}")


@settings(max_examples=40, deadline=None)
@given(kw=sgd_settings, seed=st.integers(0, 5), skip_at=st.sampled_from([None, 0, 3]))
def test_sgd_matches_numpy_reference(kw, seed, skip_at):
    ours = run_ours(lambda ps: SGD(ps, **kw), seed, skip_at)
    theirs = run_reference(lambda p, g, s: ref.ref_sgd(p, g, s, **kw), seed, skip_at)
    assert_paths_close(ours, theirs)


@settings(max_examples=40, deadline=None)
@given(kw=adam_settings, seed=st.integers(0, 5), decoupled=st.booleans(), skip_at=st.sampled_from([None, 0, 3]))
def test_adam_and_adamw_match_numpy_reference(kw, seed, decoupled, skip_at):
    make = (lambda ps: AdamW(ps, **kw)) if decoupled else (lambda ps: Adam(ps, **kw))
    ours = run_ours(make, seed, skip_at)
    theirs = run_reference(lambda p, g, s: ref.ref_adam(p, g, s, decoupled=decoupled, **kw), seed, skip_at)
    assert_paths_close(ours, theirs)


def test_param_groups_use_their_own_hyperparameters():
    starts, grad = ref.problem(1)
    params = ref.make_params(starts)
    opt = SGD([{"params": params[:2], "momentum": 0.9}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    for _ in range(STEPS):
        ref.set_grads(params, grad)
        opt.step()
    ps, states = [s.copy() for s in starts], [{}, {}, {}]
    settings_per_param = [dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9), dict(lr=0.5)]
    for _ in range(STEPS):
        grads = [grad(i, p) for i, p in enumerate(ps)]
        ps = [ref.ref_sgd(p, g, s, **kw) for p, g, s, kw in zip(ps, grads, states, settings_per_param)]
    for ours, theirs in zip(params, ps):
        np.testing.assert_allclose(ours._data, theirs, rtol=1e-12)
    assert "momentum_buffer" in opt.state[params[0]] and params[2] not in opt.state


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
                                  lambda ps: Adam(ps, lr=0.1, amsgrad=True),
                                  lambda ps: AdamW(ps, lr=0.1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_update_is_in_place_keeps_dtype_and_leaves_grad_alone(make, dtype):
    storage = np.linspace(-1, 1, 12).astype(dtype)
    p = Parameter(storage.reshape(3, 4))                 # a view of `storage`
    grad = Tensor(np.full((3, 4), 0.25, dtype=dtype))
    p.grad = grad
    grad_before = grad._data.copy()
    before = p._data.copy()
    opt = make([p])
    opt.step()
    opt.step()
    assert p._data.dtype == dtype
    assert np.shares_memory(p._data, storage), "the update must write into the parameter's own array"
    assert not np.array_equal(p._data, before)
    np.testing.assert_array_equal(storage.reshape(3, 4), p._data)
    assert p.grad is grad
    np.testing.assert_array_equal(grad._data, grad_before)
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == dtype and value.shape == (3, 4)


def test_float32_updates_follow_the_float64_reference_closely():
    ours = run_ours(lambda ps: Adam(ps, lr=0.05), 2, dtype=np.float32)
    theirs = run_reference(lambda p, g, s: ref.ref_adam(p, g, s, lr=0.05), 2)
    assert_paths_close(ours, theirs, tol=1e-4)


def test_gradient_of_another_dtype_is_cast_to_the_parameter_dtype():
    p = Parameter(np.ones(3, dtype=np.float32))
    p.grad = Tensor(np.full(3, 0.5, dtype=np.float64))
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    assert p._data.dtype == np.float32 and opt.state[p]["momentum_buffer"].dtype == np.float32
    np.testing.assert_allclose(p._data, 0.95, rtol=1e-6)


def test_ndarray_gradients_are_accepted_like_tensors():
    p = Parameter(np.ones(2))
    p.grad = np.array([1.0, 2.0])
    SGD([p], lr=0.5).step()
    np.testing.assert_allclose(p._data, [0.5, 0.0])
    opt = SGD([p], lr=0.5)
    opt.zero_grad(set_to_none=False)
    assert np.all(p.grad == 0)


def test_zero_grad_both_modes_and_parameters_without_grad():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    a.grad = Tensor(np.ones(2))
    keep = a.grad
    opt = Adam([a, b])
    opt.zero_grad(set_to_none=False)
    assert a.grad is keep and np.all(keep._data == 0) and b.grad is None
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    opt.step()                               # nothing has a gradient: nothing moves, no state
    assert np.all(a._data == 1) and len(opt.state) == 0


def test_closure_is_called_and_its_loss_returned():
    p = Parameter(np.array([3.0]))
    opt = SGD([p], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        calls.append(float(loss.item()))
        return loss
    loss = opt.step(closure)
    assert calls == [9.0] and float(loss.item()) == 9.0
    np.testing.assert_allclose(p._data, [3.0 - 0.25 * 6.0])


def test_a_parameter_listed_twice_in_one_group_warns():
    p = Parameter(np.ones(2))
    with pytest.warns(UserWarning, match="duplicate"):
        SGD([p, p], lr=0.1)
