"""Regression (module 04): float32 cross_entropy lost small losses when logits were large.

The first version computed `(m + log(sum exp(x - m))) - x[t]`. With m = 1000 in float32, the spacing of
floats near 1000 is about 6e-5, so a true loss of 4.5e-5 came out as 0 or 6.1e-5. The fix subtracts
m from the picked logit first: `log(sum exp(x - m)) - (x[t] - m)`, as PyTorch's log_softmax does.
"""
import numpy as np
import pytest

from tinytorch.core.losses import cross_entropy
from tinytorch.core.tensor import Tensor


@pytest.mark.parametrize("shift", [0.0, 1000.0, -5000.0])
def test_small_loss_survives_large_logits_in_float32(shift):
    x = np.array([[10.0, 0.0, -10.0], [0.0, -10.0, 10.0]], dtype=np.float32) + np.float32(shift)
    t = np.array([0, 2])
    exact = np.logaddexp.reduce(x.astype(np.float64), axis=1) - x.astype(np.float64)[[0, 1], t]
    got = cross_entropy(Tensor(x), t, reduction="none")._data
    np.testing.assert_allclose(got, exact, rtol=1e-3)
