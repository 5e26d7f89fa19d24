"""Regression (module 03): two bad arguments gave Python internals instead of a message.

`Flatten(start_dim="a")` failed at the first forward with "'<=' not supported between instances of
'int' and 'str'"; `xavier_uniform_(None)` (and every fan-based initialiser) with "'NoneType' object has
no attribute 'ndim'". Both now raise a TypeError that names the argument and what was given.
"""
import numpy as np
import pytest

from tinytorch.core.layers import (Flatten, fan_in_and_fan_out, kaiming_normal_, kaiming_uniform_,
                                   xavier_normal_, xavier_uniform_)


@pytest.mark.parametrize("kwargs, name", [({"start_dim": "a"}, "start_dim"), ({"end_dim": 1.5}, "end_dim"),
                                          ({"start_dim": True}, "start_dim"), ({"end_dim": None}, "end_dim")])
def test_flatten_dims_must_be_ints(kwargs, name):
    with pytest.raises(TypeError, match=f"Flatten: {name} must be an int"):
        Flatten(**kwargs)


def test_flatten_numpy_int_dims_accepted():
    assert Flatten(np.int64(1), np.int64(-1)).start_dim == 1


@pytest.mark.parametrize("init", [xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_,
                                  fan_in_and_fan_out])
@pytest.mark.parametrize("bad", [None, [[1.0, 2.0]], np.zeros((2, 2))])
def test_initialisers_need_a_tensor(init, bad):
    with pytest.raises(TypeError, match=f"initialisers fill a Tensor in place, got {type(bad).__name__}"):
        init(bad)
