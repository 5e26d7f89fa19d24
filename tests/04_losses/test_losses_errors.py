"""Module 04 losses: every bad argument gets an error that names what is wrong."""
import numpy as np
import pytest

from tinytorch.core.losses import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss,
)
from tinytorch.core.tensor import Tensor

ELEMENTWISE = [mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits]
CLASS_LOSSES = [cross_entropy, nll_loss]
ALL = ELEMENTWISE + CLASS_LOSSES
CLASSES = [MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss]


def good_args(fn):
    if fn in CLASS_LOSSES:
        return Tensor(np.zeros((2, 3), np.float32)), Tensor(np.array([0, 2]))
    return Tensor(np.full((2, 3), 0.5, np.float32)), Tensor(np.ones((2, 3), np.float32))


# ----- reduction --------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", ["avg", "MEAN", None, 1])
def test_bad_reduction_names_the_value_and_the_choices(fn, bad):
    with pytest.raises(ValueError) as info:
        fn(*good_args(fn), reduction=bad)
    msg = str(info.value)
    assert fn.__name__ in msg and repr(bad) in msg and "'mean', 'sum' or 'none'" in msg


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_loss_class_rejects_bad_reduction_when_built(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: reduction must be one of"):
        cls(reduction="average")


# ----- shape mismatch (elementwise losses) --------------------------------------------------------
@pytest.mark.parametrize("fn", ELEMENTWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("in_shape, t_shape", [((4, 1), (4,)), ((4,), (4, 1)), ((2, 3), (3, 2)), ((3,), ())])
def test_shape_mismatch_states_both_shapes(fn, in_shape, t_shape):
    x = Tensor(np.full(in_shape, 0.5, np.float32))
    y = Tensor(np.full(t_shape, 1.0, np.float32))
    with pytest.raises(ValueError) as info:
        fn(x, y)
    msg = str(info.value)
    assert f"target shape {t_shape}" in msg and f"input shape {in_shape}" in msg and fn.__name__ in msg


# ----- dtypes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_integer_input_is_rejected_with_its_dtype(fn):
    _, target = good_args(fn)
    x = Tensor(np.zeros((2, 3), np.int64))
    with pytest.raises(TypeError, match="input must be a floating-point Tensor, got dtype int64"):
        fn(x, target)


@pytest.mark.parametrize("fn", [binary_cross_entropy, binary_cross_entropy_with_logits], ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_binary_losses_need_float_targets(fn, dtype):
    x = Tensor(np.full(3, 0.5, np.float32))
    with pytest.raises(TypeError, match=f"target must be a floating-point Tensor.*got dtype {np.dtype(dtype)}"):
        fn(x, Tensor(np.array([1, 0, 1], dtype)))


@pytest.mark.parametrize("fn", CLASS_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("target", [np.array([0.0, 2.0]), np.array([0.0, 2.0], np.float32), [0.0, 2.0],
                                    np.array([True, False])])
def test_class_losses_reject_non_integer_targets_naming_the_dtype(fn, target):
    x = Tensor(np.zeros((2, 3), np.float32))
    dtype = np.asarray(target._data if isinstance(target, Tensor) else target).dtype
    with pytest.raises(TypeError) as info:
        fn(x, target)
    msg = str(info.value)
    assert "integer class indices" in msg and str(dtype) in msg


def test_float_tensor_target_for_cross_entropy():
    with pytest.raises(TypeError, match="floating-point dtype float32"):
        cross_entropy(Tensor(np.zeros((2, 3), np.float32)), Tensor([1.0, 2.0]))


def test_non_numeric_input_is_a_clear_type_error():
    with pytest.raises(TypeError, match="mse_loss: input must be a Tensor or array-like"):
        mse_loss(["a", "b"], [1.0, 2.0])


# ----- class indices ------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", CLASS_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("target, bad, pos", [([0, 3], 3, 1), ([7, 0], 7, 0), ([0, -1], -1, 1), ([-100, 1], -100, 0)])
def test_class_index_out_of_range_names_index_and_C(fn, target, bad, pos):
    x = Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(IndexError) as info:
        fn(x, Tensor(np.array(target)))
    msg = str(info.value)
    assert f"class index {bad} at position {pos}" in msg and "C=3" in msg and "0..2" in msg


def test_out_of_range_single_sample():
    with pytest.raises(IndexError, match=r"class index 4 is out of range for C=4 classes \(valid indices are 0..3\)"):
        cross_entropy(Tensor(np.zeros(4, np.float32)), 4)


@pytest.mark.parametrize("fn", CLASS_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("in_shape, t_shape", [((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), ()), ((3,), (1,)), ((3,), (2,))])
def test_class_target_shape_mismatch_states_both_shapes(fn, in_shape, t_shape):
    x = Tensor(np.zeros(in_shape, np.float32))
    with pytest.raises(ValueError) as info:
        fn(x, Tensor(np.zeros(t_shape, np.int64)))
    msg = str(info.value)
    assert f"target shape {t_shape}" in msg and f"input shape {in_shape}" in msg


@pytest.mark.parametrize("fn", CLASS_LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(), (2, 3, 4), (2, 0)])
def test_class_losses_need_N_by_C_or_C_input(fn, shape):
    with pytest.raises(ValueError, match=rf"input .*shape {re_shape(shape)}"):
        fn(Tensor(np.zeros(shape, np.float32)), Tensor(np.zeros(shape[:1], np.int64)))


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


# ----- probability ranges (binary_cross_entropy) ----------------------------------------------------
@pytest.mark.parametrize("bad", [1.5, -0.25, float("nan")])
def test_bce_input_outside_unit_interval(bad):
    p = Tensor(np.array([0.5, bad, 0.2], np.float32))
    with pytest.raises(ValueError) as info:
        binary_cross_entropy(p, Tensor(np.ones(3, np.float32)))
    msg = str(info.value)
    assert "input value must lie in [0, 1]" in msg and str(np.float32(bad)) in msg and "(1,)" in msg
    assert "binary_cross_entropy_with_logits" in msg          # points to the fix


def test_bce_target_outside_unit_interval():
    with pytest.raises(ValueError, match=r"every target value must lie in \[0, 1\]; found 2.0 at index \(0, 1\)"):
        binary_cross_entropy(Tensor(np.full((1, 2), 0.5, np.float32)), Tensor(np.array([[1.0, 2.0]], np.float32)))
