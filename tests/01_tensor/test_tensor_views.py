"""Module 01: views versus copies, strides and contiguity, as PyTorch defines them."""
import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


def grid():
    return Tensor(np.arange(12, dtype=np.float32).reshape(3, 4))


@pytest.mark.parametrize("name, make, contiguous, strides", [
    ("row slice", lambda t: t[1:], True, (4, 1)),
    ("row", lambda t: t[2], True, (1,)),
    ("column", lambda t: t[:, 1], False, (4,)),
    ("every other column", lambda t: t[:, ::2], False, (4, 2)),
    ("transpose", lambda t: t.T, False, (1, 4)),
    ("transpose method", lambda t: t.transpose(0, 1), False, (1, 4)),
    ("permute", lambda t: t.permute(1, 0), False, (1, 4)),
    ("reshape", lambda t: t.reshape(2, 6), True, (6, 1)),
    ("view", lambda t: t.view(6, 2), True, (2, 1)),
    ("flatten", lambda t: t.flatten(), True, (1,)),
    ("unsqueeze", lambda t: t.unsqueeze(0), True, (12, 4, 1)),
    ("detach", lambda t: t.detach(), True, (4, 1)),
])
def test_views_share_storage(name, make, contiguous, strides):
    t = grid()
    v = make(t)
    assert np.shares_memory(v._data, t._data), f"{name} must be a view"
    assert v.is_contiguous() is contiguous, name
    assert v.stride() == strides, name


@pytest.mark.parametrize("name, make", [
    ("reshape of a transpose", lambda t: t.T.reshape(-1)),
    ("contiguous of a transpose", lambda t: t.T.contiguous()),
    ("clone", lambda t: t.clone()),
    ("advanced index", lambda t: t[[0, 2]]),
    ("mask", lambda t: t[t > 3]),
    ("tensor()", lambda t: tt.tensor(t)),
    ("arithmetic", lambda t: t + 0),
    ("cast", lambda t: t.double()),
])
def test_copies_do_not_share_storage(name, make):
    t = grid()
    c = make(t)
    assert not np.shares_memory(c._data, t._data), f"{name} must be a copy"
    assert c.is_contiguous()


def test_writing_through_a_view_changes_the_original():
    t = grid()
    t[1]._data[:] = -1.0
    assert t._data[1].tolist() == [-1.0] * 4
    t.T._data[0, 2] = 100.0
    assert t._data[2, 0] == 100.0


def test_reshape_of_non_contiguous_matches_row_major_order():
    t = grid()
    np.testing.assert_array_equal(t.T.reshape(12)._data, np.arange(12).reshape(3, 4).T.reshape(12))


def test_transpose_swaps_strides_for_any_rank():
    t = Tensor(np.zeros((2, 3, 4, 5), dtype=np.float32))
    assert t.stride() == (60, 20, 5, 1)
    assert t.transpose(1, 3).stride() == (60, 1, 5, 20)
    assert t.permute(3, 2, 1, 0).stride() == (1, 5, 20, 60)
    assert t.T.shape == (5, 4, 3, 2)


def test_squeeze_of_a_non_unit_dim_is_a_no_op():
    t = grid()
    assert t.squeeze(0) is t
    assert t.unsqueeze(1).squeeze(1).shape == (3, 4)
