"""Hand-written support code of module 06 (optimizers), not taught: checks, checkpoints and the scheduler protocol.

Module 06 teaches the update rules (SGD, Adam, AdamW), the defaults of a parameter group, `zero_grad`,
`step`, `state_dict`, and the chainable schedules `StepLR`, `LinearLR`, `CosineAnnealingLR`. This file holds
what they rest on: hyper-parameter checks with clear messages, `OptimizerBase` (input checks,
`load_state_dict`, `__repr__`), and the scheduler protocol `LRScheduler` with `LambdaLR` and `SequentialLR`
(PyTorch's torch.optim.lr_scheduler semantics). It imports nothing of module 06.
"""
import numbers
import types
import warnings
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from tinytorch.core.tensor import Tensor

__all__ = ["OptimizerBase", "LRScheduler", "LambdaLR", "SequentialLR", "check_sgd_hyperparameters",
           "check_adam_hyperparameters"]


def _real(name, value):
    """`value` if it is a real number (not a bool), else a TypeError naming the hyper-parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return value


def _check_lr(lr):
    if not 0.0 <= _real("lr", lr):
        raise ValueError(f"Invalid learning rate: {lr} (lr must be >= 0)")


def _check_non_negative(name, value, label=None):
    if not 0.0 <= _real(name, value):
        raise ValueError(f"Invalid {label or name} value: {value} ({name} must be >= 0)")


def _grad_array(p, index):
    """The gradient of parameter `p` as an ndarray in p's dtype, or None if it has no gradient."""
    grad = p.grad
    if grad is None:
        return None
    if not isinstance(grad, (Tensor, np.ndarray, np.generic)):
        raise TypeError(f"parameter {index}: .grad must be a Tensor or a NumPy array (or None), "
                        f"got {type(grad).__name__}")
    grad = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"parameter {index}: .grad must hold numbers, got dtype {grad.dtype}")
    if grad.shape != p._data.shape:
        raise ValueError(f"parameter {index} has shape {tuple(p._data.shape)} but its .grad has shape "
                         f"{tuple(grad.shape)}; a gradient must have its parameter's shape")
    return grad if grad.dtype == p._data.dtype else grad.astype(p._data.dtype)


def _plain(value):
    """Undo what an .npz round trip does to a hyper-parameter: 0-d array -> number, 1-d array -> tuple
    (a Tensor is read through its array: a 0-d step Tensor -> number)."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item() if np.ndim(value) == 0 else tuple(np.asarray(value).tolist())
    return value


def check_sgd_hyperparameters(group):
    """SGD's hyper-parameters: ValueError naming the bad one (lr, momentum, weight_decay, Nesterov)."""
    _check_lr(group["lr"])
    _check_non_negative("momentum", group["momentum"])
    _real("dampening", group["dampening"])
    _check_non_negative("weight_decay", group["weight_decay"])
    if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                         f"(got momentum={group['momentum']}, dampening={group['dampening']})")


def check_adam_hyperparameters(group):
    """Adam's hyper-parameters: ValueError naming the bad one (lr, epsilon, betas index, weight_decay);
    betas become a tuple of floats."""
    _check_lr(group["lr"])
    _check_non_negative("eps", group["eps"], label="epsilon")
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), e.g. (0.9, 0.999); got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0.0 <= _real(f"betas[{i}]", beta) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta} (each beta must be in [0, 1))")
    group["betas"] = tuple(float(b) for b in betas)
    _check_non_negative("weight_decay", group["weight_decay"])


