"""Module 01, Steps 9-10 (given): the extra ops, in-place updates and their guard, save/load."""
import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


@pytest.fixture
def grad_mode():
    """A fake grad-mode query installed through the declared hook; the real hooks are restored after."""
    saved = (tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled)
    state = {"on": True}
    tt.register_autograd(saved[0] or (lambda *a: None), saved[1], lambda: state["on"])
    yield state
    tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled = saved


def test_register_autograd_keeps_the_grad_mode_query_unless_the_engine_is_removed():
    saved = (tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled)
    try:
        query = lambda: True  # noqa: E731
        tt.register_autograd(lambda *a: None, lambda *a, **k: None, query)
        tt.register_autograd(lambda *a: None, lambda *a, **k: None)        # a two-argument call keeps it
        assert tt._HOOKS.is_grad_enabled is query
        tt.register_autograd(None, None)
        assert tt._HOOKS.is_grad_enabled is None
    finally:
        tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled = saved


def test_in_place_on_a_tensor_that_requires_grad_follows_grad_mode(grad_mode):
    w = Tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: w.add_(1.0), lambda: w.__isub__(1.0), lambda: w.zero_(), lambda: w.__setitem__(0, 3.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            update()
    assert w.tolist() == [1.0, 2.0], "a refused update changes nothing"
    grad_mode["on"] = False
    w -= 0.5
    w.mul_(2)
    assert w.tolist() == [1.0, 3.0] and w.requires_grad


def test_in_place_keeps_identity_shape_and_dtype():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    same = t
    t += Tensor([1.0, 1.0, 1.0])
    t *= 2
    t /= 4
    assert t is same and t.dtype == np.float32 and t.shape == (2, 3)
    np.testing.assert_allclose(t._data, (np.arange(6).reshape(2, 3) + 1) / 2)
    i = Tensor([1, 2])
    i += 1
    assert i.dtype == np.int64 and i.tolist() == [2, 3]
    with pytest.raises(RuntimeError, match="int64"):
        i *= 0.5


@pytest.mark.parametrize("call, kind, text", [
    (lambda: tt.cat([]), ValueError, "non-empty"),
    (lambda: tt.cat(Tensor([1.0])), TypeError, "list or tuple"),
    (lambda: tt.cat([Tensor(1.0)]), ValueError, "zero-dimensional"),
    (lambda: tt.stack([Tensor([1.0]), Tensor([1.0, 2.0])]), ValueError, "[(1,), (2,)]"),
    (lambda: tt.where(Tensor([True]), Tensor([1.0, 2.0]), Tensor([1.0, 2.0, 3.0])), ValueError, "broadcast"),
    (lambda: tt.where(Tensor([True]), Tensor([1.0])), TypeError, "both"),
    (lambda: Tensor([[1.0, 2.0]]).expand(3), ValueError, "fewer dimensions"),
    (lambda: Tensor([[1.0, 2.0]]).repeat(2), ValueError, "one count per dimension"),
    (lambda: Tensor([1.0]).clamp(), ValueError, "at least one"),
    (lambda: Tensor([1, 2]).var(), TypeError, "floating-point"),
    (lambda: Tensor([1.0]).var(unbiased=True, correction=1), TypeError, "either"),
    (lambda: Tensor([[1.0]]).masked_fill(Tensor([[True, False]]), 0.0), ValueError, "mask"),
    (lambda: Tensor([1.0]).norm(p="nuc"), ValueError, "p='nuc'"),
])
def test_bad_calls_name_the_problem(call, kind, text):
    with pytest.raises(kind) as info:
        call()
    assert text in str(info.value)


def test_var_std_match_numpy_for_every_dim_and_correction():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((3, 4, 5)).astype(np.float32)
    x = Tensor(x_np)
    for dim in (None, 0, -1, (0, 2)):
        for correction in (0, 1, 2):
            np.testing.assert_allclose(x.var(dim=dim, correction=correction)._data,
                                       np.var(x_np, axis=dim, ddof=correction), rtol=1e-5)
    np.testing.assert_allclose(x.std(1, False, True)._data, np.std(x_np, axis=1, keepdims=True), rtol=1e-5)
    assert np.isnan(Tensor([1.0]).std().item()), "one sample has no unbiased spread (nan, as in PyTorch)"


def test_mean_of_a_0d_tensor_along_dim_0():
    assert Tensor(3.0).mean(dim=0).item() == 3.0 and Tensor(3.0).mean(-1, keepdim=True).shape == ()


def test_save_writes_atomically_and_load_reads_module_checkpoints(tmp_path):
    path = tmp_path / "ckpt.npz"
    tt.save({"a": Tensor([1.0]), "nested": {"empty": {}}}, path)
    back = tt.load(path)
    assert back["nested"] == {"empty": {}} and back["a"].tolist() == [1.0]
    np.savez(tmp_path / "plain.npz", weight=np.ones((2, 2), np.float32))
    plain = tt.load(tmp_path / "plain.npz")
    assert isinstance(plain["weight"], Tensor) and plain["weight"].shape == (2, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz", "plain.npz"], "no temporary files left"
    with pytest.raises(ValueError, match="CPU"):
        tt.load(path, map_location="cuda")
