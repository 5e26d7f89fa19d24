"""Module 06 schedules against their closed forms, without PyTorch (hypothesis over the settings)."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core import optimizers as optim
from tinytorch.core.layers import Parameter

LRS = (0.3, 0.01)


def run(make, steps):
    opt = optim.SGD([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in LRS])
    scheduler = make(opt)
    out = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        out.append(scheduler.get_last_lr())
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(out)


def expected(factor, steps, eta_min=0.0):
    return np.array([[eta_min + (lr - eta_min) * factor(t) for lr in LRS] for t in range(steps + 1)])


@settings(max_examples=25, deadline=None)
@given(step_size=st.integers(1, 6), gamma=st.floats(0.05, 1.0), steps=st.integers(1, 30))
def test_step_lr(step_size, gamma, steps):
    got = run(lambda o: optim.StepLR(o, step_size, gamma), steps)
    np.testing.assert_allclose(got, expected(lambda t: gamma ** (t // step_size), steps), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(start=st.floats(0.01, 1.0), end=st.floats(0.0, 1.0), total=st.integers(1, 10), steps=st.integers(1, 25))
def test_linear_lr(start, end, total, steps):
    got = run(lambda o: optim.LinearLR(o, start, end, total), steps)
    want = expected(lambda t: start + (end - start) * min(t, total) / total, steps)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(t_max=st.integers(1, 12), eta_min=st.sampled_from([0.0, 1e-4, 0.005]), cycles=st.integers(1, 3))
def test_cosine_annealing_follows_the_cosine_through_several_periods(t_max, eta_min, cycles):
    steps = 2 * t_max * cycles + 1
    got = run(lambda o: optim.CosineAnnealingLR(o, t_max, eta_min), steps)
    want = expected(lambda t: (1 + math.cos(math.pi * t / t_max)) / 2, steps, eta_min)
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(warmup=st.integers(1, 8), decay=st.integers(1, 15), start=st.floats(0.01, 1.0))
def test_warmup_then_cosine_with_sequential_lr(warmup, decay, start):
    got = run(lambda o: optim.SequentialLR(o, [optim.LinearLR(o, start, total_iters=warmup),
                                               optim.CosineAnnealingLR(o, decay)], [warmup]), warmup + decay)

    def factor(t):
        if t < warmup:
            return start + (1 - start) * t / warmup
        return (1 + math.cos(math.pi * (t - warmup) / decay)) / 2
    np.testing.assert_allclose(got, expected(factor, warmup + decay), rtol=1e-7, atol=1e-12)


def test_lambda_lr_warmup_recipe():
    warmup = 4
    got = run(lambda o: optim.LambdaLR(o, lambda step: min(1.0, (step + 1) / warmup)), 8)
    np.testing.assert_allclose(got, expected(lambda t: min(1.0, (t + 1) / warmup), 8), rtol=1e-12)


def test_scheduler_writes_rates_the_optimizer_then_uses():
    p = Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    moves = []
    for _ in range(3):
        before = p._data.copy()
        p.grad = np.array([1.0])
        opt.step()
        sched.step()
        moves.append(float(before[0] - p._data[0]))
    assert moves == [1.0, 0.5, 0.25]


def test_manual_change_of_the_rate_is_respected_by_chainable_schedules():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    sched = optim.StepLR(opt, step_size=2, gamma=0.1)
    opt.step()
    sched.step()
    opt.param_groups[0]["lr"] = 0.5          # a user halves the rate by hand
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05]
