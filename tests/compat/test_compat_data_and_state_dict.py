"""`.data` and `state_dict()` as PyTorch programs use them (issue 17), each program run on tinytorch and torch.

`t.data` is a Tensor sharing t's storage and cut from the graph: the CIFAR-10 tutorial's
`_, predicted = torch.max(outputs.data, 1)`, manual SGD through `p.data -= lr * p.grad.data`,
`w.data.zero_()`, `w.data.copy_(...)`, `w.data += ...`, `w.data = other` (a new storage, any shape).
`state_dict()` values are detached Tensors sharing storage with the parameters (`.size()`, `.shape`,
`.dtype`), so a "best so far" snapshot must be copied (`clone()` or `copy.deepcopy`), and the saved dicts
(state dict, optimizer state, the classic checkpoint dict) round-trip through torch.save / torch.load.
An optimizer's state_dict()["state"] holds Tensors too (`step` a 0-d float Tensor) that share storage with
the optimizer's live state, as PyTorch's do; load_state_dict takes Tensors, arrays and numbers."""
import copy
import os

import numpy as np


def images(seed=0, n=40):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 4, n)
    return x, y


def cifar_style_accuracy(torch, nn, F, x_np, y_np):
    """The CIFAR-10 tutorial's training and test loops, on a small net and random images."""
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc1 = nn.Linear(6 * 3 * 3, 4)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            return self.fc1(torch.flatten(x, 1))

    net = Net()
    with torch.no_grad():                        # the same start on both sides
        for i, p in enumerate(net.parameters()):
            p.copy_(torch.tensor(np.random.default_rng(i).uniform(-0.3, 0.3, tuple(p.shape)).astype(np.float32)))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for epoch in range(3):
        for s in range(0, len(x_np), 10):
            inputs, labels = torch.tensor(x_np[s:s + 10]), torch.tensor(y_np[s:s + 10])
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    correct, total = 0, 0
    with torch.no_grad():
        outputs = net(torch.tensor(x_np))
        labels = torch.tensor(y_np)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
    outputs = net(torch.tensor(x_np))              # outside no_grad: .data is still detached
    view = outputs.data
    return {"losses": losses, "predicted": predicted, "correct": correct, "total": total,
            "data_requires_grad": view.requires_grad, "data_is_leaf": view.is_leaf,
            "data_grad_fn_none": view.grad_fn is None, "outputs_requires_grad": outputs.requires_grad,
            "max_over_data": torch.max(view, 1)[0]}


def data_idioms(torch, nn, F):
    """The in-place spellings through .data on a leaf that requires grad, outside no_grad."""
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = {"view_requires_grad": w.data.requires_grad, "w_still_requires": w.requires_grad}
    w.data.mul_(2)
    out["after_mul"] = w.detach().clone()
    w.data += 1.0
    out["after_iadd"] = w.detach().clone()
    w.data -= torch.tensor([[0.5, 0.5], [0.5, 0.5]])
    out["after_isub"] = w.detach().clone()
    w.data.copy_(torch.tensor([[9.0, 8.0], [7.0, 6.0]]))
    out["after_copy"] = w.detach().clone()
    w.data[0, 1] = -1.0
    out["after_setitem"] = w.detach().clone()
    view = w.data
    view.fill_(0.25)                             # the view and w share storage
    out["after_view_fill"] = w.detach().clone()
    (w * w).sum().backward()
    out["grad"] = w.grad.clone()
    w.grad.data.zero_()
    out["grad_zeroed_through_data"] = w.grad.clone()
    w.data = torch.ones(3)                       # a new storage; PyTorch allows a new shape
    out["new_shape"] = list(w.shape)
    out["new_values"] = w.detach().clone()
    out["leaf_after_set"] = [w.is_leaf, w.requires_grad]
    w.grad = None                                # the old (2, 2) gradient no longer fits (torch raises too)
    (w * 3).sum().backward()                     # the graph uses the new storage
    out["grad_new_shape"] = w.grad
    w.data.zero_()
    out["zeroed"] = w.detach().clone()
    return out


def manual_sgd_through_data(torch, nn, F, x_np, y_np):
    """Tutorial-era SGD: p.data -= lr * p.grad.data, then p.grad.data.zero_()."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3 * 8 * 8, 16), nn.Tanh(), nn.Linear(16, 4))
    for i, p in enumerate(model.parameters()):
        p.data = torch.tensor(np.random.default_rng(10 + i).uniform(-0.1, 0.1, tuple(p.shape)).astype(np.float32))
    x, y = torch.tensor(x_np.reshape(len(x_np), -1)), torch.tensor(y_np)
    losses = []
    for step in range(12):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad.data
            p.grad.data.zero_()
        losses.append(loss.item())
    return {"losses": losses, "last_weight": model[2].weight, "grad_zero": model[0].bias.grad}


def state_dict_tensors(torch, nn, F):
    """state_dict values: Tensors with .size(), .shape, .dtype, detached, sharing storage with the model."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    sd = model.state_dict()
    weight = sd["0.weight"]
    out = {"keys": list(sd.keys()), "is_tensor": [torch.is_tensor(v) for v in sd.values()],
           "sizes": [list(v.size()) for v in sd.values()], "shapes": [list(v.shape) for v in sd.values()],
           "dtype": weight.dtype, "size0": weight.size(0), "requires_grad": weight.requires_grad,
           "grad_fn_none": weight.grad_fn is None}
    with torch.no_grad():
        model[0].weight.fill_(0.5)
    out["follows_model"] = weight.clone()          # shares storage: sees the change
    weight.zero_()                                 # and writes through to the model
    out["model_after_write"] = model[0].weight.detach().clone()
    out["numel"] = sum(v.numel() for v in sd.values())
    return out


