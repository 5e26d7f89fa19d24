"""default_collate: every kind of sample, nesting, dtypes, and errors that name the sample at fault."""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core.tensor import Tensor
from tinytorch.data.loader import default_collate

Point = namedtuple("Point", "x y")


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(dtype=st.sampled_from([np.uint8, np.int32, np.int64, np.float32, np.float64, np.bool_]),
                  shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)))
def test_stacking_arrays_and_tensors_keeps_dtype(stacked):
    samples = list(stacked)
    for batch in (default_collate(samples), default_collate([Tensor(s) for s in samples])):
        assert isinstance(batch, Tensor) and batch.dtype == stacked.dtype and batch.shape == stacked.shape
        np.testing.assert_array_equal(batch._data, stacked)


@pytest.mark.parametrize("samples, dtype", [([1, 2, 3], np.int64), ([0.5, 2.0], np.float64),
                                            ([True, False], np.bool_), ([np.int16(1), np.int16(2)], np.int16),
                                            ([np.float32(1.5)], np.float32)])
def test_numbers(samples, dtype):
    batch = default_collate(samples)
    assert batch.dtype == dtype and batch.shape == (len(samples),)
    assert batch.tolist() == [float(s) if dtype == np.float64 else s for s in samples]


def test_structures():
    samples = [(np.full(2, k, np.float32), k, {"id": f"s{k}", "w": 0.5 * k}) for k in range(3)]
    batch = default_collate(samples)
    assert isinstance(batch, list) and len(batch) == 3
    assert batch[0].shape == (3, 2) and batch[1].tolist() == [0, 1, 2]
    assert batch[2]["id"] == ["s0", "s1", "s2"] and batch[2]["w"].dtype == np.float64
    points = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(points, Point) and points.x.tolist() == [1, 3] and points.y.dtype == np.float64
    ordered = default_collate([OrderedDict(b=1, a=2), OrderedDict(b=3, a=4)])
    assert list(ordered) == ["b", "a"] and ordered["a"].tolist() == [2, 4]
    lists = default_collate([[1, 2], [3, 4], [5, 6]])
    assert [t.tolist() for t in lists] == [[1, 3, 5], [2, 4, 6]]
    assert default_collate([b"x", b"y"]) == [b"x", b"y"]


def test_single_sample_batch():
    batch = default_collate([(Tensor(np.zeros((2, 2))), 7)])
    assert batch[0].shape == (1, 2, 2) and batch[1].tolist() == [7]


def test_collated_batch_does_not_share_memory():
    source = [np.zeros(3), np.ones(3)]
    batch = default_collate(source)
    batch._data[0, 0] = 5.0
    assert source[0][0] == 0.0


@pytest.mark.parametrize("samples, kind, pattern", [
    ([np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 2))], ValueError, r"sample 2 has shape \(3, 2\)"),
    ([(np.zeros(2), 1), (np.zeros(3), 1)], ValueError, r"batch\[0\]: sample 0 has shape \(2,\)"),
    ([{"a": np.zeros(1)}, {"a": np.zeros(2)}], ValueError, r"batch\['a'\]"),
    ([(1, 2), (1, 2, 3)], ValueError, "sample 1 has 3"),
    ([{"a": 1}, {"a": 1, "b": 2}], ValueError, "keys"),
    ([1, 2.5], TypeError, "sample 1 is a float"),
    ([np.zeros(2), Tensor(np.zeros(2))], TypeError, "sample 1 is a tensor"),
    ([object(), object()], TypeError, "collate_fn"),
    ([np.array(["a"]), np.array(["b"])], TypeError, "dtype"),
    ([], ValueError, "empty"),
])
def test_errors_name_the_sample(samples, kind, pattern):
    with pytest.raises(kind, match=pattern):
        default_collate(samples)


def test_batch_must_be_a_list():
    with pytest.raises(TypeError, match="list of samples"):
        default_collate(np.zeros(3))
    with pytest.raises(TypeError, match="list of samples"):
        default_collate("abc")
