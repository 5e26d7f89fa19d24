"""Module 06 against torch.optim (optional oracle: skipped, with the reason, without torch).

Trajectories in float64 over several steps for many hyper-parameters and two parameter groups, the
state_dict layout and values, loading a PyTorch optimizer state, the learning-rate sequences of every
scheduler, and one end-to-end training run through tinytorch's autograd."""
import warnings
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

from tinytorch.core import optimizers as optim  # noqa: E402
from tinytorch.core.layers import Linear, Parameter  # noqa: E402
from tinytorch.core.losses import mse_loss  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402


ref = load_file(Path(__file__).with_name("optim_reference.py"), "tinytorch_tests_optim_reference")
STEPS = 8
TOL = 1e-6


def trajectories(name, kwargs, seed, group_overrides=None, skip_at=3):
    """Run our optimizer and torch's on the same problem; return both lists of per-step parameter values.
    Parameter 1 gets no gradient at step `skip_at` (both must leave it alone)."""
    starts, grad = ref.problem(seed)
    ours = ref.make_params(starts)
    theirs = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in starts]

    def groups(ps):
        if group_overrides is None:
            return ps
        return [{"params": ps[:2]}, {"params": ps[2:], **group_overrides}]
    our_opt = getattr(optim, name)(groups(ours), **kwargs)
    torch_opt = getattr(torch.optim, name)(groups(theirs), **kwargs)
    our_path, torch_path = [], []
    for step in range(STEPS):
        skip = (1,) if step == skip_at else ()
        ref.set_grads(ours, grad, skip=skip)
        for i, t in enumerate(theirs):
            t.grad = None if i in skip else torch.from_numpy(grad(i, t.detach().numpy().copy()))
        our_opt.step()
        torch_opt.step()
        our_path.append([p._data.copy() for p in ours])
        torch_path.append([t.detach().numpy().copy() for t in theirs])
    return our_opt, torch_opt, our_path, torch_path


def assert_same_path(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=TOL, atol=TOL, err_msg=f"step {step + 1}, parameter {i}")


sgd_kwargs = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.05, 0.3]),
    "momentum": st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    "dampening": st.sampled_from([0.0, 0.1, 0.5]),
    "weight_decay": st.sampled_from([0.0, 1e-4, 0.1]),
    "nesterov": st.booleans(),
    "maximize": st.booleans(),
}).filter(lambda k: not k["nesterov"] or (k["momentum"] > 0 and k["dampening"] == 0))

adam_kwargs = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.01, 0.2]),
    "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.99), (0.0, 0.9), (0.5, 0.0)]),
    "eps": st.sampled_from([1e-8, 1e-6, 0.1]),
    "weight_decay": st.sampled_from([0.0, 1e-2, 0.3]),
    "amsgrad": st.booleans(),
    "maximize": st.booleans(),
})
overrides = st.sampled_from([None, {"lr": 0.02}, {"weight_decay": 0.05}])


@settings(max_examples=30, deadline=None)
@given(kwargs=sgd_kwargs, seed=st.integers(0, 3), group_overrides=overrides)
def test_sgd_trajectory_matches_torch(kwargs, seed, group_overrides):
    *_, ours, theirs = trajectories("SGD", kwargs, seed, group_overrides)
    assert_same_path(ours, theirs)


@settings(max_examples=30, deadline=None)
@given(kwargs=adam_kwargs, seed=st.integers(0, 3), group_overrides=overrides, name=st.sampled_from(["Adam", "AdamW"]))
def test_adam_and_adamw_trajectories_match_torch(kwargs, seed, group_overrides, name):
    *_, ours, theirs = trajectories(name, kwargs, seed, group_overrides)
    assert_same_path(ours, theirs)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_default_hyperparameters_match_torch(name):
    p = Parameter(np.zeros(2))
    ours = getattr(optim, name)([p]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).param_groups[0]
    for key, value in ours.items():
        if key != "params":
            assert key in theirs and theirs[key] == value, (key, value, theirs.get(key))


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"lr": 0.01, "amsgrad": True}),
                                          ("AdamW", {"lr": 0.01})])
def test_state_dict_layout_and_values_match_torch(name, kwargs):
    our_opt, torch_opt, *_ = trajectories(name, kwargs, 0, {"lr": 0.005})
    ours, theirs = our_opt.state_dict(), torch_opt.state_dict()
    assert sorted(ours) == sorted(theirs) == ["param_groups", "state"]
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for number, entries in theirs["state"].items():
        assert sorted(ours["state"][number]) == sorted(entries)
        for key, value in entries.items():
            if key == "step":
                assert ours["state"][number][key] == int(value.item())
            else:
                np.testing.assert_allclose(ours["state"][number][key], value.numpy(), rtol=TOL, atol=TOL)
    for our_group, torch_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert our_group["params"] == torch_group["params"]
        for key, value in our_group.items():
            assert torch_group[key] == value, key


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
                                          ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
                                          ("AdamW", {"lr": 0.01, "amsgrad": True})])
def test_torch_optimizer_state_loads_and_training_continues_identically(name, kwargs):
    _, torch_opt, _, torch_path = trajectories(name, kwargs, 1)
    theirs_state = torch_opt.state_dict()
    as_numpy = {"state": {k: {n: (v.numpy() if v.dim() else v.item()) for n, v in entries.items()}
                          for k, entries in theirs_state["state"].items()},
                "param_groups": [dict(g) for g in theirs_state["param_groups"]]}
    _, grad = ref.problem(1)
    ours = ref.make_params([x.copy() for x in torch_path[-1]])
    our_opt = getattr(optim, name)(ours, lr=123.0)
    our_opt.load_state_dict(as_numpy)
    assert our_opt.param_groups[0]["lr"] == kwargs["lr"]
    theirs = torch_opt.param_groups[0]["params"]
    for _ in range(4):
        ref.set_grads(ours, grad)
        for i, t in enumerate(theirs):
            t.grad = torch.from_numpy(grad(i, t.detach().numpy().copy()))
        our_opt.step()
        torch_opt.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p._data, t.detach().numpy(), rtol=TOL, atol=TOL)


