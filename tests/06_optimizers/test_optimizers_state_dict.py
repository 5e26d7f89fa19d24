"""Module 06 checkpoints: state_dict() holds Tensors (sharing the live state, as PyTorch's) and plain numbers in
PyTorch's layout, survives an .npz round trip (allow_pickle=False), and resuming from a snapshot of it
(copy.deepcopy, as in PyTorch) continues exactly as the uninterrupted run."""
import copy
import io
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest

from tinytorch.core import optimizers as optim
from tinytorch.core.layers import Parameter
from tinytorch.core.tensor import Tensor


ref = load_file(Path(__file__).with_name("optim_reference.py"), "tinytorch_tests_optim_reference")

MAKERS = {
    "SGD": lambda g: optim.SGD(g, lr=0.05),
    "SGD momentum": lambda g: optim.SGD(g, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "SGD nesterov": lambda g: optim.SGD(g, lr=0.05, momentum=0.8, nesterov=True),
    "Adam": lambda g: optim.Adam(g, lr=0.01, betas=(0.8, 0.99)),
    "Adam amsgrad": lambda g: optim.Adam(g, lr=0.01, amsgrad=True, weight_decay=0.1),
    "AdamW": lambda g: optim.AdamW(g, lr=0.01),
}


def groups(params):
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.003}]


def flatten(tree, prefix=""):
    """Nested dicts/lists of arrays and numbers -> {"a/b/0": ndarray}; what a checkpoint writer does."""
    flat = {}
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for key, value in items:
        name = f"{prefix}{key}"
        if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(
                isinstance(v, (int, float)) for v in value) and value):
            if isinstance(value, list) and not value:
                flat[name + "/__empty_list__"] = np.zeros(0)
            else:
                flat.update(flatten(value, name + "/"))
        else:
            array = np.asarray(value)
            assert array.dtype.kind in "biuf", f"{name} is not numeric: {value!r}"
            flat[name] = array
    return flat


def unflatten(flat):
    tree = {}
    for name, value in flat.items():
        *path, last = name.split("/")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        if last == "__empty_list__":
            continue
        node[last] = value
    return tree


def as_groups_list(tree):
    """After unflatten, 'param_groups' is {"0": {...}, "1": {...}}: turn it back into a list."""
    tree["param_groups"] = [tree["param_groups"][k] for k in sorted(tree["param_groups"], key=int)]
    tree.setdefault("state", {})
    return tree


def npz_round_trip(state):
    buffer = io.BytesIO()
    np.savez(buffer, **flatten(state))
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


def train(opt, params, grad, steps):
    for _ in range(steps):
        ref.set_grads(params, grad)
        opt.step()


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("through_npz", [False, True])
def test_resume_from_state_dict_continues_identically(name, through_npz):
    starts, grad = ref.problem(3)
    straight = ref.make_params(starts)
    opt = MAKERS[name](groups(straight))
    train(opt, straight, grad, 4)
    state = copy.deepcopy(opt.state_dict())        # the live dict follows training, as PyTorch's does
    values = [p._data.copy() for p in straight]
    train(opt, straight, grad, 5)

    resumed = ref.make_params(values)
    opt2 = optim.SGD(groups(resumed), lr=1.0) if name.startswith("SGD") else optim.Adam(groups(resumed), lr=1.0)
    if name == "AdamW":
        opt2 = optim.AdamW(groups(resumed), lr=1.0)
    loaded = as_groups_list(unflatten(npz_round_trip(state))) if through_npz else state
    opt2.load_state_dict(loaded)
    train(opt2, resumed, grad, 5)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a._data, b._data)
    for g1, g2 in zip(opt.param_groups, opt2.param_groups):
        assert {k: v for k, v in g1.items() if k != "params"} == {k: v for k, v in g2.items() if k != "params"}
        assert type(g2["lr"]) is float
    if name.startswith("Adam"):
        assert isinstance(opt2.param_groups[0]["betas"], tuple)
        assert all(type(opt2.state[p]["step"]) is int for p in resumed)