def early_stopping_snapshot(torch, nn, F, x_np, y_np):
    """Keep the best weights while training: a plain state_dict() follows the model, a copy does not."""
    torch.manual_seed(0)
    model = nn.Linear(3 * 8 * 8, 4)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(np.random.default_rng(3).uniform(-0.05, 0.05, (4, 192)).astype(np.float32)))
        model.bias.zero_()
    x, y = torch.tensor(x_np.reshape(len(x_np), -1)), torch.tensor(y_np)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    best_loss, best_clone, best_deep, best_ref, losses = float("inf"), None, None, None, []
    for epoch in range(8):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val = F.cross_entropy(model(x[:20]), y[:20]).item()
        losses.append(val)
        if val < best_loss and epoch < 4:          # pretend the later epochs got worse
            best_loss = val
            best_clone = {k: v.clone() for k, v in model.state_dict().items()}
            best_deep = copy.deepcopy(model.state_dict())
            best_ref = model.state_dict()
    current = model.weight.detach().clone()
    model.load_state_dict(best_clone)
    restored = model.weight.detach().clone()
    return {"losses": losses, "clone_differs": not torch.equal(best_clone["weight"], current),
            "deep_equals_clone": torch.equal(best_deep["weight"], best_clone["weight"]),
            "ref_follows_model": torch.equal(best_ref["weight"], restored),
            "restored": restored, "deep_type_is_tensor": torch.is_tensor(best_deep["bias"])}


def checkpoints_of_tensors(torch, nn, F, folder, x_np, y_np):
    """torch.save of a state dict of Tensors, of an optimizer state dict, and of the classic checkpoint
    dict; an exact resume from it."""
    def fresh():
        torch.manual_seed(0)
        m = nn.Linear(3 * 8 * 8, 4)
        with torch.no_grad():
            m.weight.copy_(torch.tensor(np.random.default_rng(4).uniform(-0.05, 0.05, (4, 192)).astype(np.float32)))
            m.bias.fill_(0.1)
        return m

    x, y = torch.tensor(x_np.reshape(len(x_np), -1)), torch.tensor(y_np)

    def steps(model, optimizer, n):
        out = []
        for _ in range(n):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            out.append(loss.item())
        return out

    model = fresh()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    first = steps(model, optimizer, 3)
    path = os.path.join(folder, f"{torch.__name__}_classic.pt")
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": first[-1]}, path)
    sd_path = os.path.join(folder, f"{torch.__name__}_sd.pt")
    torch.save(model.state_dict(), sd_path)
    straight = steps(model, optimizer, 3)

    ckpt = torch.load(path)
    model2 = fresh()
    optimizer2 = torch.optim.Adam(model2.parameters(), lr=0.01)
    model2.load_state_dict(ckpt["model_state_dict"])
    optimizer2.load_state_dict(ckpt["optimizer_state_dict"])
    resumed = steps(model2, optimizer2, 3)
    loaded = torch.load(sd_path)
    return {"first": first, "straight": straight, "resumed": resumed, "epoch": ckpt["epoch"],
            "loss": ckpt["loss"], "loaded_is_tensor": torch.is_tensor(loaded["weight"]),
            "loaded_bias": loaded["bias"], "loaded_size": list(loaded["weight"].size()),
            "opt_keys": sorted(ckpt["optimizer_state_dict"].keys()),
            "opt_state_ids": sorted(ckpt["optimizer_state_dict"]["state"].keys()),
            "final_weight": model2.weight}


