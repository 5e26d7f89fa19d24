"""Module 06: bad input gets a clear error that names what is wrong."""
import numpy as np
import pytest

from tinytorch.core import optimizers as optim
from tinytorch.core.layers import Linear, Parameter
from tinytorch.core.tensor import Tensor


@pytest.fixture
def p():
    return Parameter(np.zeros(3))


@pytest.mark.parametrize("name, kwargs, kind, fragment", [
    ("SGD", {"lr": -0.1}, ValueError, "Invalid learning rate: -0.1"),
    ("SGD", {"lr": float("nan")}, ValueError, "learning rate"),
    ("SGD", {"lr": "0.1"}, TypeError, "lr must be a real number"),
    ("SGD", {"lr": None}, TypeError, "lr must be a real number"),
    ("SGD", {"momentum": -0.5}, ValueError, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -1}, ValueError, "Invalid weight_decay value"),
    ("SGD", {"nesterov": True}, ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "dampening=0.1"),
    ("Adam", {"lr": -1e-3}, ValueError, "Invalid learning rate"),
    ("Adam", {"betas": (1.0, 0.999)}, ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, 1.5)}, ValueError, "Invalid beta parameter at index 1: 1.5"),
    ("Adam", {"betas": (-0.1, 0.9)}, ValueError, "index 0"),
    ("Adam", {"betas": (0.9,)}, ValueError, "betas must be a pair"),
    ("Adam", {"betas": ("a", 0.9)}, TypeError, "betas[0] must be a real number"),
    ("Adam", {"eps": -1.0}, ValueError, "Invalid epsilon value"),
    ("Adam", {"weight_decay": -0.01}, ValueError, "Invalid weight_decay value"),
    ("AdamW", {"betas": (0.9, 1.0)}, ValueError, "index 1"),
    ("AdamW", {"weight_decay": -1e-2}, ValueError, "weight_decay"),
])
def test_bad_hyperparameters(p, name, kwargs, kind, fragment):
    with pytest.raises(kind) as info:
        getattr(optim, name)([p], **kwargs)
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_bad_hyperparameters_in_a_param_group_are_refused_too(p, name):
    with pytest.raises(ValueError, match="learning rate"):
        getattr(optim, name)([{"params": [p], "lr": -1.0}])
    opt = getattr(optim, name)([p])
    with pytest.raises(ValueError, match="learning rate"):
        opt.add_param_group({"params": [Parameter(np.zeros(1))], "lr": -2.0})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("params, kind, fragment", [
    ([], ValueError, "empty parameter list"),
    (iter([]), ValueError, "empty parameter list"),
    ("tensor", TypeError, "single"),
    ({"params": []}, TypeError, "[{'params': ...}]"),
    (None, TypeError, "iterable"),
    ([np.zeros(3)], TypeError, "can only optimize Tensors"),
    ([[1.0, 2.0]], TypeError, "can only optimize Tensors"),
])
def test_bad_parameter_lists(p, params, kind, fragment):
    if params == "tensor":
        params = p
    with pytest.raises(kind) as info:
        optim.SGD(params, lr=0.1)
    assert fragment in str(info.value), str(info.value)


def test_named_parameters_get_a_hint():
    with pytest.raises(TypeError, match="not model.named_parameters"):
        optim.Adam(Linear(3, 2).named_parameters())


def test_a_used_up_generator_is_explained():
    model = Linear(3, 2)
    params = model.parameters()
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="generator"):
        optim.SGD(params, lr=0.1)


def test_sets_duplicates_and_non_leaves(p):
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.Adam([{"params": [p]}, {"params": [p]}])
    opt = optim.Adam([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": p})
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([p])
    with pytest.raises(ValueError, match="'params' entry"):
        opt.add_param_group({"lr": 0.1})


def test_gradient_with_the_wrong_shape(p):
    p.grad = Tensor(np.zeros((3, 1)))
    with pytest.raises(ValueError) as info:
        optim.Adam([p]).step()
    assert "(3,)" in str(info.value) and "(3, 1)" in str(info.value)


def test_base_class_without_update_says_what_is_missing(p):
    class Incomplete(optim.Optimizer):
        pass
    opt = Incomplete([p], {"lr": 0.1})
    p.grad = Tensor(np.ones(3))
    with pytest.raises(NotImplementedError, match="_update"):
        opt.step()


def _sgd():
    return optim.SGD([Parameter(np.zeros(1))], lr=0.1)


@pytest.mark.parametrize("make, kind, fragment", [
    (lambda o: optim.StepLR(o, step_size=0), ValueError, "step_size must be a positive integer"),
    (lambda o: optim.StepLR(o, step_size=2.5), ValueError, "step_size"),
    (lambda o: optim.StepLR(o, step_size=2, gamma="x"), TypeError, "gamma"),
    (lambda o: optim.LinearLR(o, start_factor=0), ValueError, "start_factor must be in (0, 1]"),
    (lambda o: optim.LinearLR(o, start_factor=1.5), ValueError, "start_factor"),
    (lambda o: optim.LinearLR(o, end_factor=-0.1), ValueError, "end_factor"),
    (lambda o: optim.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be a positive integer"),
    (lambda o: optim.CosineAnnealingLR(o, T_max=None), ValueError, "T_max"),
    (lambda o: optim.LambdaLR(o, 0.5), TypeError, "lr_lambda must be a function"),
    (lambda o: optim.LambdaLR(o, [lambda s: 1, lambda s: 1]), ValueError, "Expected 1 lr_lambdas, but got 2"),
    (lambda o: optim.StepLR(o, 2, last_epoch=5), KeyError, "initial_lr"),
    (lambda o: optim.SequentialLR(o, [], []), ValueError, "at least one scheduler"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(o, 2)], [3]), ValueError, "one milestone fewer"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(o, 2), optim.StepLR(o, 3), optim.StepLR(o, 4)], [5, 5]),
     ValueError, "milestones must increase"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(o, 2), optim.StepLR(_sgd(), 2)], [3]), ValueError,
     "same optimizer"),
    (lambda o: optim.SequentialLR(o, [optim.StepLR(o, 2), "cosine"], [3]), TypeError, "not a scheduler"),
])
def test_bad_scheduler_arguments(make, kind, fragment):
    with pytest.raises(kind) as info:
        make(_sgd())
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("make", [lambda o: optim.StepLR(o, 3), lambda o: optim.CosineAnnealingLR(o, 5),
                                  lambda o: optim.LinearLR(o), lambda o: optim.LambdaLR(o, lambda s: 1.0)])
def test_a_scheduler_needs_an_optimizer(make):
    with pytest.raises(TypeError, match="is not an Optimizer"):
        make(Linear(2, 2))


def test_step_with_an_epoch_warns_and_uses_the_closed_form():
    opt = _sgd()
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.get_last_lr() == [pytest.approx(0.1 * 0.5 ** 2)]
