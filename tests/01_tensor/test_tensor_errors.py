"""Module 01: bad input raises a clear error that names the shapes, dtypes or values at fault."""
import re

import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


def z(*shape):
    return Tensor(np.zeros(shape, dtype=np.float32))


def raises(kind, *fragments):
    """pytest.raises that also checks every fragment appears in the message."""
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


# ---- construction ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, where", [
    ([[1, 2], [3]], "different lengths [2, 1]"),
    ([[[1, 2], [3, 4]], [[1, 2], [3]]], "at [1]"),
    ([1, [2, 3]], "some elements are lists and some are scalars"),
])
def test_ragged_list(data, where):
    with raises(ValueError, "ragged", where):
        Tensor(data)
    with raises(ValueError, "ragged"):
        Tensor(data, dtype=np.float32)


@pytest.mark.parametrize("data, dtype_text", [(["a", "b"], "<U1"), (None, "object"), ([1j], "complex128"),
                                              ({"a": 1}, "object"), (np.array(["x"]), "<U1")])
def test_non_numeric_data(data, dtype_text):
    with raises(TypeError, "numeric", dtype_text):
        Tensor(data)


def test_non_numeric_cast_and_grad_on_ints():
    with raises(TypeError, "non-numeric", "<U"):
        Tensor([1.0]).to("U3")
    with raises(TypeError, "floating-point", "int64"):
        Tensor([1, 2], requires_grad=True)
    with raises(TypeError, "numpy.ndarray", "list"):
        tt.from_numpy([1, 2])


# ---- arithmetic and matmul ---------------------------------------------------------------------------------
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_mismatched_shapes_in_arithmetic(op):
    with raises(ValueError, op, "(2, 3)", "(4,)", "dimension -1 is 3 in the first and 4 in the second"):
        getattr(tt, op)(z(2, 3), z(4))


def test_mismatched_shapes_in_operators_and_comparisons():
    with raises(ValueError, "(2, 3)", "(3, 2)"):
        z(2, 3) + z(3, 2)
    with raises(ValueError, "(2,)", "(3,)"):
        z(2) < z(3)


def test_bool_arithmetic_is_refused_clearly():
    with raises(TypeError, "sub", "bool"):
        Tensor([True]) - Tensor([False])
    with raises(TypeError, "neg", "bool"):
        -Tensor([True])


@pytest.mark.parametrize("sa, sb, fragments", [
    ((2, 3), (2, 3), ["(2, 3)", "last dimension (3)", "second-to-last dimension (2)"]),
    ((4, 5), (4,), ["(4, 5)", "(4,)", "only dimension (4)"]),
    ((), (3,), ["at least 1 dimension", "()"]),
    ((2, 4, 3), (3, 3, 2), ["batch dimensions", "(2,)", "(3,)"]),
])
def test_matmul_mismatch(sa, sb, fragments):
    with raises(ValueError, "matmul", *fragments):
        z(*sa) @ z(*sb)


# ---- dims, reductions, shapes -------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda t: t.sum(dim=3), lambda t: t.mean(dim=-4), lambda t: t.max(dim=5), lambda t: t.argmax(dim=3),
    lambda t: t.transpose(0, 3), lambda t: t.size(3), lambda t: t.stride(-4),
    lambda t: t.squeeze(3), lambda t: t.flatten(0, 3), lambda t: t.permute(0, 1, 3),
])
def test_bad_dim(call):
    with raises(IndexError, "out of range", "3 dimension(s)", "[-3, 2]"):
        call(z(2, 3, 4))


def test_bad_unsqueeze_dim_names_the_range_of_the_result():
    with raises(IndexError, "unsqueeze", "dim 5", "[-4, 3]"):
        z(2, 3, 4).unsqueeze(5)


def test_bad_dim_types_and_duplicates():
    with raises(IndexError, "1.5"):
        z(2, 3).sum(dim=1.5)
    with raises(ValueError, "(1, -1)", "more than once"):
        z(2, 3).sum(dim=(1, -1))
    with raises(TypeError, "single dim"):
        z(2, 3).max(dim=(0, 1))
    with raises(TypeError, "unexpected keyword", "axes"):
        z(2, 3).sum(axes=0)


def test_reductions_refuse_what_pytorch_refuses():
    with raises(TypeError, "mean", "int64"):
        Tensor([1, 2]).mean()
    with raises(ValueError, "max", "(0, 3)"):
        z(0, 3).max()
    with raises(ValueError, "argmin", "(0,)"):
        z(0).argmin()


@pytest.mark.parametrize("target", [(4, 2), (5, -1), (-1, -1), (7,)])
def test_bad_reshape(target):
    with raises(ValueError, "reshape", "(2, 3)", "6 elements", str(target)):
        z(2, 3).reshape(*target)


def test_bad_sizes():
    with raises(ValueError, "reshape", "2.0"):
        z(6).reshape(2.0, 3)
    with raises(ValueError, "zeros", "non-negative", "-3"):
        tt.zeros(2, -3)
    with raises(ValueError, "randn", "-1"):
        tt.randn(-1)
    with raises(ValueError, "permute", "(0, 0)", "(2, 3)"):
        z(2, 3).permute(0, 0)
    with raises(ValueError, "arange", "step"):
        tt.arange(0, 5, 0)
    with raises(ValueError, "randint", "low=5", "high=5"):
        tt.randint(5, 5, (2,))


def test_view_and_index_errors():
    with raises(RuntimeError, "view size is not compatible with input tensor's size and stride",
                "Use .reshape(...) instead."):
        z(2, 3).T.view(6)
    with raises(IndexError, "index 5", "(2, 3)"):
        z(2, 3)[5]
    with raises(IndexError, "(2, 3)"):
        z(2, 3)[1.5]
    with raises(ValueError, "start_dim", "end_dim"):
        z(2, 3, 4).flatten(2, 1)


def test_conversion_errors():
    with raises(ValueError, "exactly one element", "(2,)"):
        z(2).item()
    with raises(RuntimeError, "ambiguous", "2 elements"):
        bool(z(2))
    with raises(TypeError, "0-d"):
        len(Tensor(1.0))
    with raises(RuntimeError, "detach"):
        Tensor([1.0], requires_grad=True).numpy()
    with raises(ValueError, "CPU only", "cuda"):
        z(2).to(device="cuda")
    with raises(TypeError, "integer tensors"):
        [1, 2][Tensor(1.0)]