def optimizer_state_dict_tensors(torch, nn, F, folder, x_np, y_np):
    """An optimizer's state_dict: Tensors (step too) sharing the live state, a deepcopy that does not, a
    torch.save / torch.load round trip that is exact, and a resume from it (per optimizer)."""
    x, y = torch.tensor(x_np.reshape(len(x_np), -1)), torch.tensor(y_np)

    def fresh():
        m = nn.Linear(3 * 8 * 8, 4)
        with torch.no_grad():
            m.weight.copy_(torch.tensor(np.random.default_rng(5).uniform(-0.05, 0.05, (4, 192)).astype(np.float32)))
            m.bias.fill_(0.1)
        return m

    def steps(model, optimizer, n):
        for _ in range(n):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        return model.weight.detach().clone()

    makers = {"sgd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
              "adam": lambda ps: torch.optim.Adam(ps, lr=0.01, amsgrad=True),
              "adamw": lambda ps: torch.optim.AdamW(ps, lr=0.01),
              "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
              "adagrad": lambda ps: torch.optim.Adagrad(ps, lr=0.1)}
    out = {}
    for name, make in makers.items():
        model = fresh()
        optimizer = make(model.parameters())
        steps(model, optimizer, 2)
        sd = optimizer.state_dict()
        entry = sd["state"][0]
        snapshot = copy.deepcopy(sd)
        path = os.path.join(folder, f"{torch.__name__}_{name}_opt.pt")
        torch.save(sd, path)
        r = {"keys": sorted(entry), "all_tensors": all(torch.is_tensor(v) for v in entry.values()),
             "dtypes": {k: v.dtype for k, v in entry.items()}, "sizes": {k: list(v.size()) for k, v in entry.items()},
             "values": {k: v.clone() for k, v in entry.items()}, "groups": [{"lr": g["lr"], "params": g["params"]} for g in sd["param_groups"]]}
        steps(model, optimizer, 1)
        r["live_moved"] = {k: not torch.equal(v, snapshot["state"][0][k]) for k, v in entry.items()
                           if k != "step"}
        loaded = torch.load(path)
        r["loaded_exact"] = {k: torch.equal(v, snapshot["state"][0][k]) for k, v in loaded["state"][0].items()}
        r["loaded_types"] = {k: torch.is_tensor(v) for k, v in loaded["state"][0].items()}
        r["loaded_ids"] = sorted(loaded["state"])
        straight = steps(model, optimizer, 2)        # 5 steps in all
        m_ckpt = fresh()
        steps(m_ckpt, make(m_ckpt.parameters()), 2)  # the weights of the checkpoint (2 steps)
        o2 = make(m_ckpt.parameters())
        o2.load_state_dict(loaded)
        steps(m_ckpt, o2, 3)
        r["resumed_equals_straight"] = torch.equal(m_ckpt.weight.detach(), straight)
        out[name] = r
    return out


def test_cifar_tutorial_max_of_outputs_data(both):
    both(cifar_style_accuracy, *images(), rtol=1e-4, atol=1e-5)


def test_data_in_place_idioms_and_setter(both):
    both(data_idioms)


def test_manual_sgd_through_p_data_and_grad_data(both):
    both(manual_sgd_through_data, *images(1), rtol=1e-4, atol=1e-5)


def test_state_dict_values_are_detached_tensors_sharing_storage(both):
    both(state_dict_tensors)


def test_best_weights_snapshot_needs_a_copy(both):
    both(early_stopping_snapshot, *images(2), rtol=1e-4, atol=1e-5)


def test_save_load_of_tensor_state_dicts_and_classic_checkpoint(both, tmp_path):
    both(checkpoints_of_tensors, str(tmp_path), *images(3), rtol=1e-4, atol=1e-6)


def test_load_state_dict_accepts_arrays_and_tensors():
    import tinytorch as torch
    model = torch.nn.Linear(2, 2)
    arrays = {k: np.full(tuple(v.shape), 0.5, np.float32) for k, v in model.state_dict().items()}
    model.load_state_dict(arrays)
    assert model.weight.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    model.load_state_dict({k: torch.zeros(*v.shape, dtype=torch.float64) for k, v in arrays.items()})
    assert model.bias.tolist() == [0.0, 0.0] and model.bias.dtype == torch.float32


def test_data_setter_refuses_what_pytorch_refuses():
    import pytest
    import tinytorch as torch
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="list"):
        w.data = [1.0, 2.0]
    with pytest.raises(RuntimeError, match="floating point"):
        w.data = torch.tensor([1, 2])
    w.data = np.zeros(3, np.float32)              # tinytorch also takes a NumPy array (shared, as from_numpy)
    assert w.shape == (3,) and w.requires_grad


def test_optimizer_state_dict_tensors_shared_and_saved_like_torch(both, tmp_path):
    both(optimizer_state_dict_tensors, str(tmp_path), *images(4), rtol=1e-4, atol=2e-5)


def test_optimizer_load_state_dict_accepts_arrays_and_numbers():
    import tinytorch as torch
    model = torch.nn.Linear(3, 2)
    model.weight.grad = torch.ones(2, 3)
    model.bias.grad = torch.ones(2)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    as_arrays = {"state": {k: {n: (v.item() if n == "step" else v.numpy()) for n, v in e.items()}
                           for k, e in sd["state"].items()}, "param_groups": sd["param_groups"]}
    opt2 = torch.optim.Adam(model.parameters(), lr=0.5)
    opt2.load_state_dict(as_arrays)
    again = opt2.state_dict()["state"][0]
    assert torch.is_tensor(again["exp_avg"]) and torch.equal(again["exp_avg"], sd["state"][0]["exp_avg"])
    assert again["step"].item() == 1.0 and opt2.param_groups[0]["lr"] == 0.1
