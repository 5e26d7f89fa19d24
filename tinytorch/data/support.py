"""Hand-written support code of module 08 (dataloader), not taught: collate's type rules, two transforms.

`_kind` names the row of default_collate's table a value belongs to and `_stack` stacks the arrays of a
batch (naming the first sample whose shape differs); `Compose` and `Lambda` chain transforms. Module 08's
package file (loader.py) imports them; the student writes `_collate`, `ToTensor` and `Normalize` there.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from tinytorch.core.tensor import Tensor

__all__ = ["Compose", "Lambda"]


def _kind(x):
    """Which collate rule applies to x: 'tensor', 'ndarray', 'numpy scalar', 'bool', 'int', 'float',
    'str', 'dict', 'namedtuple', 'sequence'; None for anything else."""
    if isinstance(x, Tensor):
        return "tensor"
    if isinstance(x, np.ndarray):
        return "ndarray"
    if isinstance(x, np.generic):
        return "numpy scalar"
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, numbers.Integral):
        return "int"
    if isinstance(x, numbers.Real):
        return "float"
    if isinstance(x, (str, bytes)):
        return "str"
    if isinstance(x, Mapping):
        return "dict"
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return "namedtuple"
    if isinstance(x, Sequence):
        return "sequence"
    return None


def _stack(arrays, where):
    """np.stack(arrays), or a ValueError naming the first sample whose shape differs from sample 0's."""
    first = arrays[0].shape
    for k, a in enumerate(arrays):
        if a.shape != first:
            raise ValueError(f"default_collate: {where}: sample 0 has shape {first} but sample {k} has shape "
                             f"{a.shape}; the samples of a batch must have one shape (resize or pad them in a "
                             "transform, or pass your own collate_fn)")
    return np.stack(arrays)


class Compose:
    """Apply several transforms in order: Compose([ToTensor(), Normalize(0.5, 0.5)])."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for k, t in enumerate(self.transforms):
            if isinstance(t, type):
                raise TypeError(f"Compose: transform {k} is the class {t.__name__}; write {t.__name__}()")
            if not callable(t):
                raise TypeError(f"Compose: transform {k} is a {type(t).__name__}, which is not callable")

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class Lambda:
    """Use any function as a transform: Lambda(lambda x: x.reshape(-1))."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda needs a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)

    def __repr__(self):
        return f"Lambda({getattr(self.fn, '__name__', 'fn')})"


def _image_array(x, who):
    """The NumPy array of an image given as a Tensor or an ndarray (anything else: TypeError)."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{who} expects an image as a NumPy array or a Tensor, got {type(x).__name__}")
