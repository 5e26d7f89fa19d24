"""The autograd engine: deep and large graphs, accumulation, no_grad and friends, detach, freeing the
graph, and the error messages."""
import gc
import sys
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

from tinytorch.core import autograd
from tinytorch.core.autograd import (GRADIENTS, backward, enable_grad, is_grad_enabled, no_grad,
                                     set_grad_enabled, zero_grad)
from tinytorch.core.tensor import Tensor, _HOOKS, record_op


def leaf(values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def count_nodes(root):
    """Distinct nodes reachable from root.grad_fn, counted with an explicit stack."""
    seen, stack = set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(t.grad_fn for t in node.inputs)
    return len(seen)


# ----- installation --------------------------------------------------------------------------------
def test_engine_is_installed_through_the_extension_point():
    assert _HOOKS.record is autograd.record and _HOOKS.backward is autograd.backward


def test_every_rule_is_a_small_function_of_four_arguments():
    import inspect
    for op, rule in GRADIENTS.items():
        assert list(inspect.signature(rule).parameters) == ["g", "inputs", "out", "attrs"], op


# ----- deep and large graphs -----------------------------------------------------------------------
def test_chain_of_5000_ops():
    depth = 5000
    assert depth > sys.getrecursionlimit()
    x = leaf(1.0)
    y = x
    for _ in range(depth):
        y = y * 1.0001
    assert count_nodes(y) == depth
    y.backward()
    np.testing.assert_allclose(x.grad._data, 1.0001 ** depth, rtol=1e-10)


def test_graph_of_100000_nodes_with_shared_subexpressions():
    # y <- y * 0.5 + y * 0.5 : each step has 3 nodes and uses y twice, so every node's gradient must
    # be complete (two contributions) before its rule runs. The exact gradient is 1.
    steps = 33_334
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(steps):
        y = y * 0.5 + y * 0.5
    root = y.sum()
    assert count_nodes(root) >= 100_000
    root.backward()
    np.testing.assert_allclose(x.grad._data, [1.0, 1.0])


def test_wide_graph_many_leaves():
    leaves = [leaf(float(i)) for i in range(5_000)]
    total = leaves[0] * 1.0
    for t in leaves[1:]:
        total = total + t * t
    total.backward()
    assert leaves[0].grad.item() == 1.0
    assert all(t.grad.item() == 2 * i for i, t in enumerate(leaves) if i)


def test_dropping_a_deep_graph_without_backward_does_not_crash():
    x = leaf(1.0)
    y = x
    for _ in range(30_000):                  # far deeper than the recursion limit
        y = y + 1.0
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None


# ----- accumulation ----------------------------------------------------------------------------------
def test_shared_input_accumulates_within_one_graph():
    x = leaf([2.0, -3.0])
    (x * x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * x._data ** 2 + 1)


def test_leaf_grad_accumulates_across_backward_calls_in_place():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    first = x.grad
    first_data = first._data
    (x * 3).sum().backward()
    assert x.grad is first and x.grad._data is first_data
    np.testing.assert_allclose(x.grad._data, [5.0, 5.0])


def test_leaves_get_private_gradient_arrays():
    a, b = leaf([1.0, 1.0]), leaf([1.0, 1.0])
    (a + b).sum().backward()                 # the same upstream array reaches both leaves
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad._data += 5
    np.testing.assert_array_equal(b.grad._data, [1.0, 1.0])
    assert a.grad._data.flags.writeable


def test_zero_grad():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    zero_grad([x], set_to_none=False)
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0])
    zero_grad([x])
    assert x.grad is None
    zero_grad([leaf([1.0])])                 # no gradient yet: nothing to do


def test_intermediate_tensors_do_not_keep_gradients():
    x = leaf([1.0, 2.0])
    h = x * 2
    (h * h).sum().backward()
    assert h.grad is None and not h.is_leaf


def test_gradient_dtype_follows_the_leaf():
    x = leaf([1.0, 2.0], dtype=np.float32)
    (x * 2.5).sum().backward()
    assert x.grad.dtype == np.float32


def test_backward_on_a_leaf():
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_constant_inputs_get_no_gradient():
    data = Tensor(np.ones((4, 3)))
    w = leaf(np.ones((3, 2)))
    (data @ w).sum().backward()
    assert data.grad is None and w.grad.shape == (3, 2)


