"""Pruning: exact counts, global vs per layer, masks that hold through training, structured, low rank, files."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tinytorch.core.layers import Linear, ReLU, Sequential
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.perf.compression import (Pruner, global_magnitude_masks, load_sparse, low_rank_linear,
                                        magnitude_mask, prune_neurons, save_sparse)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.floats(0.0, 1.0), st.integers(0, 10_000))
def test_mask_prunes_exactly_round_s_n_smallest(n, sparsity, seed):
    w = np.random.default_rng(seed).standard_normal(n)
    mask = magnitude_mask(w, sparsity)
    k = int(round(sparsity * n))
    assert (~mask).sum() == k
    if 0 < k < n:
        assert np.abs(w[~mask]).max() <= np.abs(w[mask]).min()


def test_global_differs_from_per_layer():
    rng = np.random.default_rng(0)
    ws = {"a": rng.standard_normal((20, 20)) * 0.1, "b": rng.standard_normal((20, 5))}
    g = global_magnitude_masks(ws, 0.5)
    assert (~g["a"]).mean() > 0.5 > (~g["b"]).mean()
    assert sum((~m).sum() for m in g.values()) == 250


@pytest.mark.parametrize("opt_cls, kwargs", [(Adam, {"lr": 0.05}), (SGD, {"lr": 0.1, "momentum": 0.9})])
def test_pruned_weights_stay_zero_through_training(opt_cls, kwargs):
    manual_seed(0)
    net = Sequential(Linear(8, 16), ReLU(), Linear(16, 4))
    pruner = Pruner(net, 0.8)
    count = pruner.sparsity()
    opt = opt_cls(net.parameters(), **kwargs)
    x = Tensor(np.random.default_rng(1).standard_normal((32, 8)).astype(np.float32))
    for _ in range(10):
        opt.zero_grad()
        (net(x) ** 2).mean().backward()
        opt.step()
        pruner.apply()
        assert pruner.sparsity() == count
    # without apply() the same optimizer regrows them: the helper is what holds the mask
    opt.zero_grad()
    (net(x) ** 2).mean().backward()
    opt.step()
    assert pruner.sparsity() < count


def test_prune_neurons_keeps_function_of_zero_neurons():
    manual_seed(2)
    a, b = Linear(6, 10), Linear(10, 3)
    a.weight._data[::2] = 0.0
    a.bias._data[::2] = -1.0          # relu(-1) = 0: these neurons are dead
    na, nb, kept = prune_neurons(a, b, 0.5)
    assert kept.tolist() == [1, 3, 5, 7, 9]
    x = Tensor(np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32))
    relu = ReLU()
    assert np.allclose(nb(relu(na(x)))._data, b(relu(a(x)))._data, atol=1e-6)


def test_low_rank_error_and_parameters():
    manual_seed(4)
    layer = Linear(30, 20, dtype=np.float64)
    sv = np.linalg.svd(layer.weight._data, compute_uv=False)
    for r in range(1, 21):
        lr = low_rank_linear(layer, r)
        err = np.linalg.norm(layer.weight._data - lr.second.weight._data @ lr.first.weight._data)
        assert np.isclose(err, np.sqrt((sv[r:] ** 2).sum()), atol=1e-9)
        assert sum(p._data.size for p in lr.parameters()) == r * 50 + 20
    with pytest.raises(ValueError, match="20"):
        low_rank_linear(layer, 21)
    with pytest.raises(ValueError, match="0"):
        low_rank_linear(layer, 0)


def test_sparse_file_round_trip_and_size(tmp_path):
    rng = np.random.default_rng(5)
    w = rng.standard_normal((100, 100)).astype(np.float32)
    w[~magnitude_mask(w, 0.8)] = 0
    save_sparse(tmp_path / "s.npz", {"w": w})
    np.save(tmp_path / "d.npy", w)
    assert np.array_equal(load_sparse(tmp_path / "s.npz")["w"], w)
    size_sparse, size_dense = (tmp_path / "s.npz").stat().st_size, (tmp_path / "d.npy").stat().st_size
    # 1/8 byte mask + 4 bytes x 20% values = 0.925 bytes per weight before zlib
    assert size_sparse < size_dense / 3


@pytest.mark.parametrize("call, words", [
    (lambda: magnitude_mask(np.ones(3), -0.1), ["sparsity", "-0.1"]),
    (lambda: global_magnitude_masks({}, 0.5), ["at least one"]),
    (lambda: Pruner(Sequential(Linear(2, 2)), 0.5, scope="row"), ["scope", "'row'"]),
    (lambda: prune_neurons(Linear(3, 4), Linear(5, 2), 0.5), ["4", "5"]),
    (lambda: low_rank_linear(Linear(3, 4), 2.5), ["rank", "2.5"]),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_prune_channels_of_conv2d_pair():
    from tinytorch.core.spatial import Conv2d
    manual_seed(6)
    c1, c2 = Conv2d(3, 8, 3, padding=1), Conv2d(8, 4, 3, padding=1)
    c1.weight._data[[1, 2, 6]] = 0.0
    c1.bias._data[[1, 2, 6]] = -0.5
    n1, n2, kept = prune_neurons(c1, c2, 3 / 8)
    assert kept.tolist() == [0, 3, 4, 5, 7]
    assert (n1.in_channels, n1.out_channels, n2.in_channels, n2.out_channels) == (3, 5, 5, 4)
    x = Tensor(np.random.default_rng(7).standard_normal((2, 3, 8, 8)).astype(np.float32))
    relu = ReLU()
    assert np.allclose(n2(relu(n1(x)))._data, c2(relu(c1(x)))._data, atol=1e-5)
    assert c1.weight.shape == (8, 3, 3, 3), "the old layer is unchanged"
