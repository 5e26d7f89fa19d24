"""Module 01: the declared extension point that autograd plugs into (no monkey-patching)."""
import sys

import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


@pytest.fixture
def recorder():
    """Install a fake autograd engine that writes down every call; restore the real hooks afterwards."""
    calls = []
    saved = (tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled)
    tt.register_autograd(lambda op, out, inputs, attrs: calls.append((op, out, inputs, attrs)),
                         lambda root, gradient, retain_graph=False: calls.append(("backward", root, gradient)))
    yield calls
    tt.register_autograd(*saved)


def test_ops_table_lists_every_differentiable_op_of_this_module():
    expected = {"add", "sub", "mul", "div", "pow", "neg", "matmul", "exp", "log", "sum", "mean",
                "max", "min", "reshape", "transpose", "permute", "getitem", "cast"}
    assert expected <= set(tt.OPS)
    assert all(tt.OPS[name] == "01_tensor" for name in expected)


def test_register_op_refuses_a_name_owned_by_another_module():
    assert tt.register_op("add", "01_tensor") == "add"
    with pytest.raises(ValueError, match="'add' is already declared by 01_tensor"):
        tt.register_op("add", "99_other")
    name = "test_only_op_for_extension_point"
    try:
        assert tt.register_op(name, "99_other") == name and tt.OPS[name] == "99_other"
    finally:
        tt.OPS.pop(name, None)


def _a():
    return Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("make, op, n_inputs, attrs", [
    (lambda a: a + 1.0, "add", 2, None),
    (lambda a: 2.0 - a, "sub", 2, None),
    (lambda a: a * a, "mul", 2, None),
    (lambda a: a / 2, "div", 2, None),
    (lambda a: a ** 2, "pow", 2, None),
    (lambda a: -a, "neg", 1, None),
    (lambda a: a @ a.T, "matmul", 2, None),
    (lambda a: a.exp(), "exp", 1, None),
    (lambda a: (a + 1).log(), "log", 1, None),
    (lambda a: a.sum(1, keepdim=True), "sum", 1, {"dim": 1, "keepdim": True}),
    (lambda a: a.mean(-1), "mean", 1, {"dim": 1, "keepdim": False}),
    (lambda a: a.max(), "max", 1, {"dim": None, "keepdim": False}),
    (lambda a: a.min(dim=0).values, "min", 1, {"dim": 0, "keepdim": False}),
    (lambda a: a.reshape(3, 2), "reshape", 1, {"shape": (2, 3)}),
    (lambda a: a.transpose(0, 1), "permute", 1, {"dims": (1, 0)}),
    (lambda a: a.permute(-1, 0), "permute", 1, {"dims": (1, 0)}),
    (lambda a: a[1], "getitem", 1, {"index": 1}),
    (lambda a: a.double(), "cast", 1, {"dtype": np.dtype(np.float32)}),
    (lambda a: a.T.contiguous(), "reshape", 1, {"shape": (3, 2)}),
    (lambda a: a.clone(), "reshape", 1, {"shape": (2, 3)}),
])
def test_every_op_reports_to_the_recorder(recorder, make, op, n_inputs, attrs):
    out = make(_a())
    last = recorder[-1]
    assert last[0] == op and last[1] is out, f"expected the last record to be {op} of the result"
    assert len(last[2]) == n_inputs and all(isinstance(t, Tensor) for t in last[2])
    assert last[3] == attrs
    assert op in tt.OPS


def test_non_differentiable_ops_are_not_recorded(recorder):
    a = _a()
    before = len(recorder)
    a > 1, a == a, a.argmax(), a.argmin(dim=0), a.detach(), a.any(), tt.zeros(2), tt.randn(2)
    assert len(recorder) == before


def test_result_keeps_data_an_ndarray(recorder):
    out = tt.record_op(np.float32(1.5), "add", (_a(), _a()))
    assert isinstance(out._data, np.ndarray) and out.shape == () and out.dtype == np.float32
    assert recorder[-1][0] == "add"


def test_backward_is_delegated_to_the_engine(recorder):
    t = Tensor([1.0, 2.0], requires_grad=True)
    g = Tensor([1.0, 1.0])
    t.backward()
    t.backward(g)
    assert recorder[-2] == ("backward", t, None) and recorder[-1] == ("backward", t, g)


def test_backward_without_an_engine_says_what_is_missing(monkeypatch):
    monkeypatch.setattr(tt._HOOKS, "record", None)
    monkeypatch.setattr(tt._HOOKS, "backward", None)
    monkeypatch.setitem(sys.modules, "tinytorch.core.autograd", None)     # make the import fail
    with pytest.raises(RuntimeError, match="autograd"):
        Tensor([1.0]).backward()


def test_hooks_can_be_removed():
    saved = (tt._HOOKS.record, tt._HOOKS.backward, tt._HOOKS.is_grad_enabled)
    try:
        tt.register_autograd(None, None)
        out = _a() + 1
        assert isinstance(out, Tensor) and out.grad_fn is None and not out.requires_grad
    finally:
        tt.register_autograd(*saved)


def test_tensor_accepts_extra_attributes_for_autograd():
    t = Tensor([1.0])
    t._version = 3                 # __dict__ is kept in __slots__ so engines can attach bookkeeping
    assert t._version == 3
    w = tt.Tensor.from_array(np.zeros(2))
    assert type(w) is Tensor and w.grad is None and w.grad_fn is None and w.requires_grad is False
