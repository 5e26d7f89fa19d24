"""Hand-written, beyond module 06 (not taught): RMSprop, Adagrad, MultiStepLR, ExponentialLR, ReduceLROnPlateau.

Each follows torch.optim's update rules and state names exactly (tests/compat/test_compat_optim_extras.py
compares them with PyTorch step by step). They subclass module 06's Optimizer and the scheduler protocol
of its support file, and write only `_update` / `get_lr`.
"""
import math
import numbers

import numpy as np

from ..core.optimizers import Optimizer
from ..core.optimizers_support import LRScheduler, _need_optimizer, _real


def _check(name, value, low=0.0):
    value = _real(name, value)
    if value < low:
        raise ValueError(f"Invalid {name} value: {value}")
    return value


class RMSprop(Optimizer):
    """torch.optim.RMSprop: divide by a running root-mean-square of the gradient (optional momentum, centered)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *,
                 maximize=False):
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum,
                    "centered": bool(centered), "maximize": bool(maximize)}
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_hyperparameters(group):
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            _check(name, group[name])

    def _update(self, param, grad, state, group):
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg


class Adagrad(Optimizer):
    """torch.optim.Adagrad: divide by the root of the sum of all squared gradients so far."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *,
                 maximize=False):
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps, "maximize": bool(maximize)}
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_hyperparameters(group):
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check(name, group[name])

    def _update(self, param, grad, state, group):
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= clr * grad / (np.sqrt(state["sum"]) + group["eps"])


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by gamma at each milestone (a step number; repeated milestones count twice)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral):
                raise TypeError(f"MultiStepLR: milestones must be step numbers (ints), got {m!r}")
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = _real("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        current = [group["lr"] for group in self.optimizer.param_groups]
        hits = self.milestones.count(self.last_epoch)
        return current if hits == 0 else [lr * self.gamma ** hits for lr in current]

    def _get_closed_form_lr(self):
        passed = sum(1 for m in self.milestones if m <= self.last_epoch)
        return [base_lr * self.gamma ** passed for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every step."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _real("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        current = [group["lr"] for group in self.optimizer.param_groups]
        return current if self.last_epoch == 0 else [lr * self.gamma for lr in current]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by `factor` when a metric has not improved for `patience` steps.

    step(metric) is called with the metric (a number or one-element Tensor), e.g. the validation loss.
    Raises ValueError for factor >= 1, an unknown mode or threshold_mode, or a min_lr list of the wrong
    length."""

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        _need_optimizer(optimizer)
        if _real("factor", factor) >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.min_lrs = [float(v) for v in min_lr]
        else:
            self.min_lrs = [float(min_lr)] * n
        self.factor, self.patience, self.threshold = float(factor), int(patience), float(threshold)
        self.mode, self.threshold_mode, self.cooldown, self.eps = mode, threshold_mode, int(cooldown), float(eps)
        self.cooldown_counter = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, a):
        if self.mode == "min":
            return a < (self.best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else self.best - self.threshold)
        return a > (self.best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else self.best + self.threshold)

    def step(self, metrics, epoch=None):
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self):
        return list(self._last_lr)
