"""conv2d, max_pool2d and avg_pool2d: forward and backward in float64 against central finite differences
and PyTorch, over hypothesis draws of stride, padding, dilation, groups, bias and odd sizes.

The strategies are the ones in spatial_oracle_cases.py (which the gradient oracle of module 05 also
runs); here each op gets more examples. The checking itself is the oracle's `check_op`.
"""
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent


oracle = load_file(HERE.parent / "05_autograd" / "oracle.py", "tinytorch_tests_autograd_oracle")
cases = load_file(HERE / "spatial_oracle_cases.py", "tinytorch_tests_spatial_oracle_cases")
spatial = pytest.importorskip("tinytorch.core.spatial")

F = None if oracle.torch is None else oracle.torch.nn.functional
OPS = {
    "conv2d": (cases.conv_draw(oracle), lambda x, w, b=None, **kw: spatial.conv2d(x, w, b, **kw),
               lambda x, w, b=None, **kw: F.conv2d(x, w, b, **kw)),
    "max_pool2d": (cases.pool_draw(oracle, True), lambda x, **kw: spatial.max_pool2d(x, **kw),
                   lambda x, **kw: F.max_pool2d(x, **kw)),
    "avg_pool2d": (cases.pool_draw(oracle, False), lambda x, **kw: spatial.avg_pool2d(x, **kw),
                   lambda x, **kw: F.avg_pool2d(x, **kw)),
}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("op", sorted(OPS))
def test_gradients_match_finite_differences(op):
    draw, tiny, _ = OPS[op]

    @SETTINGS
    @given(data=st.data())
    def run(data):
        inputs, kw = draw(data)
        oracle.check_op(lambda *t: tiny(*t, **kw), inputs, op=op)

    run()


@pytest.mark.parametrize("op", sorted(OPS))
def test_forward_and_gradients_match_torch(op):
    if oracle.torch is None:
        pytest.skip(oracle.TORCH_MISSING)
    draw, tiny, ref = OPS[op]

    @SETTINGS
    @given(data=st.data())
    def run(data):
        inputs, kw = draw(data)
        oracle.check_op(lambda *t: tiny(*t, **kw), inputs, lambda *t: ref(*t, **kw), op=op, finite_diff=False)

    run()


def test_max_pool_ties_follow_torch_after_relu():
    """After a ReLU most windows hold several zeros: the gradient must go to the first maximum, as in torch."""
    if oracle.torch is None:
        pytest.skip(oracle.TORCH_MISSING)
    x = np.maximum(np.random.default_rng(0).standard_normal((2, 3, 9, 8)), 0)
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}, {"kernel_size": (2, 3), "stride": (1, 2)}):
        oracle.check_op(lambda t: spatial.max_pool2d(t, **kw), [x], lambda t: F.max_pool2d(t, **kw),
                        op="max_pool2d", finite_diff=False)