def lr_sequences(build, steps, lrs=(0.1, 0.03)):
    """get_last_lr() after construction and after each step, for our scheduler and torch's."""
    out = []
    for lib, sched_lib in ((optim, optim), (torch.optim, torch.optim.lr_scheduler)):
        if lib is optim:
            params = [{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in lrs]
        else:
            params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
        opt = lib.SGD(params, lr=0.5)
        schedulers = build(sched_lib, opt)
        seq = [schedulers[-1].get_last_lr()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(steps):
                opt.step()
                for s in schedulers:
                    s.step()
                seq.append(schedulers[-1].get_last_lr() + [g["lr"] for g in opt.param_groups])
        out.append(np.array(seq[1:]))
        out.append(np.array(seq[0]))
    return out


SCHEDULES = {
    "StepLR": (lambda L, o: [L.StepLR(o, step_size=3)], 12),
    "StepLR gamma=0.5 step=1": (lambda L, o: [L.StepLR(o, 1, gamma=0.5)], 6),
    "LinearLR default": (lambda L, o: [L.LinearLR(o)], 9),
    "LinearLR warm-up": (lambda L, o: [L.LinearLR(o, start_factor=0.01, total_iters=7)], 12),
    "LinearLR decay": (lambda L, o: [L.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=4)], 8),
    "Cosine": (lambda L, o: [L.CosineAnnealingLR(o, T_max=10)], 35),
    "Cosine eta_min": (lambda L, o: [L.CosineAnnealingLR(o, T_max=7, eta_min=0.01)], 30),
    "Cosine T_max=1": (lambda L, o: [L.CosineAnnealingLR(o, T_max=1, eta_min=0.001)], 6),
    "LambdaLR": (lambda L, o: [L.LambdaLR(o, lambda s: 0.9 ** s)], 10),
    "LambdaLR per group": (lambda L, o: [L.LambdaLR(o, [lambda s: 1 / (s + 1), lambda s: min(1.0, (s + 1) / 3)])], 8),
    "warm-up then cosine": (lambda L, o: [L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=4),
                                                              L.CosineAnnealingLR(o, T_max=10)], [4])], 20),
    "three phases": (lambda L, o: [L.SequentialLR(o, [L.LinearLR(o, 0.5, total_iters=2), L.StepLR(o, 2, 0.5),
                                                       L.CosineAnnealingLR(o, 5, 0.001)], [3, 8])], 20),
    "chained StepLR + StepLR": (lambda L, o: [L.StepLR(o, 2, 0.5), L.StepLR(o, 3, 0.1)], 10),
    "chained cosine + step": (lambda L, o: [L.CosineAnnealingLR(o, 8), L.StepLR(o, 4, 0.5)], 12),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_scheduler_lr_sequence_matches_torch(case):
    build, steps = SCHEDULES[case]
    ours, our_first, theirs, their_first = lr_sequences(build, steps)
    np.testing.assert_allclose(our_first, their_first, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["StepLR", "Cosine eta_min", "warm-up then cosine", "LinearLR warm-up"])
def test_scheduler_state_dict_keys_and_values_match_torch(case):
    build, _ = SCHEDULES[case]
    states = []
    for lib, sched_lib in ((optim, optim), (torch.optim, torch.optim.lr_scheduler)):
        p = Parameter(np.zeros(1)) if lib is optim else torch.zeros(1, requires_grad=True)
        opt = lib.SGD([p], lr=0.1)
        (scheduler,) = build(sched_lib, opt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(5):
                opt.step()
                scheduler.step()
        states.append(scheduler.state_dict())
    ours, theirs = states
    for key, value in ours.items():
        assert key in theirs, f"{key} is not in torch's scheduler state_dict"
        if key == "_schedulers":
            for inner_ours, inner_theirs in zip(value, theirs[key]):
                for k, v in inner_ours.items():
                    if not k.startswith("_is") and not k.startswith("_get"):
                        assert inner_theirs[k] == pytest.approx(v), (k, v, inner_theirs[k])
        elif not key.startswith("_is"):
            assert theirs[key] == pytest.approx(value), (key, value, theirs[key])


def test_training_a_linear_model_matches_torch_end_to_end():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 2))
    ours = Linear(5, 2, dtype=np.float64)
    theirs = torch.nn.Linear(5, 2, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight._data))
        theirs.bias.copy_(torch.from_numpy(ours.bias._data))
    our_opt = optim.AdamW(ours.parameters(), lr=0.05, weight_decay=0.1)
    torch_opt = torch.optim.AdamW(theirs.parameters(), lr=0.05, weight_decay=0.1)
    our_sched = optim.CosineAnnealingLR(our_opt, T_max=10)
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=10)
    for _ in range(10):
        our_opt.zero_grad()
        mse_loss(ours(Tensor(x)), Tensor(y)).backward()
        our_opt.step()
        our_sched.step()
        torch_opt.zero_grad()
        torch.nn.functional.mse_loss(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        torch_opt.step()
        torch_sched.step()
    np.testing.assert_allclose(ours.weight._data, theirs.weight.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours.bias._data, theirs.bias.detach().numpy(), rtol=TOL, atol=TOL)