def test_state_dict_holds_tensors_sharing_the_live_state_and_plain_numbers():
    starts, grad = ref.problem(0)
    params = ref.make_params(starts)
    opt = optim.Adam(groups(params), amsgrad=True)
    train(opt, params, grad, 2)
    state = opt.state_dict()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        else:
            assert isinstance(value, (Tensor, bool, int, float)), type(value)
    walk(state)
    assert sorted(state["state"]) == [0, 1, 2]
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert all(isinstance(v, Tensor) for entry in state["state"].values() for v in entry.values())
    step = state["state"][0]["step"]
    assert step.shape == () and step.dtype == np.float32 and step.item() == 2.0
    exp_avg = state["state"][0]["exp_avg"]
    assert exp_avg.dtype == params[0]._data.dtype and not exp_avg.requires_grad
    snapshot = copy.deepcopy(state)
    train(opt, params, grad, 1)
    live = opt.state[params[0]]["exp_avg"]
    np.testing.assert_array_equal(exp_avg.numpy(), live)          # shared, as torch: it moved on
    assert not np.array_equal(snapshot["state"][0]["exp_avg"].numpy(), live)     # the deepcopy did not
    flat = flatten(snapshot)
    assert "state/0/exp_avg" in flat and "param_groups/1/lr" in flat and "param_groups/0/params" in flat


def test_state_dict_shares_storage_like_torch():
    torch = pytest.importorskip("torch")
    w = torch.nn.Parameter(torch.ones(3))
    theirs = torch.optim.Adam([w], lr=0.1)
    p = Parameter(np.ones(3, dtype=np.float32))
    ours = optim.Adam([p], lr=0.1)
    w.grad, p.grad = torch.ones(3), Tensor(np.ones(3, dtype=np.float32))
    theirs.step(), ours.step()
    sd_t, sd_o = theirs.state_dict()["state"][0], ours.state_dict()["state"][0]
    assert sorted(sd_t) == sorted(sd_o)
    for name in sd_t:
        assert torch.is_tensor(sd_t[name]) and isinstance(sd_o[name], Tensor)
        assert str(sd_t[name].dtype).replace("torch.", "") == str(sd_o[name].dtype), name
        assert tuple(sd_t[name].shape) == tuple(sd_o[name].shape), name
    theirs.step(), ours.step()
    for name in ("exp_avg", "exp_avg_sq"):                       # both moved with training
        np.testing.assert_allclose(sd_o[name].numpy(), sd_t[name].numpy(), rtol=1e-6)
    assert theirs.state[w]["exp_avg"].data_ptr() == sd_t["exp_avg"].data_ptr()
    assert np.shares_memory(ours.state[p]["exp_avg"], sd_o["exp_avg"].numpy())


def test_load_state_dict_accepts_tensors_arrays_and_numbers():
    starts, grad = ref.problem(0)
    params = ref.make_params(starts)
    opt = optim.Adam(groups(params))
    train(opt, params, grad, 3)
    state = copy.deepcopy(opt.state_dict())
    as_arrays = {"state": {k: {n: (v.item() if n == "step" else v.numpy()) for n, v in entry.items()}
                           for k, entry in state["state"].items()}, "param_groups": state["param_groups"]}
    for loaded in (state, as_arrays):
        fresh = ref.make_params(starts)
        opt2 = optim.Adam(groups(fresh))
        opt2.load_state_dict(loaded)
        for p, q in zip(params, fresh):
            assert type(opt2.state[q]["step"]) is int and opt2.state[q]["step"] == 3
            np.testing.assert_array_equal(opt2.state[q]["exp_avg"], opt.state[p]["exp_avg"])
            assert not np.shares_memory(opt2.state[q]["exp_avg"], opt.state[p]["exp_avg"])


