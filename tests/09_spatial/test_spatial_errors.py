"""Bad input to the spatial ops and layers gives errors that name what is wrong."""
import numpy as np
import pytest

from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d, conv2d, conv2d_output_size, max_pool2d
from tinytorch.core.tensor import Tensor


def x(*shape, dtype=np.float32):
    return Tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("call, words", [
    (lambda: Conv2d(3, 8, 3)(x(2, 4, 8, 8)), ["3 channels", "(2, 4, 8, 8)"]),
    (lambda: Conv2d(3, 8, 3)(x(3, 8, 8)), ["4-D", "(3, 8, 8)", "unsqueeze"]),
    (lambda: Conv2d(3, 8, 5)(x(1, 3, 4, 4)), ["does not fit", "4", "5"]),
    (lambda: Conv2d(3, 8, 3)(x(1, 3, 8, 8, dtype=np.float64)), ["float64", "float32"]),
    (lambda: Conv2d(3, 8, 3)(np.zeros((1, 3, 8, 8))), ["Tensor", "ndarray"]),
    (lambda: Conv2d(3, 8, 0), ["kernel_size", "0"]),
    (lambda: Conv2d(3, 8, 3, groups=2), ["divisible", "groups (2)"]),
    (lambda: Conv2d(3, 8, 3, padding="full"), ["'full'", "'same'"]),
    (lambda: Conv2d(3, 8, 3, stride=2, padding="same"), ["same", "strided"]),
    (lambda: conv2d(x(1, 4, 5, 5), x(6, 2, 3, 3), groups=3), ["6", "groups=3"]),
    (lambda: conv2d(x(1, 2, 5, 5), x(4, 2, 3, 3), x(3)), ["bias", "(4,)"]),
    (lambda: max_pool2d(x(1, 1, 4, 4), 2, padding=2), ["padding", "half"]),
    (lambda: MaxPool2d(2)(Tensor(np.zeros((1, 1, 4, 4), dtype=np.int64))), ["floating-point", "int64"]),
    (lambda: AvgPool2d(5)(x(1, 1, 4, 4)), ["does not fit"]),
    (lambda: conv2d_output_size(8, 3, stride=0), ["stride", "positive"]),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
