"""Module 03: state_dict / load_state_dict and .npz checkpoints (bit-for-bit, no pickle, named errors)."""
import os

import numpy as np
import pytest

from tinytorch.core import layers
from tinytorch.core.layers import (
    Dropout, Flatten, IncompatibleKeys, Linear, Module, ReLU, Sequential, load_state_dict_file,
    save_state_dict,
)
from tinytorch.core.tensor import Tensor, manual_seed


def make_model(hidden=16):
    return Sequential(Flatten(), Linear(12, hidden), ReLU(), Dropout(0.2), Linear(hidden, 3))


def batch():
    return Tensor(np.random.default_rng(11).standard_normal((5, 3, 2, 2)).astype(np.float32))


def test_round_trip_through_npz_reproduces_outputs_bit_for_bit(tmp_path):
    manual_seed(1)
    a = make_model().eval()
    path = tmp_path / "model.npz"
    a.save(path)
    manual_seed(2)
    b = make_model().eval()
    assert not np.array_equal(a(batch())._data, b(batch())._data)
    b.load(path)
    assert np.array_equal(a(batch())._data, b(batch())._data)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and pa.dtype == pb.dtype and np.array_equal(pa._data, pb._data)


def test_file_is_a_plain_npz_with_pytorch_keys(tmp_path):
    path = tmp_path / "ckpt.npz"
    make_model().save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive.files == ["1.weight", "1.bias", "4.weight", "4.bias"]
        assert archive["1.weight"].shape == (16, 12) and archive["1.weight"].dtype == np.float32


def test_load_uses_allow_pickle_false(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    make_model().save(path)
    calls = []
    real_load = np.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(layers.np, "load", spy)
    make_model().load(path)
    assert calls == [False]


def test_pickled_entries_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"1.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match=r"evil\.npz.*'1\.weight'.*unpickling"):
        make_model().load(path)


def test_missing_parameter_in_file_is_named(tmp_path):
    state = make_model().state_dict()
    del state["4.bias"]
    path = tmp_path / "missing.npz"
    save_state_dict(state, path)
    with pytest.raises(RuntimeError) as info:
        make_model().load(path)
    msg = str(info.value)
    assert "missing.npz" in msg and '"4.bias"' in msg and "Missing" in msg


def test_misshaped_parameter_in_file_is_named_with_both_shapes(tmp_path):
    path = tmp_path / "wide.npz"
    make_model(hidden=32).save(path)
    model = make_model(hidden=16)
    before = [p._data.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError) as info:
        model.load(path)
    msg = str(info.value)
    assert "size mismatch for 1.weight" in msg and "(32, 12)" in msg and "(16, 12)" in msg
    assert "size mismatch for 4.weight" in msg and "(3, 32)" in msg and "(3, 16)" in msg
    assert all(np.array_equal(b, p._data) for b, p in zip(before, model.parameters())), \
        "a refused load must leave the model untouched"


def test_unexpected_key_strict_and_non_strict():
    model = make_model()
    state = model.state_dict()
    state["5.weight"] = np.zeros(2, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "5.weight"'):
        model.load_state_dict(state)
    assert model.load_state_dict(state, strict=False) == IncompatibleKeys([], ["5.weight"])


def test_shape_mismatch_is_an_error_even_when_not_strict():
    model = make_model()
    state = model.state_dict()
    state["1.bias"] = np.zeros(3, dtype=np.float32)
    with pytest.raises(RuntimeError, match="1.bias"):
        model.load_state_dict(state, strict=False)


def test_load_copies_in_place_and_casts_dtype():
    model = make_model()
    weight = model[1].weight
    state = {k: v.double() + 1 for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    assert model[1].weight is weight and weight.dtype == np.float32
    assert np.allclose(weight._data, state["1.weight"])


def test_buffers_round_trip(tmp_path):
    class WithBuffer(Module):
        def __init__(self):
            super().__init__()
            self.lin = Linear(2, 2)
            self.register_buffer("steps", Tensor(np.array(0, dtype=np.int64)))

    a = WithBuffer()
    a.steps._data[...] = 41
    a.save(tmp_path / "b.npz")
    b = WithBuffer()
    b.load(tmp_path / "b.npz")
    assert int(b.steps._data) == 41 and b.steps.dtype == np.int64


def test_save_is_atomic_and_keeps_exact_path(tmp_path):
    path = tmp_path / "model.ckpt"                 # no .npz suffix: the exact path is used
    make_model().save(path)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    good = path.read_bytes()
    with pytest.raises(TypeError, match="'bad'"):
        save_state_dict({"bad": np.array([object()], dtype=object)}, path)
    assert path.read_bytes() == good and os.listdir(tmp_path) == ["model.ckpt"]


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_state_dict_file(tmp_path / "nope.npz")
    text = tmp_path / "notes.npz"
    text.write_text("not an archive")
    with pytest.raises(ValueError, match="notes.npz.*not an .npz"):
        load_state_dict_file(text)
    npy = tmp_path / "single.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="single.npy"):
        load_state_dict_file(npy)
    broken = tmp_path / "broken.npz"
    make_model().save(broken)
    broken.write_bytes(broken.read_bytes()[:200])
    with pytest.raises(ValueError, match="broken.npz"):
        load_state_dict_file(broken)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_state_dict({}, tmp_path / "no_dir" / "x.npz")
    with pytest.raises(ValueError, match="reserves"):
        save_state_dict({"file": np.zeros(1)}, tmp_path / "x.npz")


def test_load_state_dict_rejects_non_mappings_and_non_numbers():
    model = make_model()
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([("1.weight", np.zeros((16, 12)))])
    state = model.state_dict()
    state["1.bias"] = np.array(["x"] * 16)
    with pytest.raises(RuntimeError, match="1.bias.*non-numeric"):
        model.load_state_dict(state)