def test_max_ties_split_evenly_and_fancy_index_accumulates():
    x = leaf([1.0, 5.0, 5.0, 5.0])
    x.max().backward()
    np.testing.assert_allclose(x.grad._data, [0, 1 / 3, 1 / 3, 1 / 3])
    y = leaf([1.0, 2.0, 3.0])
    y[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(y.grad._data, [3.0, 0.0, 1.0])


# ----- no_grad, enable_grad, set_grad_enabled, detach ----------------------------------------------
def test_no_grad_stops_recording_and_restores():
    x = leaf([1.0])
    with no_grad():
        y = x * 2
        z = leaf([1.0])                      # a new leaf may still require grad
        assert z.requires_grad
        with enable_grad():
            w = x * 2
    assert y.grad_fn is None and not y.requires_grad
    assert w.grad_fn is not None and w.requires_grad
    assert is_grad_enabled() and (x * 2).requires_grad


def test_no_grad_restores_after_an_exception():
    with pytest.raises(ValueError):
        with no_grad():
            raise ValueError("inside")
    assert is_grad_enabled()


def test_no_grad_as_decorator_with_and_without_parentheses():
    x = leaf([1.0])

    @no_grad()
    def f(t):
        return t * 2

    @no_grad
    def g(t):
        """doc"""
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert g.__doc__ == "doc" and is_grad_enabled()


def test_set_grad_enabled_function_context_and_decorator():
    set_grad_enabled(False)
    try:
        assert not is_grad_enabled()
    finally:
        set_grad_enabled(True)
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()

    @set_grad_enabled(False)
    def f():
        return is_grad_enabled()

    assert is_grad_enabled(), "decorating must not change the mode"
    assert f() is False and is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = {}
    with no_grad():
        t = threading.Thread(target=lambda: seen.setdefault("enabled", is_grad_enabled()))
        t.start()
        t.join()
    assert seen["enabled"] is True


def test_detach_shares_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    h = x * 3
    d = h.detach()
    assert d.grad_fn is None and not d.requires_grad and np.shares_memory(d._data, h._data)
    (d * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, d._data)


# ----- freeing the graph ---------------------------------------------------------------------------------
def test_backward_frees_the_graph():
    x = leaf(np.ones(10))
    h = x * 2
    probe = weakref.ref(h)
    loss = (h * h).sum()
    del h
    assert probe() is not None, "the graph keeps the intermediate alive before backward"
    loss.backward()
    assert probe() is None, "after backward the graph no longer holds the intermediate"
    assert loss.grad_fn.inputs is None


def test_memory_does_not_grow_across_training_steps():
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((64, 64)))
    x = Tensor(rng.standard_normal((32, 64)))

    def step():
        loss = ((x @ w).exp() * 0.01).sum()
        loss.backward()
        w.grad = None
        return loss

    tracemalloc.start()
    try:
        for _ in range(5):
            loss = step()
        after_warmup = tracemalloc.get_traced_memory()[0]
        for _ in range(50):
            loss = step()
        growth = tracemalloc.get_traced_memory()[0] - after_warmup
    finally:
        tracemalloc.stop()
    del loss
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over 50 steps"


# ----- errors --------------------------------------------------------------------------------------------
def test_non_scalar_backward_needs_a_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(Tensor(np.array([1.0, 0.5])))
    np.testing.assert_allclose(x.grad._data, [2.0, 1.0])


def test_gradient_of_the_wrong_shape_is_refused():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the tensor has shape \(2,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_on_a_tensor_that_needs_no_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.array(1.0)).backward()
    x = leaf(1.0)
    with no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_second_backward_through_a_freed_graph_fails_clearly():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()
    # a graph that shares a freed part fails the same way
    h = x * x
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 3).sum().backward()


def test_retain_graph_allows_a_second_pass():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    backward(loss, retain_graph=True)
    backward(loss, retain_graph=True)
    backward(loss)
    np.testing.assert_allclose(x.grad._data, 3 * 2 * x._data)


def test_missing_rule_names_the_op_and_leaves_a_clean_state():
    x = leaf([1.0, 2.0])
    shared = x * 2
    weird = record_op(shared._data + 1, "_op_without_rule", (shared,), None)
    with pytest.raises(RuntimeError, match="no gradient rule for op '_op_without_rule'"):
        weird.sum().backward()
    assert shared.grad_fn.pending == 0 and shared.grad_fn.grad is None
    x.grad = None
    (shared * 3).sum().backward()            # the shared node was not freed or left half-counted
    np.testing.assert_allclose(x.grad._data, [6.0, 6.0])


def test_rule_returning_a_wrong_shape_is_reported():
    GRADIENTS["_bad_shape_op"] = lambda g, inputs, out, attrs: (np.ones(5),)
    try:
        x = leaf([1.0, 2.0])
        y = record_op(x._data * 1, "_bad_shape_op", (x,), None)
        with pytest.raises(RuntimeError, match=r"op '_bad_shape_op' returned a gradient of shape \(5,\)"):
            y.sum().backward()
    finally:
        del GRADIENTS["_bad_shape_op"]


def test_integer_results_are_not_differentiable():
    x = leaf([1.5, 2.5])
    n = x.long()
    assert not n.requires_grad and n.grad_fn is None
