"""tinytorch.perf.profiling: counts against hand-worked formulas, the latency protocol with a fake clock,
the per-layer profile against model(x), and the roofline's placement."""
import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.layers import Flatten, Linear, Module, ReLU, Sequential
from tinytorch.core.spatial import Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import (count_parameters, format_profile, layer_flops, leaf_layers, measure_latency,
                                      profile_model, roofline)


def test_mlp_64_32_10_has_2410_parameters_and_hand_worked_flops():
    mlp = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    assert count_parameters(mlp) == 2410
    assert layer_flops(mlp[0], (1, 64))[0] == 2 * 64 * 32 + 32


def test_parameter_count_matches_torch_numel():
    torch = pytest.importorskip("torch")
    ours = Sequential(Conv2d(3, 8, 3), ReLU(), Flatten(), Linear(8 * 6 * 6, 10))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(8 * 36, 10))
    assert count_parameters(ours) == sum(p.numel() for p in theirs.parameters())


def test_flops_output_shapes_agree_with_the_layers_that_run():
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(2, 4, 3, stride=2, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(16, 3))
    h = Tensor(rng.standard_normal((3, 2, 8, 8)).astype(np.float32))
    for _, layer in leaf_layers(model):
        _, shape = layer_flops(layer, h.shape)
        h = layer(h)
        assert shape == tuple(h.shape)


def test_unknown_layer_is_named():
    class Weird(Module):
        def forward(self, x):
            return x
    with pytest.raises(TypeError, match="Weird"):
        layer_flops(Weird(), (1, 2))


def test_latency_warmup_is_not_timed_and_percentiles_are_numpys():
    now = [0.0]
    costs = iter([5.0, 0.1, 0.2, 0.3, 0.4])
    stats = measure_latency(lambda: now.__setitem__(0, now[0] + next(costs)), warmup=1, repeats=4,
                            clock=lambda: now[0])
    assert np.allclose(stats["times"], [0.1, 0.2, 0.3, 0.4])
    assert np.isclose(stats["p90"], np.percentile([0.1, 0.2, 0.3, 0.4], 90))


def test_profile_rows_and_table():
    model = Sequential(Linear(8, 4), ReLU(), Linear(4, 2))
    rows = profile_model(model, Tensor(np.ones((5, 8), dtype=np.float32)), warmup=0, repeats=1)
    assert sum(r["flops"] for r in rows) == (2 * 5 * 8 * 4 + 20) + 20 + (2 * 5 * 4 * 2 + 10)
    assert "total" in format_profile(rows)


def test_roofline_ridge():
    assert roofline(1, 1, 4, 2)["bound"] == "memory"
    assert roofline(2, 1, 4, 2)["bound"] == "compute"