class OptimizerBase:
    """What every optimizer shares but module 06 does not teach: the constructor's input checks, the checks
    of a new parameter group, `load_state_dict` and `__repr__` (torch.optim.Optimizer's API). Module 06's
    `Optimizer` subclasses it and writes the defaults of a group, `zero_grad`, `step` and `state_dict`."""

    _scalar_state_keys = ("step",)   # state entries that are numbers; every other entry is an array

    def __init__(self, params, defaults):
        """`params`: an iterable of Tensors, or of dicts (parameter groups); `defaults`: hyper-parameters."""
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got a single {type(params).__name__}: wrap it in a list, e.g. SGD([w], lr=0.1)")
        if isinstance(params, Mapping):
            raise TypeError("params must be an iterable of Tensors or a list of parameter-group dicts; got one "
                            "dict: write [{'params': ...}]")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"params must be an iterable of Tensors or of dicts, got {type(params).__name__}") from None
        if not groups:
            raise ValueError("optimizer got an empty parameter list: pass model.parameters() of a model that has "
                             "parameters, or a non-empty list of tensors (note that a generator such as "
                             "model.parameters() is used up by the first optimizer it is given)")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @staticmethod
    def _check_hyperparameters(group):
        """Raise if a group's hyper-parameters are invalid (each optimizer overrides this)."""

    def _new_group(self, param_group):
        """A copy of the dict `param_group` whose "params" is a checked list of leaf Tensors (TypeError or
        ValueError naming what is wrong); add_param_group fills in the defaults next."""
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"a parameter group needs a 'params' entry, got keys {sorted(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                hint = ""
                if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor):
                    hint = " (a (name, parameter) pair: pass model.parameters(), not model.named_parameters())"
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of the group is a "
                                f"{type(p).__name__}{hint}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of the group was computed by "
                                 "an operation): optimize the tensor it was computed from")
        group["params"] = params
        return group

    def _append_group(self, group):
        """Check a group's hyper-parameters and that its parameters are in no other group, then keep it."""
        params = group["params"]
        self._check_hyperparameters(group)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; each is updated once "
                          "per duplicate", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _update(self, param, grad, state, group):
        """Update the ndarray `param` IN PLACE from `grad`, using and updating `state` (a dict)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(param, grad, state, group)")

    def _numbered_params(self):
        """All parameters in group order, each once: position in this list = its number in state_dict."""
        out, seen = [], set()
        for group in self.param_groups:
            for p in group["params"]:
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        return out

    def load_state_dict(self, state_dict):
        """Restore what state_dict() returned (or its .npz round trip): state as Tensors, NumPy arrays or
        numbers. Everything is checked before anything changes; arrays are copied into this optimizer in each
        parameter's dtype, and a step count given as a float (PyTorch's float Tensor) becomes an int."""
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict expects the dict returned by Optimizer.state_dict(), with keys "
                             f"'state' and 'param_groups'; got {type(state_dict).__name__}"
                             + (f" with keys {sorted(state_dict)}" if isinstance(state_dict, Mapping) else ""))
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: {len(saved_groups)} "
                             f"saved, {len(self.param_groups)} in this optimizer")
        by_number = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            numbers_saved = [int(i) for i in np.asarray(saved["params"]).reshape(-1)]
            if len(numbers_saved) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {g} has {len(numbers_saved)} parameters saved, "
                                 f"{len(group['params'])} in this optimizer")
            by_number.update(zip(numbers_saved, group["params"]))
        new_state = defaultdict(dict)
        for key, entries in state_dict["state"].items():
            number = int(key)
            if number not in by_number:
                raise ValueError(f"loaded state dict has state for parameter {number}, but its param_groups only "
                                 f"number the parameters {sorted(by_number)}")
            p = by_number[number]
            restored = {}
            for name, value in entries.items():
                if name in self._scalar_state_keys:
                    number = _plain(value)
                    if isinstance(number, float) and number.is_integer():
                        number = int(number)             # PyTorch's step is a float Tensor; ours an int
                    restored[name] = number
                    continue
                array = np.array(value._data if isinstance(value, Tensor) else value, dtype=p._data.dtype)
                if array.shape != p._data.shape:
                    raise ValueError(f"state '{name}' of parameter {number} has shape {tuple(array.shape)}, but "
                                     f"the parameter has shape {tuple(p._data.shape)}")
                restored[name] = array
            new_state[p] = restored
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            merged = dict(group)
            merged.update({key: _plain(value) for key, value in saved.items() if key != "params"})
            merged["params"] = group["params"]
            self._check_hyperparameters(merged)
            new_groups.append(merged)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    text += f"\n    {key}: {group[key]}"
        return text + "\n)"


def _need_optimizer(optimizer):
    if not isinstance(optimizer, OptimizerBase):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer: a scheduler needs the optimizer whose "
                        "learning rates it sets, e.g. StepLR(optimizer, step_size=10)")


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class LRScheduler:
    """Base class of learning-rate schedules (torch.optim.lr_scheduler.LRScheduler); subclasses write get_lr."""

    def __init__(self, optimizer, last_epoch=-1):
        _need_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   f"scheduler with last_epoch={last_epoch}: load the optimizer's state_dict "
                                   "(which holds it) first, or use last_epoch=-1 for a fresh run")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step taken on construction: sets the rate of step last_epoch + 1 (0 for a fresh run)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The new learning rate of every group (chainable form); each schedule defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self):
        """The learning rates set by the last step, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance the schedule by one step and write the new rates into the optimizer."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn("scheduler.step(epoch) is deprecated (as in PyTorch): call scheduler.step() once per "
                          "step; the closed form is used for this call", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute but the optimizer: plain numbers, bools and lists of numbers."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore state_dict() (also after an .npz round trip: arrays become numbers and lists again)."""
        for key, value in state_dict.items():
            if isinstance(value, (np.ndarray, np.generic)):
                value = value.item() if np.ndim(value) == 0 else np.asarray(value).tolist()
            setattr(self, key, value)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(last_epoch), one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _need_optimizer(optimizer)
        n_groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(f"Expected {n_groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n_groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be a function of the step number, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """As PyTorch: functions are not saved (None); callable objects save their attributes."""
        state = {key: value for key, value in super().state_dict().items() if key != "lr_lambdas"}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the milestones (torch.optim.lr_scheduler.SequentialLR)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _need_optimizer(optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"SequentialLR: scheduler {i} is a {type(scheduler).__name__}, not a scheduler")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                                 f"scheduler {i} ({type(scheduler).__name__}) has a different one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers: got {len(schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        if any(later <= earlier for earlier, later in zip(milestones, milestones[1:])):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:      # every scheduler's construction moved the rate: start over
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, scheduler):
        if isinstance(scheduler, SequentialLR):
            for inner in scheduler._schedulers:
                self._undo_initial_steps(inner)
        else:
            scheduler.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)                # a new phase starts at its own step 0 (closed form)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {key: value for key, value in super().state_dict().items() if key != "_schedulers"}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        super().load_state_dict(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)
