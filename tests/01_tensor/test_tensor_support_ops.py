"""The given support code of module 01 (tinytorch/core/tensor_ops.py), moved out of the teaching module:
the checks that were the notebook's "more operations" and "save/load" cells, run against the package."""
import os
import tempfile

import numpy as np

from tinytorch.core.tensor import (Generator, Tensor, arange, cat, cos, equal, gather, maximum, minimum, ones,
                                   randperm, sin, sort, stack, topk, triu, where, save, load)


def test_more_ops_given_in_tensor_ops():
    a = Tensor([[1.0, -2.0], [3.0, -4.0]])
    b = Tensor([[5.0, 6.0]])
    assert cat([a, b]).shape == (3, 2) and cat([a, a], dim=1).shape == (2, 4)
    np.testing.assert_array_equal(cat([a, b], 0)._data[2], [5.0, 6.0])
    assert stack([a, a], dim=2).shape == (2, 2, 2) and stack([a, a]).dtype == np.float32
    assert cat([a, Tensor([[1, 2]])]).dtype == np.float32, "float32 joined with int64 stays float32"
    np.testing.assert_array_equal(where(a > 0, a, 0.0)._data, [[1.0, 0.0], [3.0, 0.0]])
    assert where(a > 0, a, 0.0).dtype == np.float32
    rows, cols = where(a > 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 0]
    np.testing.assert_array_equal(a.abs()._data, np.abs(a._data))
    np.testing.assert_allclose(Tensor([4.0, 9.0]).sqrt()._data, [2.0, 3.0])
    np.testing.assert_allclose(sin(Tensor([0.0, 1.0]))._data, np.sin([0.0, 1.0]), rtol=1e-6)
    assert cos(Tensor([0, 1])).dtype == np.float32, "the cosine of ints is float32"
    np.testing.assert_array_equal(a.clamp(min=-1.0, max=2.0)._data, [[1.0, -1.0], [2.0, -1.0]])
    np.testing.assert_array_equal(a.clamp_min(0)._data, np.maximum(a._data, 0))
    np.testing.assert_array_equal(maximum(a, b[:, :1])._data, np.maximum(a._data, 5.0))
    x_np = np.arange(12, dtype=np.float32).reshape(3, 4) ** 1.5
    x = Tensor(x_np)
    np.testing.assert_allclose(x.var().item(), x_np.var(ddof=1), rtol=1e-5)
    np.testing.assert_allclose(x.std(dim=1, keepdim=True)._data, x_np.std(axis=1, ddof=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(x.var(0, unbiased=False)._data, x_np.var(axis=0), rtol=1e-5)
    np.testing.assert_allclose(x.var(1, correction=0)._data, x_np.var(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(x.masked_fill(x > 10, -1.0)._data, np.where(x_np > 10, -1.0, x_np))
    col = Tensor([[1.0], [2.0]])
    e = col.expand(2, 3)
    assert e.shape == (2, 3) and np.shares_memory(e._data, col._data), "expand is a view"
    assert col.expand(-1, 4).shape == (2, 4) and col.repeat(2, 3).shape == (4, 3)
    np.testing.assert_array_equal(Tensor([1, 2]).repeat(2)._data, [1, 2, 1, 2])
    assert sorted(randperm(5, generator=Generator(0)).tolist()) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(ones(3, 3).tril()._data, np.tril(np.ones((3, 3))))
    assert [p.shape for p in arange(10).split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in ones(2, 5).chunk(2, dim=1)] == [(2, 3), (2, 2)] and len(ones(3, 2).unbind()) == 3
    assert f"{Tensor(0.123456):.3f}" == "0.123" and equal(a.mm(a), a @ a)
    np.testing.assert_array_equal(triu(ones(2, 3, 3), 1)._data, np.triu(np.ones((2, 3, 3)), 1))

    t = Tensor([1.0, 2.0, 3.0])
    t += 1
    t.mul_(2).sub_(Tensor([1.0, 1.0, 1.0]), alpha=2)
    np.testing.assert_array_equal(t._data, [2.0, 4.0, 6.0])
    t[0] = 10.0
    t[t > 5] = 0.0
    assert t.tolist() == [0.0, 4.0, 0.0]
    assert t.fill_(7).tolist() == [7.0] * 3 and t.zero_().tolist() == [0.0] * 3
    assert t.copy_(Tensor([1, 2, 3])).tolist() == [1.0, 2.0, 3.0] and t.dtype == np.float32
    scores = Tensor([[0.25, 1.5, 0.125], [0.5, 0.375, 0.5]])
    picked = scores.gather(1, Tensor([[1, 1], [2, 0]]))
    np.testing.assert_array_equal(picked._data, np.array([[1.5, 1.5], [0.5, 0.5]], np.float32))
    assert gather(scores, 0, Tensor([[1, 0, 1]])).tolist() == [[0.5, 1.5, 0.5]] and picked.dtype == np.float32
    values, order = scores.sort(dim=1, descending=True)
    assert order.tolist() == [[1, 0, 2], [0, 2, 1]], "ties keep their original order (stable)"
    np.testing.assert_array_equal(values._data, -np.sort(-scores._data, axis=1))
    assert sort(Tensor([3, 1, 2])).indices.tolist() == [1, 2, 0] and order.dtype == np.int64
    top = topk(Tensor([[1.0, 5.0, 3.0, 4.0]]), 2)
    assert top.values.tolist() == [[5.0, 4.0]] and top.indices.tolist() == [[1, 3]]
    assert Tensor([1.0, 5.0, 3.0]).topk(2, largest=False).indices.tolist() == [0, 2]
    assert (scores > 1.0).any(dim=1).tolist() == [True, False] and (scores > 0).all(1, keepdim=True).shape == (2, 1)
    bad_calls = [(lambda: cat([a, Tensor([1.0, 2.0, 3.0])]), ValueError, "shape"),
                 (lambda: stack([a, b]), ValueError, "same shape"),
                 (lambda: col.expand(3, 3), ValueError, "(2, 1)"),
                 (lambda: where(a, a, b), TypeError, "bool"),
                 (lambda: e.add_(1.0), RuntimeError, "read-only"),
                 (lambda: Tensor([1, 2]).mul_(0.5), RuntimeError, "int64"),
                 (lambda: t.add_(Tensor([1.0, 2.0])), RuntimeError, "(3,)"),
                 (lambda: scores.gather(1, Tensor([[3]])), IndexError, "out of bounds"),
                 (lambda: scores.gather(1, Tensor([1.0])), TypeError, "int64"),
                 (lambda: scores.gather(0, Tensor([0])), ValueError, "dimensions"),
                 (lambda: scores.topk(4), ValueError, "k=4")]
    for call, kind, expected in bad_calls:
        try:
            call()
            raise AssertionError(f"a bad call must raise {kind.__name__}")
        except kind as exc:
            assert expected in str(exc), f"the message should contain {expected!r}: {exc}"
    assert Tensor(2.5).mean(dim=0).item() == 2.5, "mean(dim=0) of a 0-d tensor works, as in PyTorch"
    assert x.T.mT.shape == (3, 4) and x.type() == "torch.FloatTensor" and x.type(np.float64).dtype == np.float64
    np.testing.assert_allclose(x.norm().item(), np.linalg.norm(x_np), rtol=1e-5)
    assert maximum(Tensor([1.0]), 2.0).item() == 2.0 and minimum(Tensor([1.0]), 2.0).item() == 1.0


def test_save_and_load_round_trip():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        state = {"model": {"weight": Tensor([[1.0, 2.0]]), "steps": np.arange(3)}, "epoch": 4, "lr": 0.5,
                 "name": "mlp"}
        assert save(state, path) == path and os.path.exists(path), "save writes exactly the given path"
        back = load(path)
        assert set(back) == {"model", "epoch", "lr", "name"} and back["epoch"] == 4 and back["lr"] == 0.5
        w = back["model"]["weight"]
        assert isinstance(w, Tensor) and w.dtype == np.float32 and w.tolist() == [[1.0, 2.0]]
        assert isinstance(back["model"]["steps"], np.ndarray) and back["name"] == "mlp"
        save(Tensor([3, 4]), path)
        assert load(path).tolist() == [3, 4]
        with open(path, "rb") as fh:
            assert fh.read(2) == b"PK", "the file is an .npz (zip) archive"
        for bad in ([Tensor([1.0]), print], {"f": lambda: 0}, {(1, 2): Tensor([1.0])}):
            try:
                save(bad, path)
                raise AssertionError(f"save must refuse {bad!r}")
            except TypeError as exc:
                assert "save" in str(exc)
    try:
        load(os.path.join(tempfile.gettempdir(), "no-such-tinytorch-file.npz"))
        raise AssertionError("loading a missing file must raise FileNotFoundError")
    except FileNotFoundError:
        pass