def test_loading_casts_state_to_the_parameter_dtype():
    starts, grad = ref.problem(0)
    p64 = ref.make_params(starts)
    opt = optim.SGD(p64, lr=0.1, momentum=0.9)
    train(opt, p64, grad, 2)
    p32 = ref.make_params(starts, np.float32)
    opt32 = optim.SGD(p32, lr=0.1, momentum=0.9)
    opt32.load_state_dict(opt.state_dict())
    assert all(opt32.state[p]["momentum_buffer"].dtype == np.float32 for p in p32)


def _refused(opt, bad, fragment):
    before = opt.state_dict()
    with pytest.raises(ValueError) as info:
        opt.load_state_dict(bad)
    assert fragment in str(info.value), str(info.value)
    after = opt.state_dict()
    assert before["param_groups"] == after["param_groups"], "a refused load must change nothing"
    for k in before["state"]:
        for name, value in before["state"][k].items():
            np.testing.assert_array_equal(value, after["state"][k][name])


def test_bad_checkpoints_are_refused_with_a_clear_error_and_change_nothing():
    starts, grad = ref.problem(0)
    params = ref.make_params(starts)
    opt = optim.Adam(groups(params), lr=0.01)
    train(opt, params, grad, 1)
    good = opt.state_dict()

    wrong_shape = opt.state_dict()
    wrong_shape["state"][1]["exp_avg"] = np.zeros(7)
    wrong_shape["param_groups"][0]["lr"] = 99.0
    _refused(opt, wrong_shape, "shape (7,)")
    _refused(opt, {"state": {}, "param_groups": good["param_groups"][:1]}, "number of parameter groups")
    fewer = opt.state_dict()
    fewer["param_groups"][1]["params"] = [2]
    fewer["param_groups"][0]["params"] = [0]
    _refused(opt, fewer, "doesn't match the size")
    stray = opt.state_dict()
    stray["state"][9] = stray["state"][0]
    _refused(opt, stray, "parameter 9")
    bad_lr = opt.state_dict()
    bad_lr["param_groups"][0]["lr"] = -1.0
    _refused(opt, bad_lr, "learning rate")
    _refused(opt, {"weights": 1}, "'state' and 'param_groups'")


SCHEDULERS = {
    "StepLR": lambda o: optim.StepLR(o, step_size=2, gamma=0.5),
    "LinearLR": lambda o: optim.LinearLR(o, start_factor=0.2, total_iters=4),
    "Cosine": lambda o: optim.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
    "Sequential": lambda o: optim.SequentialLR(o, [optim.LinearLR(o, 0.1, total_iters=3),
                                                   optim.CosineAnnealingLR(o, T_max=8)], [3]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@pytest.mark.parametrize("through_npz", [False, True])
def test_scheduler_state_round_trip_resumes_the_same_rates(name, through_npz):
    def fresh():
        opt = optim.SGD([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in (0.1, 0.02)])
        return opt, SCHEDULERS[name](opt)
    opt, sched = fresh()
    for _ in range(4):
        opt.step()
        sched.step()
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    expected = []
    for _ in range(6):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())

    opt2, sched2 = fresh()
    if through_npz:
        flat = npz_round_trip({"scheduler": sched_state})
        loaded = unflatten(flat)["scheduler"]
        if "_schedulers" in loaded:
            loaded["_schedulers"] = [loaded["_schedulers"][k] for k in sorted(loaded["_schedulers"], key=int)]
        opt2.load_state_dict(as_groups_list(unflatten(npz_round_trip(opt_state))))
        sched2.load_state_dict(loaded)
    else:
        opt2.load_state_dict(opt_state)
        sched2.load_state_dict(sched_state)
    got = []
    for _ in range(6):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr())
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert isinstance(sched2.last_epoch, int)


def test_optimizer_group_keeps_initial_lr_for_resuming_a_scheduler():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["initial_lr"] == 0.1
    opt2 = optim.SGD([Parameter(np.zeros(1))], lr=0.1)
    opt2.load_state_dict(state)
    resumed = optim.StepLR(opt2, step_size=1, gamma=0.5, last_epoch=3)     # PyTorch's resume idiom
    assert resumed.last_epoch == 4 and resumed.base_lrs == [0.1]
