"""Regression (module 09): Conv2d -> Flatten -> Linear with the wrong in_features fails with an error that
names both sizes (the Linear's in_features and the flattened C*H*W), not a bare NumPy matmul message.
The earlier course's CNN broke exactly here."""
import numpy as np
import pytest

from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.spatial import Conv2d, MaxPool2d, conv2d_output_size
from tinytorch.core.tensor import Tensor


@pytest.mark.parametrize("image, convs, in_features", [
    ((8, 8), [(1, 4, 3, 1)], 100),                 # 4 x 8 x 8 = 256 expected
    ((28, 28), [(1, 6, 5, 0), (6, 16, 5, 0)], 400),  # LeNet's 16*5*5 assumes pooling that is missing here
    ((9, 7), [(3, 5, 3, 2)], 5 * 9 * 7),           # odd sizes, padding 2: 5 x 11 x 9
])
def test_mismatch_names_both_sizes(image, convs, in_features):
    layers, (h, w), channels = [], image, convs[0][0]
    for c_in, c_out, k, p in convs:
        layers += [Conv2d(c_in, c_out, k, padding=p), ReLU()]
        h, w = conv2d_output_size((h, w), k, 1, p)
        channels = c_out
    flat = channels * h * w
    assert flat != in_features
    model = Sequential(*layers, Flatten(), Linear(in_features, 10))
    with pytest.raises(ValueError) as info:
        model(Tensor(np.zeros((2, convs[0][0], *image), dtype=np.float32)))
    msg = str(info.value)
    assert f"in_features={in_features}" in msg and str(flat) in msg, msg
    assert "matmul" not in msg


def test_right_size_from_conv2d_output_size_works():
    h, w = conv2d_output_size((8, 8), 3, 1, 1)
    h, w = conv2d_output_size((h, w), 2, 2)                 # MaxPool2d(2)
    model = Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Linear(4 * h * w, 10))
    assert model(Tensor(np.zeros((3, 1, 8, 8), dtype=np.float32))).shape == (3, 10)
