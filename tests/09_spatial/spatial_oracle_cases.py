"""Gradient-oracle cases for module 09's ops: conv2d, max_pool2d, avg_pool2d.

Not a test file by itself: tests/05_autograd/test_autograd_oracle.py loads every
tests/*/*_oracle_cases.py and calls `add_cases(case, oracle, api)`, so that its coverage test (every op in
OPS has a case) finds these, and each case runs there against central finite differences and PyTorch.
tests/09_spatial/test_spatial_gradients.py runs the same strategies with more examples.

Each draw covers stride, padding, dilation, groups, bias and odd sizes, on inputs in a drawn memory layout
(contiguous, strided or transposed views).
"""
from __future__ import annotations

from hypothesis import strategies as st


def _fits(size, kernel, stride, padding, dilation):
    return size + 2 * padding >= dilation * (kernel - 1) + 1


def _padding_only_window(size, kernel, stride, padding, dilation):
    """True if some pooling window reads padding only (max pooling has no value there; PyTorch's CPU
    kernel even reads out of bounds for it, so such draws are never sent to PyTorch)."""
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    for y in range(out):
        taps = [y * stride + i * dilation - padding for i in range(kernel)]
        if not any(0 <= t < size for t in taps):
            return True
    return False


def conv_draw(oracle):
    arrays = oracle.arrays

    def draw(data):
        groups = data.draw(st.sampled_from([1, 1, 2, 3]), label="groups")
        c_in = groups * data.draw(st.integers(1, 2), label="in per group")
        c_out = groups * data.draw(st.integers(1, 2), label="out per group")
        kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
        stride = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
        dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
        padding = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
        h = data.draw(st.integers(1, 7), label="height")
        w = data.draw(st.integers(1, 7), label="width")
        if not _fits(h, kh, stride[0], padding[0], dilation[0]):
            h = dilation[0] * (kh - 1) + 1
        if not _fits(w, kw, stride[1], padding[1], dilation[1]):
            w = dilation[1] * (kw - 1) + 1
        n = data.draw(st.integers(1, 2), label="batch")
        inputs = [data.draw(arrays((n, c_in, h, w))), data.draw(arrays((c_out, c_in // groups, kh, kw)))]
        if data.draw(st.booleans(), label="bias"):
            inputs.append(data.draw(arrays((c_out,))))
        return inputs, {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    return draw


def pool_draw(oracle, with_dilation):
    arrays = oracle.arrays

    def draw(data):
        kernel = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
        stride = data.draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))), label="stride")
        padding = (data.draw(st.integers(0, kernel[0] // 2)), data.draw(st.integers(0, kernel[1] // 2)))
        dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))) if with_dilation else (1, 1)
        s = kernel if stride is None else stride
        size = []
        for axis in range(2):
            n = data.draw(st.integers(1, 7))
            if not _fits(n, kernel[axis], s[axis], padding[axis], dilation[axis]):
                n = dilation[axis] * (kernel[axis] - 1) + 1
            size.append(n)
        for axis in range(2):
            if _padding_only_window(size[axis], kernel[axis], s[axis], padding[axis], dilation[axis]):
                padding = tuple(0 if a == axis else p for a, p in enumerate(padding))
                size[axis] = max(size[axis], dilation[axis] * (kernel[axis] - 1) + 1)
        shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3)), *size)
        kw = {"kernel_size": kernel, "stride": stride, "padding": padding}
        if with_dilation:
            kw["dilation"] = dilation
        else:
            kw["count_include_pad"] = data.draw(st.booleans())
            kw["divisor_override"] = data.draw(st.sampled_from([None, None, 1, 3]))
        # max pooling: well-separated values, so no tie appears and finite differences never cross one
        return [data.draw(arrays(shape, "distinct" if with_dilation else "normal"))], kw
    return draw


def _conv_tiny(api):
    def run(x, w, b=None, **kw):
        return api("spatial").conv2d(x, w, b, **kw)
    return run


def _conv_torch(oracle):
    def run(x, w, b=None, **kw):
        return oracle.torch.nn.functional.conv2d(x, w, b, **kw)
    return run


def add_cases(case, oracle, api):
    """Register the three ops of module 09 with the oracle's `case(op, **fields)`."""
    case("conv2d", module="spatial", draw=conv_draw(oracle), tiny=_conv_tiny(api), torch=_conv_torch(oracle))
    case("max_pool2d", module="spatial", draw=pool_draw(oracle, with_dilation=True),
         tiny=lambda x, **kw: api("spatial").max_pool2d(x, **kw),
         torch=lambda x, **kw: oracle.torch.nn.functional.max_pool2d(x, **kw))
    case("avg_pool2d", module="spatial", draw=pool_draw(oracle, with_dilation=False),
         tiny=lambda x, **kw: api("spatial").avg_pool2d(x, **kw),
         torch=lambda x, **kw: oracle.torch.nn.functional.avg_pool2d(x, **kw))
