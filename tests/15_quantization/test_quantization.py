"""tinytorch.perf.quantization: the round-trip bound (hypothesis), per-channel against per-tensor, int8
storage, int32 accumulation and the bytes saved on disk."""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch
import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import (QuantizedConv2d, QuantizedLinear, affine_qparams, calibrate, dequantize,
                                         quantize, quantize_model, symmetric_scale)

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(lo=finite, width=st.floats(1e-3, 1e4), data=st.data())
def test_round_trip_error_is_at_most_half_a_step(lo, width, data):
    hi = lo + width
    scale, zp = affine_qparams(lo, hi)
    low, high = min(lo, 0.0), max(hi, 0.0)
    xs = np.array(data.draw(st.lists(st.floats(low, high), min_size=1, max_size=20)), dtype=np.float32)
    q = quantize(xs, scale, zp)
    assert q.dtype == np.int8
    err = np.abs(dequantize(q, scale, zp).astype(np.float64) - xs)
    assert err.max() <= scale / 2 * (1 + 1e-3) + 1e-6 * max(abs(low), abs(high)), (err.max(), scale)
    assert dequantize(quantize(np.zeros(1), scale, zp), scale, zp)[0] == 0.0


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), spread=st.floats(1.0, 4.0))
def test_per_channel_beats_per_tensor_on_uneven_channels(seed, spread):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((6, 32)).astype(np.float32) * np.logspace(-spread, 0, 6, dtype=np.float32)[:, None]

    def error(scale):
        return np.abs(dequantize(quantize(w, scale, 0, -127, 127), scale) - w).sum()

    assert error(symmetric_scale(w, axis=0)) < error(symmetric_scale(w))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_affine_matches_torch_quantize_per_tensor():
    torch = pytest.importorskip("torch")
    x = np.linspace(-1.3, 2.7, 101).astype(np.float32)
    scale, zp = affine_qparams(x.min(), x.max())
    theirs = torch.quantize_per_tensor(torch.from_numpy(x), scale, zp, torch.qint8).int_repr().numpy()
    assert np.array_equal(quantize(x, scale, zp), theirs)


def test_calibrate_rejects_unknown_method():
    with pytest.raises(ValueError, match="kl"):
        calibrate(np.ones(3), "kl")


def test_quantized_model_is_int8_and_smaller_on_disk(tmp_path):
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(1, 8, 3, padding=1), ReLU(), Flatten(), Linear(8 * 64, 256), ReLU(), Linear(256, 10))
    x = rng.uniform(0, 1, (16, 1, 8, 8)).astype(np.float32)
    qmodel = quantize_model(model, x)
    assert isinstance(qmodel[0], QuantizedConv2d) and isinstance(qmodel[3], QuantizedLinear)
    ref, out = model(Tensor(x))._data, qmodel(Tensor(x))._data
    assert np.abs(out - ref).max() < 0.05 * np.abs(ref).max()
    tinytorch.save(model.state_dict(), tmp_path / "f.npz")
    tinytorch.save(qmodel.state_dict(), tmp_path / "q.npz")
    assert os.path.getsize(tmp_path / "f.npz") / os.path.getsize(tmp_path / "q.npz") >= 3.5
    loaded = tinytorch.load(tmp_path / "q.npz")
    assert np.asarray(loaded["3.weight_q"]).dtype == np.int8


def test_int32_accumulation_does_not_overflow():
    lin = Linear(4096, 1, bias=False)
    lin.weight._data[...] = 1.0
    q = QuantizedLinear(lin, (0.0, 1.0))
    x = Tensor(np.ones((1, 4096), dtype=np.float32))
    assert np.isclose(q(x)._data[0, 0], 4096.0, rtol=1e-2)


def test_wrong_layer_types_are_named():
    with pytest.raises(TypeError, match="ReLU"):
        QuantizedLinear(ReLU(), (0, 1))
    with pytest.raises(ValueError, match="groups"):
        QuantizedConv2d(Conv2d(4, 4, 3, groups=2), (0, 1))
