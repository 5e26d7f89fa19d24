"""RMSprop, Adagrad, MultiStepLR, ExponentialLR, ReduceLROnPlateau: the same numbers as PyTorch, step by step,
and an exact resume through state_dict()/load_state_dict() and torch.save/torch.load."""
import os

import numpy as np
import pytest


def _fit(torch, nn, make_optimizer, make_scheduler, x_np, y_np, steps=12, plateau=False):
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -0.25, 0.1]]))
        model.bias.copy_(torch.tensor([0.2]))
    opt = make_optimizer(torch, model.parameters())
    sched = make_scheduler(torch, opt) if make_scheduler else None
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    losses, lrs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if sched is not None:
            sched.step(1.0) if plateau else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return {"losses": losses, "lrs": lrs, "weight": model.weight.detach(), "bias": model.bias.detach()}


OPTIMIZERS = {
    "rmsprop": lambda torch, p: torch.optim.RMSprop(p, lr=0.01),
    "rmsprop_momentum_centered_wd": lambda torch, p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5,
                                                                         centered=True, weight_decay=0.01),
    "adagrad": lambda torch, p: torch.optim.Adagrad(p, lr=0.1),
    "adagrad_decay": lambda torch, p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                                          initial_accumulator_value=0.5),
}
SCHEDULERS = {
    "multistep": lambda torch, o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[3, 7, 7], gamma=0.5),
    "exponential": lambda torch, o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8),
    "plateau": lambda torch, o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1),
}


def _data():
    rng = np.random.default_rng(4)
    return rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal((8, 1)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_matches_pytorch_step_by_step(both, name):
    both(lambda torch, nn, F, x, y: _fit(torch, nn, OPTIMIZERS[name], None, x, y), *_data(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_matches_pytorch(both, name):
    make_opt = lambda torch, p: torch.optim.SGD(p, lr=0.1)  # noqa: E731
    both(lambda torch, nn, F, x, y: _fit(torch, nn, make_opt, SCHEDULERS[name], x, y, plateau=name == "plateau"),
         *_data())


def plateau_state(torch, nn, F):
    opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=1,
                                                       threshold=0.1, threshold_mode="abs", min_lr=0.05)
    lrs = []
    for metric in [1.0, 1.05, 1.2, 1.2, 1.1, 1.0, 0.9, 0.9, 0.9]:
        sched.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
    state = sched.state_dict()
    opt2 = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=1.0)
    resumed = torch.optim.lr_scheduler.ReduceLROnPlateau(opt2, mode="max")
    resumed.load_state_dict(state)
    return {"lrs": lrs, "best": state["best"], "bad": state["num_bad_epochs"], "last_epoch": state["last_epoch"],
            "resumed_patience": resumed.patience, "resumed_best": resumed.best,
            "last_lr": sched.get_last_lr()}


def test_reduce_lr_on_plateau_max_abs_min_lr_and_state_dict(both):
    both(plateau_state)


def resume_rmsprop(torch, nn, F, folder, x_np, y_np):
    """Train 5 steps, checkpoint optimizer + scheduler, train 5 more; a fresh run resumed from the file
    must give the same numbers as the uninterrupted one."""
    x, y = torch.tensor(x_np), torch.tensor(y_np)

    def make():
        torch.manual_seed(0)
        model = nn.Linear(3, 1)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[0.5, -0.25, 0.1]]))
            model.bias.copy_(torch.tensor([0.2]))
        opt = torch.optim.RMSprop(model.parameters(), lr=0.02, momentum=0.9)
        return model, opt, torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[4, 8], gamma=0.5)

    def train(model, opt, sched, n):
        out = []
        for _ in range(n):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            sched.step()
            out.append(loss.item())
        return out

    model, opt, sched = make()
    first = train(model, opt, sched, 5)
    path = os.path.join(folder, f"{torch.__name__}_resume.pt")
    torch.save({"epoch": 5, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(),
                "scheduler_state_dict": sched.state_dict(), "loss": first[-1]}, path)
    straight = train(model, opt, sched, 5)
    model2, opt2, sched2 = make()
    ckpt = torch.load(path)
    model2.load_state_dict(ckpt["model_state_dict"])
    opt2.load_state_dict(ckpt["optimizer_state_dict"])
    sched2.load_state_dict(ckpt["scheduler_state_dict"])
    resumed = train(model2, opt2, sched2, 5)
    return {"straight": straight, "resumed": resumed, "same": resumed == straight, "epoch": ckpt["epoch"],
            "loss": ckpt["loss"], "state_keys": sorted(ckpt["optimizer_state_dict"]["state"].keys()),
            "lr": opt2.param_groups[0]["lr"], "weight": model2.weight.detach()}


def test_exact_resume_of_rmsprop_and_multisteplr_through_a_file(both, tmp_path):
    result = both(resume_rmsprop, str(tmp_path), *_data())
    assert result["same"] is True
