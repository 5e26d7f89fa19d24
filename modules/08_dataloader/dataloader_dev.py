# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 08: DataLoader

A model trains on **mini-batches**: a few dozen samples at a time, drawn in a fresh random order every
epoch. Between the files on disk and the tensors a model sees sits the data pipeline: it reads the
files (and checks they are the right files), turns each sample into numbers, normalises them, groups
them into batches and shuffles. In this module you build that pipeline with PyTorch's names, so that
`for images, labels in DataLoader(dataset, batch_size=64, shuffle=True)` reads the same in TinyTorch.

**Learning Objectives:**
- Build `Dataset`, `TensorDataset` and `Subset`, and `random_split(dataset, lengths, generator)` for a
  train/validation split (lengths as counts or fractions, as in PyTorch).
- Build `default_collate`, which turns a list of samples (Tensors, arrays, numbers, tuples, dicts) into
  batched Tensors, and a `DataLoader` with `batch_size`, seeded `shuffle`, `drop_last` and `collate_fn`
  that sees every sample exactly once per epoch, whatever the remainder `n % batch_size`.
- Build the transforms `ToTensor`, `Normalize(mean, std)` and `Compose`, applied per sample through a
  `transform=` argument.
- Read real data formats yourself: the IDX files of MNIST / Fashion-MNIST (gzip or plain) and the binary
  version of CIFAR-10, verifying each file's sha256 first and refusing a damaged file with a message
  that names the file and what is wrong.
- Measure how batch size drives memory and throughput, and what a one-step (vectorised) batch fetch
  saves over a Python loop over samples.

**How this module works.** Each step is a code cell for you to complete (between the solution markers,
inside a function whose signature and docstring are given), followed at once by a graded test cell.
Code marked *given* is infrastructure: read it and use it. Cells starting with `#| export` become the
package file `tinytorch/data/loader.py` when you run `tito export`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Mini-batches.** An epoch visits each of the `n` training samples once. With batch size `B`, it is cut
into `ceil(n / B)` batches: `n // B` full ones and, when `B` does not divide `n`, a last batch of
`n % B` samples. `drop_last=True` discards that short batch, leaving `n // B` batches, so `n % B`
samples are skipped in that epoch (different ones each epoch when shuffling).

**Shuffling.** Each epoch uses a uniformly random *permutation* of `0 .. n-1`: sampling *without*
replacement, so every sample is seen exactly once per epoch. The permutation comes from a seeded
generator, so a run can be repeated exactly; the generator's state moves on after each epoch, so each
epoch has a different order.

**Why batches.** The gradient of the loss averaged over a batch is an unbiased estimate of the gradient
over the whole training set. For `B` samples drawn independently its variance falls like `1 / B`,
while the cost of one step grows like `B`. Larger batches also let vectorised code (and a GPU) do more
work per Python call: that trade-off is what the Systems Analysis measures.

**Normalisation.** A transform `Normalize(mean, std)` maps each channel `c` of an image to
`(x[c] - mean[c]) / std[c]`, so every input feature has mean about 0 and standard deviation about 1.
The statistics must come from the *training* split only: computing them on the validation or test
split leaks information about the data you evaluate on.

Run the cell below to see the batch counts and a normalisation on a tiny example.
"""

# %%
import math

import numpy as np

n_demo = 10
for b in (3, 4, 5, 10, 12):
    full_batches, tail = divmod(n_demo, b)
    print(f"n={n_demo:2d}, B={b:2d}: {math.ceil(n_demo / b)} batch(es), the last of {tail or min(b, n_demo)}; "
          f"drop_last=True keeps {full_batches} and skips {tail} samples")

rng_demo = np.random.default_rng(0)
print("two epochs of a seeded shuffle:", rng_demo.permutation(n_demo).tolist(), rng_demo.permutation(n_demo).tolist())

pixels = rng_demo.uniform(0, 255, size=(100, 3, 4, 4)).astype(np.float32) / 255     # 100 RGB images
channel_mean, channel_std = pixels.mean(axis=(0, 2, 3)), pixels.std(axis=(0, 2, 3))
normalised = (pixels - channel_mean[:, None, None]) / channel_std[:, None, None]
print("per-channel mean before:", channel_mean.round(3), " after:", normalised.mean(axis=(0, 2, 3)).round(6))
print("per-channel std  before:", channel_std.round(3), " after:", normalised.std(axis=(0, 2, 3)).round(6))

# %% [markdown]
"""
## Part 2: Datasets and batches

### Setup (given)

The package file starts with its imports and public names. The data-file errors reuse the package's
`DatasetFileError` (a `ValueError`), the error the shipped digits loader raises too.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import gzip
import hashlib
import math
import numbers
import operator
import os
import sys
import tempfile
import urllib.request
import warnings
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from tinytorch.core.tensor import Generator, Tensor, default_generator
from tinytorch.datasets import DatasetFileError, load_digits

__all__ = [
    "Dataset", "TensorDataset", "ArrayDataset", "Subset", "random_split", "default_collate", "DataLoader",
    "ToTensor", "Normalize", "Compose", "Lambda",
    "DigitsDataset", "MNIST", "FashionMNIST", "CIFAR10",
    "parse_idx", "parse_cifar_records", "sha256_hex", "download_url", "PUBLISHED_SHA256", "MIRRORS",
    "DatasetFileError",
]

# %% [markdown]
"""
### Step 1: Dataset and TensorDataset

A **map-style dataset** is anything with `len(ds)` and `ds[i]` for `0 <= i < len(ds)` (negative `i`
counts from the end, as for lists). `Dataset` is the base class that says so. The simplest real one is
`TensorDataset(features, labels)`: sample `i` is the tuple of row `i` of each tensor.

Fetching a batch sample by sample costs one Python call per sample. A dataset that can do better
offers `get_batch(indices)`: it returns the whole batch in one step, exactly as the collate function of
Step 2 would have built it from the samples, or `None` when it cannot (then the loader falls back to
samples). For a `TensorDataset` the batch is one NumPy *fancy index* per tensor: `data[indices]`.

*Given:* `Dataset` and `_as_index`, which turns an index into a Python int in range or raises an error
naming the index and the dataset size.

**Your task:** `TensorDataset.__init__`, `__len__`, `__getitem__` and `get_batch`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-tensordataset", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given --------------------------------------------------------------------------------------------
class Dataset:
    """A map-style dataset: `len(ds)` samples, `ds[i]` the i-th. Subclasses define both."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def get_batch(self, indices):
        """The collated batch for an int64 array of `indices` in one step, or None (then the DataLoader
        fetches the samples one by one and collates them). Datasets override it when they can do better."""
        return None


def _as_index(index, length, who):
    """A Python int in [0, length) from an int-like `index`; negative values count from the end."""
    try:
        i = operator.index(index)
    except TypeError:
        raise TypeError(f"{who} indices must be integers, got {type(index).__name__} {index!r:.60}") from None
    if not -length <= i < length:
        raise IndexError(f"{who} index {i} is out of range for a dataset of {length} samples")
    return i % length


# ---- your part ----------------------------------------------------------------------------------------
class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors: ds[i] == (tensors[0][i], tensors[1][i], ...)."""

    def __init__(self, *tensors):
        """Keep the tensors in `self.tensors` (a tuple of Tensors).

        - At least one tensor is needed (else ValueError).
        - A NumPy array is accepted and wrapped with Tensor(array) (which keeps its dtype, no copy);
          anything that is neither a Tensor nor an ndarray raises TypeError naming its position and type.
        - Every tensor needs at least one dimension, and all must have the same size along dimension 0;
          otherwise raise ValueError naming the shapes, e.g.
          "TensorDataset: tensors differ in their first dimension: shapes (100, 4), (99,)".
        """
        ### BEGIN SOLUTION
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(features, labels)")
        kept = []
        for k, t in enumerate(tensors):
            if isinstance(t, np.ndarray):
                t = Tensor(t)
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {k} is a {type(t).__name__}; pass Tensors or NumPy arrays")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {k} is a 0-d tensor; each tensor needs a first "
                                 "dimension that indexes the samples")
            kept.append(t)
        if len({t.shape[0] for t in kept}) > 1:
            shapes = ", ".join(str(t.shape) for t in kept)
            raise ValueError(f"TensorDataset: tensors differ in their first dimension: shapes {shapes}")
        self.tensors = tuple(kept)
        ### END SOLUTION

    def __len__(self):
        """The number of samples: the size of dimension 0."""
        ### BEGIN SOLUTION
        return self.tensors[0].shape[0]
        ### END SOLUTION

    def __getitem__(self, index):
        """The tuple (t[i] for each tensor t); use _as_index(index, len(self), "TensorDataset") first."""
        ### BEGIN SOLUTION
        i = _as_index(index, len(self), "TensorDataset")
        return tuple(t[i] for t in self.tensors)
        ### END SOLUTION

    def get_batch(self, indices):
        """The batch for an int64 array `indices`, in ONE fancy index per tensor, as a LIST of Tensors
        (a list, because that is what default_collate makes of a batch of tuples, as in PyTorch).

        HINT: `t.data[indices]` on the NumPy array; wrap the result with Tensor(...).
        """
        ### BEGIN SOLUTION
        return [Tensor(t.data[indices]) for t in self.tensors]
        ### END SOLUTION


# %% [markdown]
"""
### Testing TensorDataset

Length, indexing (negative too), the one-step batch, and the errors for mismatched or wrong inputs.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-tensordataset-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_tensor_dataset():
    features = Tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    labels = Tensor(np.array([0, 1, 0, 1, 1, 0]))
    ds = TensorDataset(features, labels)
    assert len(ds) == 6
    x, y = ds[2]
    assert x.tolist() == [4.0, 5.0] and y.item() == 0 and y.shape == ()
    assert ds[-1][0].tolist() == [10.0, 11.0], "negative indices count from the end"
    assert ds[np.int64(1)][1].item() == 1, "NumPy integers are valid indices"
    batch = ds.get_batch(np.array([5, 0, 3]))
    assert isinstance(batch, list) and len(batch) == 2
    assert batch[0].tolist() == [[10.0, 11.0], [0.0, 1.0], [6.0, 7.0]] and batch[1].tolist() == [0, 0, 1]
    assert batch[0].dtype == np.float32 and batch[1].dtype == np.int64, "dtypes are kept"
    assert len(TensorDataset(np.zeros((3, 2)))) == 3, "NumPy arrays are accepted"

    for bad_call, kind, text in [(lambda: ds[6], IndexError, "6"),
                                 (lambda: ds[1.5], TypeError, "integers"),
                                 (lambda: TensorDataset(features, Tensor(np.zeros(5))), ValueError, "(5,)"),
                                 (lambda: TensorDataset([1, 2, 3]), TypeError, "list"),
                                 (lambda: TensorDataset(), ValueError, "at least one")]:
        try:
            bad_call()
            raise AssertionError(f"expected {kind.__name__}")
        except kind as exc:
            assert text in str(exc), f"the message should mention {text!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    assert ds[-6][0].tolist() == [0.0, 1.0]
    try:
        ds[-7]
        raise AssertionError("ds[-7] on 6 samples must raise IndexError")
    except IndexError:
        pass
    try:
        TensorDataset(Tensor(3.0))
        raise AssertionError("a 0-d tensor must be refused")
    except ValueError:
        pass
    one = TensorDataset(features)
    assert len(one[0]) == 1 and one.get_batch(np.array([1]))[0].shape == (1, 2)
    ### END HIDDEN TESTS
    print("✅ TensorDataset indexes rows and fetches a batch in one step")


test_unit_tensor_dataset()

# %% [markdown]
"""
### Step 2: Collating samples into a batch

The loader fetches `B` samples and must turn them into one batch. `default_collate(samples)` follows
PyTorch's rules, applied by the *type of the samples*:

| each sample is | the batch is |
|---|---|
| a `Tensor` or a numeric NumPy array of shape `S` | a `Tensor` of shape `(B, *S)` (`np.stack`), dtype kept |
| a NumPy scalar (`np.float32(1.5)`) | a 1-D `Tensor` of that dtype |
| a Python `int` / `float` / `bool` | a 1-D `Tensor` of `int64` / `float64` / `bool` (PyTorch's choice) |
| a `str` or `bytes` | the list of them, unchanged |
| a `dict` | a dict with the same keys, each value collated |
| a namedtuple | the same namedtuple type, each field collated |
| a tuple or list | a **list**, position `j` = the collated `j`-th elements (PyTorch returns a list) |

So a batch of `(image, label)` tuples becomes `[images, labels]`, and `for x, y in loader` works. The
rule recurses into the containers (a dict of tuples, ...). All samples of a batch must be of the same
kind and, for arrays, the same shape: otherwise raise an error that says which sample differs and
where. Nesting is shallow (a few levels), so recursion is the natural tool here.

*Given:* `_kind(x)`, which names the row of the table a value belongs to, and `_stack(arrays, where)`,
which stacks arrays or raises a message naming the first sample whose shape differs.

**Your task:** `_collate(samples, where)`; `default_collate(batch)` calls it with `where="batch"`.
Extend `where` as you recurse (`f"{where}[{j}]"`, `f"{where}[{key!r}]"`) so errors say where they are.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-collate", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given --------------------------------------------------------------------------------------------
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


def default_collate(batch):
    """Turn a list of samples into a batch (see the table above), like torch.utils.data.default_collate."""
    if not isinstance(batch, Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate expects a list of samples, got {type(batch).__name__}")
    return _collate(list(batch), "batch")


# ---- your part ----------------------------------------------------------------------------------------
def _collate(samples, where):
    """Collate the list `samples` (all of one kind) following the table; `where` names them in errors.

    1. An empty list: ValueError ("... empty batch ...").
    2. kind = _kind(samples[0]). If some sample has another _kind, raise TypeError naming both kinds and
       the sample's position, e.g. "default_collate: batch[1]: sample 0 is a int but sample 3 is a str".
    3. Per kind:
       - "tensor": Tensor(_stack([s.data for s in samples], where))
       - "ndarray": refuse non-numeric dtypes (dtype.kind not in "biuf") with TypeError; else like tensors
       - "numpy scalar": Tensor(np.array(samples))
       - "bool" / "int" / "float": Tensor(np.array(samples, dtype=np.bool_ / np.int64 / np.float64))
       - "str": list(samples)
       - "dict": every sample must have the same keys (else ValueError naming the keys);
                 {key: _collate([s[key] for s in samples], f"{where}[{key!r}]") for key in samples[0]}
       - "namedtuple": type(samples[0])(*[collated field j for each j])
       - "sequence": every sample must have the same length (else ValueError naming the lengths);
                 [ _collate([s[j] for s in samples], f"{where}[{j}]") for each position j ]
       - None: TypeError saying what default_collate handles and suggesting a custom collate_fn.
    """
    ### BEGIN SOLUTION
    if not samples:
        raise ValueError(f"default_collate: {where}: cannot collate an empty batch")
    kind = _kind(samples[0])
    for k, s in enumerate(samples):
        other = _kind(s)
        if other != kind:
            raise TypeError(f"default_collate: {where}: sample 0 is a {kind or type(samples[0]).__name__} but "
                            f"sample {k} is a {other or type(s).__name__}; all samples must have the same structure")
    if kind == "tensor":
        return Tensor(_stack([s.data for s in samples], where))
    if kind == "ndarray":
        if samples[0].dtype.kind not in "biuf":
            raise TypeError(f"default_collate: {where}: arrays of dtype {samples[0].dtype} cannot become a Tensor")
        return Tensor(_stack(samples, where))
    if kind == "numpy scalar":
        return Tensor(np.array(samples))
    if kind in ("bool", "int", "float"):
        dtype = {"bool": np.bool_, "int": np.int64, "float": np.float64}[kind]
        return Tensor(np.array(samples, dtype=dtype))
    if kind == "str":
        return list(samples)
    if kind == "dict":
        keys = list(samples[0].keys())
        for k, s in enumerate(samples):
            if set(s.keys()) != set(keys):
                raise ValueError(f"default_collate: {where}: sample 0 has keys {sorted(map(str, keys))} but sample "
                                 f"{k} has keys {sorted(map(str, s.keys()))}")
        return {key: _collate([s[key] for s in samples], f"{where}[{key!r}]") for key in keys}
    if kind in ("namedtuple", "sequence"):
        size = len(samples[0])
        for k, s in enumerate(samples):
            if len(s) != size:
                raise ValueError(f"default_collate: {where}: sample 0 has {size} elements but sample {k} has "
                                 f"{len(s)}; every sample must have the same number of elements")
        columns = [_collate([s[j] for s in samples], f"{where}[{j}]") for j in range(size)]
        return type(samples[0])(*columns) if kind == "namedtuple" else columns
    raise TypeError(f"default_collate: {where}: cannot collate a {type(samples[0]).__name__}; it handles Tensors, "
                    "NumPy arrays, numbers, strings, and tuples/lists/dicts of those (pass your own collate_fn)")
    ### END SOLUTION


# %% [markdown]
"""
### Testing default_collate

Every row of the table, nested containers, and the errors for ragged or mixed batches.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-collate-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_default_collate():
    from collections import namedtuple

    images = [Tensor(np.full((2, 3), k, dtype=np.float32)) for k in range(4)]
    batch = default_collate([(img, k) for k, img in enumerate(images)])
    assert isinstance(batch, list) and len(batch) == 2, "a batch of tuples becomes a list, as in PyTorch"
    assert batch[0].shape == (4, 2, 3) and batch[0].dtype == np.float32
    assert batch[1].tolist() == [0, 1, 2, 3] and batch[1].dtype == np.int64, "Python ints become int64"
    assert default_collate([0.5, 1.5]).dtype == np.float64, "Python floats become float64, as in PyTorch"
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32, "NumPy scalars keep their dtype"
    assert default_collate([np.zeros(3, np.uint8), np.ones(3, np.uint8)]).dtype == np.uint8
    assert default_collate(["a", "b"]) == ["a", "b"]

    dicts = default_collate([{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 2}])
    assert set(dicts) == {"x", "y"} and dicts["x"].shape == (2, 2) and dicts["y"].tolist() == [1, 2]
    Pair = namedtuple("Pair", "image label")
    pairs = default_collate([Pair(np.zeros(2), 0), Pair(np.ones(2), 1)])
    assert isinstance(pairs, Pair) and pairs.image.shape == (2, 2) and pairs.label.tolist() == [0, 1]
    nested = default_collate([(np.zeros(2), {"a": 1}), (np.ones(2), {"a": 2})])
    assert nested[1]["a"].tolist() == [1, 2]

    bad = [([np.zeros(3), np.zeros(4)], ValueError, "sample 1 has shape (4,)"),
           ([(1, 2), (3,)], ValueError, "elements"),
           ([1, "a"], TypeError, "sample 1"),
           ([{"a": 1}, {"b": 1}], ValueError, "keys"),
           ([None, None], TypeError, "collate_fn"),
           ([], ValueError, "empty")]
    for samples, kind, text in bad:
        try:
            default_collate(samples)
            raise AssertionError(f"collating {samples!r:.40} must raise {kind.__name__}")
        except kind as exc:
            assert text in str(exc), f"the message should contain {text!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    try:
        default_collate([(np.zeros(2), np.zeros(3)), (np.zeros(2), np.zeros(5))])
        raise AssertionError("ragged second field must raise")
    except ValueError as exc:
        assert "batch[1]" in str(exc), f"the error should name where: {exc}"
    assert default_collate([[1, 2], [3, 4]])[1].tolist() == [2, 4], "lists are transposed like tuples"
    assert default_collate([Tensor(np.int32(3)), Tensor(np.int32(4))]).dtype == np.int32
    try:
        default_collate([np.array(["a"]), np.array(["b"])])
        raise AssertionError("string arrays must raise TypeError")
    except TypeError:
        pass
    ### END HIDDEN TESTS
    print("✅ default_collate stacks, converts and recurses like PyTorch's")


test_unit_default_collate()

# %% [markdown]
"""
### Step 3: The DataLoader

`DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None, generator=None)`
has PyTorch's arguments and meaning:

- `len(loader)` is the number of batches per epoch: `ceil(n / B)`, or `n // B` with `drop_last=True`.
- Each `iter(loader)` is one epoch. It draws the epoch's order *once*, at the start: `0 .. n-1` in order,
  or with `shuffle=True` a permutation drawn from `generator` (a `tinytorch.Generator`), or from the
  default generator when none is given, so `tinytorch.manual_seed(s)` makes runs repeat. The
  generator's state advances, so the next epoch has another order.
- The order is cut into consecutive slices of `B` indices; the last slice may be shorter, and is
  dropped with `drop_last=True`.
- *Given:* `_fetch(indices)` turns one slice of indices into a batch. With the default collate it
  first asks the dataset for `get_batch(indices)` (the one-step path); when that gives `None`, or when
  you passed your own `collate_fn`, it fetches the samples one by one and collates them.

**Your task:** `__len__`, `_epoch_order` and `__iter__`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-loader", "locked": false, "schema_version": 3, "solution": true}}
#| export
class DataLoader:
    """Iterate over a dataset in mini-batches, like torch.utils.data.DataLoader (single process)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None, generator=None):
        """Given: check and store the arguments."""
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader needs a map-style dataset (with __len__ and __getitem__), got "
                            f"{type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a tinytorch Generator (e.g. Generator(0)), got "
                            f"{type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator

    def _fetch(self, indices):
        """Given: the batch for one slice of indices (an int64 array)."""
        if self.collate_fn is None:
            get_batch = getattr(self.dataset, "get_batch", None)
            batch = get_batch(indices) if callable(get_batch) else None
            if batch is not None:
                return batch
            return default_collate([self.dataset[i] for i in indices.tolist()])
        return self.collate_fn([self.dataset[i] for i in indices.tolist()])

    def __len__(self):
        """The number of batches in one epoch: ceil(n / B), or n // B when drop_last is true."""
        ### BEGIN SOLUTION
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        ### END SOLUTION

    def _epoch_order(self):
        """This epoch's order of sample indices, an int64 array of length n.

        Without shuffle: 0 .. n-1. With shuffle: a permutation drawn from self.generator, or from
        default_generator if it is None. A Generator's NumPy generator is its `.rng` attribute.
        """
        ### BEGIN SOLUTION
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = (self.generator or default_generator).rng
        return rng.permutation(n).astype(np.int64)
        ### END SOLUTION

    def __iter__(self):
        """One epoch: draw the order NOW (call self._epoch_order() before returning), then return an
        iterator (a generator expression is fine) over self._fetch(slice) for consecutive slices of
        self.batch_size indices, leaving out a short last slice when self.drop_last is true.
        """
        ### BEGIN SOLUTION
        order = self._epoch_order()
        size = self.batch_size
        stop = len(self) * size if self.drop_last else len(order)
        return (self._fetch(order[start:start + size]) for start in range(0, stop, size))
        ### END SOLUTION

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


# %% [markdown]
"""
### Testing the DataLoader

Batch counts and sizes when `B` does not divide `n`, every sample exactly once per shuffled epoch,
repeatable orders from a seed and different orders across epochs, and agreement between the one-step
path and the sample-by-sample path.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-loader-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_dataloader():
    from tinytorch.core.tensor import manual_seed

    n = 10
    ds = TensorDataset(Tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2)), Tensor(np.arange(n)))
    for batch_size, drop_last, sizes in [(3, False, [3, 3, 3, 1]), (3, True, [3, 3, 3]), (5, False, [5, 5]),
                                         (10, True, [10]), (12, False, [10]), (12, True, [])]:
        loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
        got = [len(y) for x, y in loader]
        assert got == sizes, f"n={n}, batch_size={batch_size}, drop_last={drop_last}: sizes {got}, expected {sizes}"
        assert len(loader) == len(sizes), f"len(loader) should be {len(sizes)}, got {len(loader)}"
    in_order = np.concatenate([y.data for _, y in DataLoader(ds, batch_size=4)])
    assert in_order.tolist() == list(range(n)), "without shuffle the samples come in order"

    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=Generator(0))
    epoch1 = np.concatenate([y.data for _, y in loader])
    epoch2 = np.concatenate([y.data for _, y in loader])
    assert sorted(epoch1.tolist()) == list(range(n)), "a shuffled epoch sees every sample exactly once"
    assert sorted(epoch2.tolist()) == list(range(n))
    assert epoch1.tolist() != epoch2.tolist(), "each epoch draws a new order"
    again = DataLoader(ds, batch_size=3, shuffle=True, generator=Generator(0))
    assert np.concatenate([y.data for _, y in again]).tolist() == epoch1.tolist(), "the same seed repeats"
    manual_seed(5)
    first = np.concatenate([y.data for _, y in DataLoader(ds, batch_size=4, shuffle=True)])
    manual_seed(5)
    second = np.concatenate([y.data for _, y in DataLoader(ds, batch_size=4, shuffle=True)])
    assert first.tolist() == second.tolist(), "without a generator, manual_seed makes the order repeat"

    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(1)))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(1), collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert np.array_equal(fx.data, sx.data) and np.array_equal(fy.data, sy.data), "both paths must agree"
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
    pairs = list(DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples)))
    assert pairs == [4, 4, 2], "a custom collate_fn receives the list of samples"

    for kwargs, kind in [({"batch_size": 0}, ValueError), ({"batch_size": 2.5}, ValueError),
                         ({"generator": 3}, TypeError), ({"collate_fn": "stack"}, TypeError)]:
        try:
            DataLoader(ds, **kwargs)
            raise AssertionError(f"DataLoader(ds, {kwargs}) must raise {kind.__name__}")
        except kind:
            pass
    ### BEGIN HIDDEN TESTS
    empty = DataLoader(TensorDataset(np.zeros((0, 2))), batch_size=3)
    assert len(empty) == 0 and list(empty) == []
    it1 = iter(DataLoader(ds, batch_size=2, shuffle=True, generator=Generator(3)))
    ref = DataLoader(ds, batch_size=2, shuffle=True, generator=Generator(3))
    assert [y.tolist() for _, y in it1] == [y.tolist() for _, y in ref]
    dropped = np.concatenate([y.data for _, y in DataLoader(ds, batch_size=4, shuffle=True, drop_last=True,
                                                             generator=Generator(2))])
    assert len(dropped) == 8 and len(set(dropped.tolist())) == 8, "drop_last skips n % B samples, no repeats"
    ### END HIDDEN TESTS
    print("✅ DataLoader: right batch counts, each sample once per epoch, repeatable shuffles")


test_unit_dataloader()

# %% [markdown]
"""
### Step 4: Train/validation split

`random_split(dataset, lengths, generator=None)` shuffles the indices `0 .. n-1` once and cuts them
into consecutive pieces, returning one `Subset` per piece: a view of the dataset through a list of
indices, with no data copied. Like PyTorch, `lengths` is either

- **counts** (ints) that must add up to `n` exactly, e.g. `[1437, 360]`, or
- **fractions** in `[0, 1]` that add up to 1 (within floating-point rounding), e.g. `[0.8, 0.2]`:
  each piece gets `floor(n * fraction)` samples, and the `r` samples left over are handed out one by
  one to pieces `0, 1, ..., r-1` (wrapping around), so that the counts add up to `n`.

A `Subset` of a dataset with a one-step `get_batch` keeps that fast path: it maps the batch's indices
through its own index list and asks the underlying dataset.

*Given:* `Subset` and `random_split`. **Your task:** `_split_lengths(n, lengths)`, which turns
`lengths` into counts (or raises a ValueError that says what is wrong with them).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-split", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given --------------------------------------------------------------------------------------------
class Subset(Dataset):
    """The samples of `dataset` at `indices` (a view: nothing is copied), like torch.utils.data.Subset."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [operator.index(i) for i in indices]
        self._index_array = np.asarray(self.indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[_as_index(index, len(self.indices), "Subset")]]

    def get_batch(self, indices):
        get_batch = getattr(self.dataset, "get_batch", None)
        return get_batch(self._index_array[indices]) if callable(get_batch) else None


def random_split(dataset, lengths, generator=None):
    """Randomly split `dataset` into non-overlapping Subsets of the given lengths (counts or fractions)."""
    counts = _split_lengths(len(dataset), lengths)
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tinytorch Generator, got {type(generator).__name__}")
    order = (generator or default_generator).rng.permutation(len(dataset)).tolist()
    pieces, start = [], 0
    for count in counts:
        pieces.append(Subset(dataset, order[start:start + count]))
        start += count
    return pieces


# ---- your part ----------------------------------------------------------------------------------------
def _split_lengths(n, lengths):
    """The list of counts for splitting n samples by `lengths` (see the rules above).

    - An empty `lengths`: ValueError.
    - All ints (bool is not an int here): each must be >= 0 and they must sum to n, else ValueError,
      e.g. "random_split: lengths [10, 5] sum to 15, but the dataset has 12 samples".
    - Otherwise every entry must be a real number in [0, 1] (ValueError naming the bad one), and the sum
      must be 1 (math.isclose(total, 1.0)), else ValueError naming the sum.
      Counts: floor(n * fraction) each, then add 1 to pieces 0, 1, ... (wrapping) for the remainder.
      If a piece ends up empty, warnings.warn(...) that it is empty (PyTorch warns too).
    """
    ### BEGIN SOLUTION
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty; give counts such as [800, 200] or fractions such as [0.8, 0.2]")
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in lengths):
        counts = [int(x) for x in lengths]
        if any(c < 0 for c in counts):
            raise ValueError(f"random_split: lengths {counts} contain a negative count")
        if sum(counts) != n:
            raise ValueError(f"random_split: lengths {counts} sum to {sum(counts)}, but the dataset has {n} samples")
        return counts
    for k, x in enumerate(lengths):
        if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0.0 <= float(x) <= 1.0:
            raise ValueError(f"random_split: lengths[{k}] = {x!r}: fractions must be numbers between 0 and 1 "
                             "(or give every length as an int count)")
    total = math.fsum(float(x) for x in lengths)
    if not math.isclose(total, 1.0):
        raise ValueError(f"random_split: the fractions {lengths} sum to {total:g}, not 1")
    counts = [int(math.floor(n * float(x))) for x in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for k, c in enumerate(counts):
        if c == 0:
            warnings.warn(f"random_split: piece {k} of the split is empty ({lengths[k]!r} of {n} samples)")
    return counts
    ### END SOLUTION


# %% [markdown]
"""
### Testing random_split

Counts and fractions (with a remainder to distribute), pieces that are disjoint and together cover the
dataset, a repeatable split from a seed, and the fast path through a `Subset`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-split-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_random_split():
    assert _split_lengths(10, [7, 3]) == [7, 3]
    assert _split_lengths(10, [0.8, 0.2]) == [8, 2]
    assert _split_lengths(11, [0.5, 0.5]) == [6, 5], "floor(5.5) each, the 1 left over goes to piece 0"
    assert _split_lengths(10, [1 / 3, 1 / 3, 1 / 3]) == [4, 3, 3]
    for lengths, text in [([6, 3], "sum to 9"), ([0.5, 0.4], "sum to 0.9"), ([1.5, -0.5], "between 0 and 1"),
                          ([], "empty"), ([11, -1], "negative")]:
        try:
            _split_lengths(10, lengths)
            raise AssertionError(f"lengths {lengths} must raise ValueError")
        except ValueError as exc:
            assert text in str(exc), f"the message should contain {text!r}: {exc}"

    ds = TensorDataset(Tensor(np.arange(50)))
    train, val = random_split(ds, [0.8, 0.2], generator=Generator(0))
    assert (len(train), len(val)) == (40, 10)
    seen_train = {ds[i][0].item() for i in train.indices}
    seen_val = {val[k][0].item() for k in range(len(val))}
    assert not seen_train & seen_val, "the pieces must not overlap"
    assert seen_train | seen_val == set(range(50)), "together the pieces cover the dataset"
    again, _ = random_split(ds, [40, 10], generator=Generator(0))
    assert again.indices == train.indices, "the same seed gives the same split (counts or fractions alike)"
    batch = train.get_batch(np.array([0, 1, 2]))
    assert batch[0].tolist() == [train[0][0].item(), train[1][0].item(), train[2][0].item()]
    ### BEGIN HIDDEN TESTS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _split_lengths(3, [0.5, 0.25, 0.25]) == [2, 1, 0]
    assert any("empty" in str(w.message) for w in caught), "an empty piece must be warned about"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert _split_lengths(0, [1.0]) == [0]
    try:
        _split_lengths(4, [True, 3])
        raise AssertionError("bools are not counts")
    except ValueError:
        pass
    other, _ = random_split(ds, [40, 10], generator=Generator(1))
    assert other.indices != train.indices
    assert train[-1][0].item() == ds[train.indices[-1]][0].item()
    ### END HIDDEN TESTS
    print("✅ random_split: disjoint, complete, repeatable; counts or fractions as in PyTorch")


test_unit_random_split()

# %% [markdown]
"""
### Step 5: Transforms

A **transform** is a function applied to each sample when it is fetched (`dataset[i]`), given to a
dataset as `transform=` (for the input) or `target_transform=` (for the label). Three are enough to
prepare images:

- `ToTensor()`: an image array becomes a `float32` Tensor with a channel dimension first. A `uint8`
  array (pixels 0-255) is divided by 255, so values lie in `[0, 1]`; other numeric dtypes are converted
  to `float32` unchanged. A 2-D `(H, W)` image gets a channel dimension, `(1, H, W)`; a 3-D array is
  taken as already `(C, H, W)` (channels first: the layout of every dataset in this module, which is why,
  unlike torchvision's `ToTensor`, ours never transposes).
- `Normalize(mean, std)`: `(x[c] - mean[c]) / std[c]` for each channel `c` of a float `(C, ...)` Tensor;
  `mean` and `std` are numbers (the same for all channels) or one value per channel. A `std` of 0 would
  divide by zero and is refused when the transform is made.
- `Compose([t1, t2, ...])`: apply the transforms in order.

*Given:* `Compose` and `Lambda(fn)` (wraps any function as a transform).
**Your task:** `ToTensor.__call__`, `Normalize.__init__` and `Normalize.__call__`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-transforms", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given --------------------------------------------------------------------------------------------
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
        return x.data
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"{who} expects an image as a NumPy array or a Tensor, got {type(x).__name__}")


# ---- your part ----------------------------------------------------------------------------------------
class ToTensor:
    """Image array (H, W) or (C, H, W) -> float32 Tensor (C, H, W); uint8 pixels are scaled to [0, 1]."""

    def __call__(self, image):
        """- arr = _image_array(image, "ToTensor")
        - ndim 2: add a leading channel dimension; ndim 3: keep; any other ndim: ValueError naming the shape.
        - dtype uint8: arr.astype(np.float32) / np.float32(255); other numeric dtypes: arr.astype(np.float32).
          Non-numeric dtypes (dtype.kind not in "biuf"): TypeError.
        - return Tensor(result)
        """
        ### BEGIN SOLUTION
        arr = _image_array(image, "ToTensor")
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim != 3:
            raise ValueError(f"ToTensor expects an image of shape (H, W) or (C, H, W), got shape {arr.shape}")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"ToTensor cannot convert an array of dtype {arr.dtype} to numbers")
        if arr.dtype == np.uint8:
            return Tensor(arr.astype(np.float32) / np.float32(255))
        return Tensor(arr.astype(np.float32))
        ### END SOLUTION

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x[c] - mean[c]) / std[c] for each channel c of a float Tensor of shape (C, ...)."""

    def __init__(self, mean, std):
        """Store self.mean and self.std as 1-D float64 NumPy arrays (np.atleast_1d(np.asarray(..., float64))).

        - mean and std must be 1-D after that and have the same length (or one of them length 1),
          else ValueError naming both.
        - any std == 0: ValueError ("... std ... 0 ... would divide by zero").
        """
        ### BEGIN SOLUTION
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1:
            raise ValueError(f"Normalize: mean and std must be numbers or 1-D sequences, got {mean!r} and {std!r}")
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std {self.std.tolist()} contains 0, which would divide by zero")
        ### END SOLUTION

    def __call__(self, x):
        """Normalise the float Tensor (or ndarray) x of shape (C, ...); return a new Tensor of x's dtype.

        - a non-float x (e.g. uint8): TypeError that suggests ToTensor() first.
        - x.ndim == 0, or per-channel statistics (length > 1) whose length differs from C = x.shape[0]:
          ValueError naming the shape and the number of values.
        - reshape mean and std to (len, 1, 1, ...) (one 1 per remaining dimension of x), cast them to x's
          dtype so float32 stays float32, and compute (x - mean) / std.
        """
        ### BEGIN SOLUTION
        arr = _image_array(x, "Normalize")
        if arr.dtype.kind != "f":
            raise TypeError(f"Normalize needs a float tensor, got dtype {arr.dtype}: put ToTensor() before "
                            "Normalize(...) in Compose")
        if arr.ndim == 0:
            raise ValueError("Normalize needs a tensor with a channel dimension, got a 0-d tensor")
        channels = max(len(self.mean), len(self.std))
        if channels > 1 and channels != arr.shape[0]:
            raise ValueError(f"Normalize: {channels} mean/std values but the tensor has {arr.shape[0]} "
                             f"channel(s) (shape {arr.shape}; channels come first)")
        shape = (-1,) + (1,) * (arr.ndim - 1)
        mean = self.mean.astype(arr.dtype).reshape(shape)
        std = self.std.astype(arr.dtype).reshape(shape)
        return Tensor((arr - mean) / std)
        ### END SOLUTION

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


# %% [markdown]
"""
### Testing the transforms

Values and dtypes after `ToTensor` and `Normalize`, their composition, and the errors for a uint8 input
to `Normalize`, a channel mismatch and a zero `std`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-transforms-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_transforms():
    gray = np.array([[0, 51], [204, 255]], dtype=np.uint8)
    t = ToTensor()(gray)
    assert t.shape == (1, 2, 2) and t.dtype == np.float32
    assert np.allclose(t.data, [[[0.0, 0.2], [0.8, 1.0]]]), "uint8 pixels are divided by 255"
    rgb = np.full((3, 2, 2), 0.25, dtype=np.float64)
    assert ToTensor()(rgb).dtype == np.float32 and np.allclose(ToTensor()(rgb).data, 0.25), "floats are not scaled"

    norm = Normalize(mean=[0.5, 0.25, 0.0], std=[0.5, 0.25, 2.0])
    out = norm(ToTensor()(rgb))
    assert out.shape == (3, 2, 2) and out.dtype == np.float32, "Normalize keeps float32"
    assert np.allclose(out.data[0], -0.5) and np.allclose(out.data[1], 0.0) and np.allclose(out.data[2], 0.125)
    pipeline = Compose([ToTensor(), Normalize(0.5, 0.5)])
    assert np.allclose(pipeline(gray).data, [[[-1.0, -0.6], [0.6, 1.0]]]), "Compose applies in order"
    assert Lambda(lambda x: x * 2)(3) == 6

    for call, kind, text in [(lambda: Normalize(0.5, 0.5)(Tensor(gray)), TypeError, "ToTensor"),
                             (lambda: norm(ToTensor()(gray)), ValueError, "1 channel"),
                             (lambda: Normalize([0.1, 0.2], [1.0, 0.0]), ValueError, "zero"),
                             (lambda: ToTensor()(np.zeros((2, 2, 2, 2))), ValueError, "(2, 2, 2, 2)"),
                             (lambda: Compose([ToTensor]), TypeError, "ToTensor()")]:
        try:
            call()
            raise AssertionError(f"expected {kind.__name__}")
        except kind as exc:
            assert text in str(exc), f"the message should contain {text!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    x64 = Tensor(np.ones((2, 3), dtype=np.float64))
    assert Normalize([1.0, 0.0], [1.0, 2.0])(x64).dtype == np.float64
    assert np.allclose(Normalize([1.0, 0.0], [1.0, 2.0])(x64).data, [[0, 0, 0], [0.5, 0.5, 0.5]])
    src = np.full((1, 2, 2), 3.0, dtype=np.float32)
    Normalize(1.0, 2.0)(src)
    assert np.all(src == 3.0), "Normalize must not change its input in place"
    try:
        Normalize([0.1, 0.2], [1.0, 1.0, 1.0])
        raise AssertionError("mean and std of different lengths must raise")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print("✅ ToTensor, Normalize and Compose prepare images as torchvision's do (channels first)")


test_unit_transforms()

# %% [markdown]
"""
## Part 3: Real data files

### Step 6: Reading IDX and CIFAR-10 binary files, safely

Datasets arrive as files that someone else made, downloaded over a network that can cut out half way.
Earlier courses loaded MNIST and CIFAR without checking them, and loaded CIFAR from its *pickled*
Python version, where loading a file can run arbitrary code. The rules here:

1. **Check the bytes before using them.** A file's sha256 digest is compared with a known value before
   anything is parsed. `PUBLISHED_SHA256` lists the digests that have been published for the original
   files. Where no digest is published, you pass your own (`checksums={"file name": "sha256"}`), or
   opt out with `verify=False`, which warns every time.
2. **Parse formats, never code.** Both formats below are plain bytes with a documented layout.
3. **Refuse damage with a precise message** naming the file and what is wrong, and create no dataset
   object from a half-read file.

**The IDX format** (MNIST and Fashion-MNIST). All integers are big-endian (most significant byte first).

| bytes | content |
|---|---|
| 0-1 | always `0x00 0x00` |
| 2 | type code: `0x08` unsigned byte, `0x09` signed byte, `0x0B` int16, `0x0C` int32, `0x0D` float32, `0x0E` float64 |
| 3 | number of dimensions `d` (images: 3, labels: 1) |
| 4 .. 4+4d | the size of each dimension, one 4-byte integer each |
| then | the values, last dimension fastest (C order) |

So the first four bytes of an MNIST image file read as the *magic number* `0x00000803`, and of a label
file as `0x00000801`. The files are usually distributed gzipped (`.gz`): gzip data starts with the
bytes `0x1f 0x8b`, and its last eight bytes hold a CRC-32 checksum and the length of the content, which
Python's `gzip` module checks while decompressing.

**The CIFAR-10 binary format** (`data_batch_1.bin` ... `data_batch_5.bin`, `test_batch.bin`): a plain
sequence of 3073-byte records, nothing else. Each record is one label byte (0-9), then 3072 pixel
bytes: 1024 red, then 1024 green, then 1024 blue values, each a 32 x 32 image row by row. So a record
reshapes directly to `(3, 32, 32)`: channels first.

*Given:* the checksum table and policy, `sha256_hex`, `_read_verified(path, expected)` and `_gunzip`.
**Your task:** `parse_idx(data, name)` and `parse_cifar_records(data, name)`; each raises
`DatasetFileError` with a message that starts with `name` and says what is wrong.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-file-formats", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given: integrity checks --------------------------------------------------------------------------
# sha256 digests published for the original files, per data set and file name. The four MNIST
# values are the ones that accompany the gzipped files on their mirrors and in many loaders; they were
# NOT re-computed here (no network). For Fashion-MNIST and CIFAR-10 only MD5 sums (of the .gz files and
# of the cifar-10-binary.tar.gz archive) are published, so there is no sha256 to check against: pass
# checksums={...} with values you trust, or verify=False.
PUBLISHED_SHA256 = {
    "MNIST": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "FashionMNIST": {},
    "CIFAR10": {},
}


def sha256_hex(data):
    """The sha256 digest of `data` (bytes) as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def _expected_sha256(dataset, path, checksums, verify):
    """The digest the file at `path` must have: checksums[name], else PUBLISHED_SHA256; None if verify is off."""
    filename = Path(path).name
    if not verify:
        return None
    if checksums and filename in checksums:
        expected = str(checksums[filename]).strip().lower()
        if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
            raise ValueError(f"checksums[{filename!r}] = {checksums[filename]!r} is not a sha256 digest "
                             "(64 hexadecimal characters)")
        return expected
    published = PUBLISHED_SHA256.get(dataset, {}).get(filename)
    if published:
        return published
    raise DatasetFileError(
        f"{path}: no published sha256 is known for this {dataset} file, so it cannot be verified. Pass "
        f"checksums={{{filename!r}: '<sha256 from a source you trust>'}}, or verify=False to use it unchecked")


def _read_verified(path, expected):
    """The bytes of `path`, after checking their sha256 against `expected` (skipped when it is None)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DatasetFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if expected is not None:
        digest = sha256_hex(data)
        if digest != expected:
            raise DatasetFileError(f"{path}: sha256 mismatch: the file's sha256 is {digest}, expected {expected}; "
                                   "the file is damaged, truncated or a different file: download it again")
    return data


def _gunzip(data, name):
    """Decompress gzip data (checking its CRC); data that is not gzip is returned as it is."""
    if data[:2] != b"\x1f\x8b":
        if str(name).endswith(".gz"):
            raise DatasetFileError(f"{name}: named .gz but is not gzip data (it starts with {data[:4].hex() or 'nothing'})")
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:        # gzip.BadGzipFile (CRC, header) is an OSError
        raise DatasetFileError(f"{name}: corrupt gzip data ({exc}); the file is damaged: download it again") from None


# ---- your part ----------------------------------------------------------------------------------------
IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
             0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
CIFAR_RECORD = 1 + 3 * 32 * 32          # one label byte + 3072 pixel bytes


def parse_idx(data, name="IDX data"):
    """The array stored in IDX bytes `data` (already decompressed), in native byte order.

    Raise DatasetFileError, the message starting with `name`, when:
    - the data has fewer than 4 bytes ("... too short ...");
    - bytes 0-1 are not zero, the type code is not in IDX_TYPES, or there are 0 dimensions: "bad magic
      number 0x........" (the first 4 bytes as an 8-digit hex number, f"0x{magic:08X}");
    - the header (4 + 4 * d bytes) is incomplete: "truncated header ...";
    - fewer data bytes follow than the dimensions need: "truncated: ..." with both byte counts;
    - more bytes follow: "... unexpected bytes after the data ...".
    HINT: int.from_bytes(data[i:i + 4], "big") reads one big-endian integer; math.prod multiplies sizes;
    np.frombuffer(data, dtype, count=..., offset=...) reads the values without copying, and
    .astype(dtype.newbyteorder("="), copy=False) makes them native (no copy for single bytes).
    """
    ### BEGIN SOLUTION
    if len(data) < 4:
        raise DatasetFileError(f"{name}: {len(data)} bytes is too short for an IDX file (its magic number "
                               "alone is 4 bytes)")
    magic = int.from_bytes(data[:4], "big")
    code, ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or code not in IDX_TYPES or ndim == 0:
        raise DatasetFileError(f"{name}: bad magic number 0x{magic:08X}: an IDX file starts with two zero bytes, "
                               "a type code (0x08 for unsigned bytes) and the number of dimensions (MNIST "
                               "images: 0x00000803, labels: 0x00000801); this is not an IDX file")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFileError(f"{name}: truncated header: {ndim} dimensions need {header} header bytes, the "
                               f"file has {len(data)}")
    dims = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    dtype = IDX_TYPES[code]
    count = math.prod(dims)
    needed, present = count * dtype.itemsize, len(data) - header
    if present < needed:
        raise DatasetFileError(f"{name}: truncated: the header says shape {dims} of {dtype.name}, which is "
                               f"{needed} bytes of data, but only {present} bytes follow the header")
    if present > needed:
        raise DatasetFileError(f"{name}: {present - needed} unexpected bytes after the data: the header says "
                               f"shape {dims} ({needed} bytes), the file holds {present}")
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(dims)
    return values.astype(dtype.newbyteorder("="), copy=False)
    ### END SOLUTION


def parse_cifar_records(data, name="CIFAR-10 data"):
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) from the bytes of one CIFAR-10 binary file.

    Raise DatasetFileError, the message starting with `name`, when:
    - the data is empty ("... empty ...");
    - its length is not a multiple of CIFAR_RECORD: "truncated record: ..." saying how many whole records
      there are and how many bytes are left over;
    - a label byte is above 9: name the record number and the label (CIFAR-10 has classes 0-9).
    HINT: view the bytes as a (N, CIFAR_RECORD) uint8 array; column 0 holds the labels.
    """
    ### BEGIN SOLUTION
    if len(data) == 0:
        raise DatasetFileError(f"{name}: the file is empty; a CIFAR-10 binary file holds {CIFAR_RECORD}-byte records")
    whole, extra = divmod(len(data), CIFAR_RECORD)
    if extra:
        raise DatasetFileError(f"{name}: truncated record: {len(data)} bytes are {whole} whole records of "
                               f"{CIFAR_RECORD} bytes (1 label byte + 3072 pixel bytes) and {extra} bytes more")
    records = np.frombuffer(data, dtype=np.uint8).reshape(whole, CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        k = int(bad[0])
        raise DatasetFileError(f"{name}: record {k} has label {labels[k]}, but CIFAR-10 labels are 0-9; this is "
                               "not a CIFAR-10 binary file")
    images = records[:, 1:].reshape(whole, 3, 32, 32)
    return images, labels
    ### END SOLUTION


# %% [markdown]
"""
### Testing the file parsers

The test builds small files byte by byte in the real layouts (a few images each) and checks that they
parse, then damages them in each way the parsers must catch.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-file-formats-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def idx_bytes(array):
    """IDX encoding of a uint8 array: magic (0, 0, 0x08, ndim), big-endian sizes, then the bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.tobytes()


def cifar_bytes(images, labels):
    """CIFAR-10 binary records: for each image, its label byte then its 3 x 1024 pixel bytes."""
    return b"".join(bytes([int(label)]) + np.asarray(img, np.uint8).tobytes() for img, label in zip(images, labels))


def expect_file_error(call, text):
    try:
        call()
    except DatasetFileError as exc:
        assert text in str(exc), f"the message should contain {text!r}: {exc}"
        return str(exc)
    raise AssertionError(f"expected DatasetFileError mentioning {text!r}")


def test_unit_file_parsers():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images)
    assert raw[:4] == b"\x00\x00\x08\x03" and len(raw) == 16 + 5 * 28 * 28
    parsed = parse_idx(raw, "imgs")
    assert parsed.dtype == np.uint8 and parsed.shape == (5, 28, 28) and np.array_equal(parsed, images)
    assert parse_idx(idx_bytes(np.array([3, 1, 4], np.uint8))).tolist() == [3, 1, 4]
    big_endian = bytes([0, 0, 0x0C, 1]) + (2).to_bytes(4, "big") + np.array([1, 70000], ">i4").tobytes()
    ints = parse_idx(big_endian)
    assert ints.tolist() == [1, 70000] and ints.dtype == np.int32, "int32 values are big-endian in IDX"

    expect_file_error(lambda: parse_idx(b"\x00\x00", "x.idx"), "too short")
    msg = expect_file_error(lambda: parse_idx(b"\x12\x34" + raw[2:], "x.idx"), "bad magic number 0x12340803")
    assert msg.startswith("x.idx"), "the message starts with the file name"
    expect_file_error(lambda: parse_idx(raw[:10], "x.idx"), "truncated header")
    expect_file_error(lambda: parse_idx(raw[:-1], "x.idx"), "truncated")
    expect_file_error(lambda: parse_idx(raw + b"\x00", "x.idx"), "unexpected bytes")

    pics = rng.integers(0, 256, size=(3, 3, 32, 32), dtype=np.uint8)
    blob = cifar_bytes(pics, [7, 0, 9])
    got_images, got_labels = parse_cifar_records(blob, "batch.bin")
    assert got_images.shape == (3, 3, 32, 32) and got_images.dtype == np.uint8
    assert np.array_equal(got_images, pics) and got_labels.tolist() == [7, 0, 9] and got_labels.dtype == np.int64
    assert got_images[1, 2, 0, 0] == blob[CIFAR_RECORD + 1 + 2048], "record 1, blue plane, pixel (0, 0)"
    expect_file_error(lambda: parse_cifar_records(blob[:-5], "batch.bin"), "truncated record")
    expect_file_error(lambda: parse_cifar_records(b"", "batch.bin"), "empty")
    wrong = bytearray(blob)
    wrong[CIFAR_RECORD] = 42
    expect_file_error(lambda: parse_cifar_records(bytes(wrong), "batch.bin"), "record 1 has label 42")
    ### BEGIN HIDDEN TESTS
    expect_file_error(lambda: parse_idx(bytes([0, 0, 0x08, 0]) + b"\x00" * 4, "z"), "bad magic")
    expect_file_error(lambda: parse_idx(bytes([0, 0, 0x07, 1]) + b"\x00" * 4, "z"), "bad magic")
    floats = bytes([0, 0, 0x0D, 1]) + (2).to_bytes(4, "big") + np.array([1.5, -2.0], ">f4").tobytes()
    assert parse_idx(floats).tolist() == [1.5, -2.0] and parse_idx(floats).dtype == np.float32
    assert parse_idx(idx_bytes(np.zeros((0, 2, 2), np.uint8))).shape == (0, 2, 2)
    ### END HIDDEN TESTS
    print("✅ parse_idx and parse_cifar_records read the real layouts and name every kind of damage")


test_unit_file_parsers()

# %% [markdown]
"""
### Step 7: Downloading with a checksum (given)

`download=True` on `MNIST` and `FashionMNIST` fetches missing files from the data set's mirrors. The
download is *given* code, but read it: it is the integrity recipe applied to the network.

- The bytes are written to a temporary `.part` file beside the destination and hashed while they
  arrive; only when the digest matches is the file renamed to its real name (`os.replace` is atomic),
  so an interrupted or wrong download never leaves a file that looks complete.
- A digest must be known *before* downloading (published, or from `checksums=`); with `verify=False` the
  download goes ahead unchecked, with the warning.
- A progress bar shows bytes received (on stderr; `progress=False` turns it off).
- CIFAR-10's binary version is distributed only as one `tar.gz` archive (with an MD5 sum), so it is not
  downloaded here: download and extract it yourself, then point `root` at it.

The test uses `file://` URLs and fake openers: it never touches the network.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-download", "locked": true, "schema_version": 3, "solution": false}}
#| export
MIRRORS = {
    "MNIST": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "FashionMNIST": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}


def _show_progress(name, done, total):
    if total:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r{name}: [{'#' * filled}{' ' * (30 - filled)}] {100 * done / total:5.1f}% "
                         f"of {total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name}: {done / 1e6:.1f} MB")
    sys.stderr.flush()


def download_url(url, dest, sha256=None, progress=True, opener=None, chunk_size=1 << 16):
    """Download `url` to `dest`, checking its sha256 on the way; `dest` appears only if all is well.

    opener(url) must return a file-like response with .read(n) (default: urllib.request.urlopen with a
    60 s timeout; tests pass their own). Any failure raises DatasetFileError naming the URL and leaves
    no file behind.
    """
    dest = Path(dest)
    open_url = opener or (lambda u: urllib.request.urlopen(u, timeout=60))
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest, done, total = hashlib.sha256(), 0, 0
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                response = open_url(url)
            except (OSError, ValueError) as exc:          # urllib's URLError is an OSError
                raise DatasetFileError(f"{url}: download failed ({exc})") from None
            with response:
                headers = getattr(response, "headers", None)
                total = int(headers.get("Content-Length") or 0) if headers is not None else 0
                while True:
                    try:
                        chunk = response.read(chunk_size)
                    except OSError as exc:
                        raise DatasetFileError(f"{url}: download interrupted after {done} bytes ({exc})") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        _show_progress(dest.name, done, total)
        if progress:
            sys.stderr.write("\n")
        if total and done != total:
            raise DatasetFileError(f"{url}: download incomplete: {done} of {total} bytes arrived")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise DatasetFileError(f"{url}: sha256 mismatch: the downloaded bytes have sha256 {digest.hexdigest()}, "
                                   f"expected {sha256}; nothing was saved")
        os.replace(part, dest)
    except BaseException:
        if os.path.exists(part):
            os.unlink(part)
        raise
    return dest


def _download_missing(dataset, checksums, verify):
    """Download the files of `dataset`'s split that are not on disk yet (MNIST and FashionMNIST)."""
    mirrors = getattr(dataset, "mirrors", ())
    if not mirrors:
        raise ValueError(f"{type(dataset).__name__}(download=True) is not offered: download the files yourself")
    dataset.root.mkdir(parents=True, exist_ok=True)
    for base in dataset.files[dataset.train]:
        try:
            _find_file(dataset.root, base, [f"{dataset.name}/raw"], extensions=(".gz", ""))
            continue                                     # already there: it is verified when it is read
        except DatasetFileError:
            pass
        filename = base + ".gz"
        expected = _expected_sha256(dataset.name, dataset.root / filename, checksums, verify)
        failures = []
        for mirror in mirrors:
            try:
                download_url(mirror + filename, dataset.root / filename, expected)
                break
            except DatasetFileError as exc:
                failures.append(str(exc))
        else:
            raise DatasetFileError(f"{filename}: could not be downloaded from any mirror: " + "; ".join(failures))


# %% [markdown]
"""
### Testing the download

A gzipped IDX file served from a `file://` URL arrives intact and verified, and your `parse_idx` reads
it; a wrong digest, a failing connection and a connection that breaks half way each raise an error
naming the URL and leave no file behind.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-download-tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_download():
    import io

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "served.gz", Path(tmp) / "out" / "labels.gz"
        labels = np.arange(1000, dtype=np.uint8) % 10
        payload = gzip.compress(idx_bytes(labels), mtime=0)
        source.write_bytes(payload)
        good = sha256_hex(payload)
        assert download_url(source.as_uri(), target, good, progress=False) == target
        assert target.read_bytes() == payload
        downloaded = parse_idx(_gunzip(_read_verified(target, good), target), str(target))
        assert np.array_equal(downloaded, labels), "the downloaded file parses to what was served"

        target.unlink()
        expect_file_error(lambda: download_url(source.as_uri(), target, "0" * 64, progress=False), "sha256 mismatch")
        assert sorted(p.name for p in target.parent.iterdir()) == [], "a rejected download leaves no file"

        def refused(url):
            raise OSError("connection refused")
        expect_file_error(lambda: download_url("https://example.invalid/x", target, good, opener=refused,
                                               progress=False), "https://example.invalid/x: download failed")

        class Breaks(io.BytesIO):
            def read(self, n=-1):
                if self.tell() >= 1000:
                    raise OSError("connection reset")
                return super().read(min(n, 500))
        expect_file_error(lambda: download_url("https://example.invalid/y", target, good, progress=False,
                                               opener=lambda url: Breaks(bytes(5000))), "interrupted after 1000 bytes")
        assert not target.exists() and list(target.parent.iterdir()) == []
    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "a"
        source.write_bytes(b"abc")
        assert download_url(source.as_uri(), Path(tmp) / "b", None, progress=False).read_bytes() == b"abc"
    ### END HIDDEN TESTS
    print("✅ download_url verifies while streaming and never leaves a half-written file")


test_unit_download()

# %% [markdown]
"""
### Step 8: Image datasets: digits, MNIST, Fashion-MNIST, CIFAR-10

All four hold their images in memory as one NumPy array `data` (uint8 for MNIST and CIFAR: a quarter of
the memory of float32) and their labels as one int64 array `targets`, like torchvision's datasets. They
share the *given* base class `ArrayDataset(data, targets, transform=None, target_transform=None)`:

- `ds[i]` is `(image, label)`: `image` is `data[i]` (an array, channels first) passed through
  `transform`, and `label` a Python int passed through `target_transform`.
- Without transforms, `get_batch` is one fancy index per array (the fast path of Step 1); with a
  transform it returns `None`, because a transform is defined per sample.

The readers follow one recipe: find each file (in `root`, or in torchvision's folder layout
`root/MNIST/raw` or `root/cifar-10-batches-bin`; `.gz` or plain for IDX), read and verify it, parse
it, check that the pieces agree, and only then build the dataset. An exception anywhere before the last
line means no dataset object exists: nothing half-loaded can be used by mistake.

With `download=True` (MNIST and Fashion-MNIST), missing files are first fetched with Step 7's
verified download.

*Given:* `ArrayDataset`, `DigitsDataset` (the 8 x 8 digits shipped with tinytorch), `_find_file`,
`FashionMNIST` and `CIFAR10`. **Your task:** `MNIST._load`, which reads and checks the images and labels
of one split.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-image-datasets", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given --------------------------------------------------------------------------------------------
class ArrayDataset(Dataset):
    """Images (or any samples) in one array `data`, class labels in one int64 array `targets`."""

    def __init__(self, data, targets, transform=None, target_transform=None):
        data, targets = np.asarray(data), np.asarray(targets)
        if targets.ndim != 1 or targets.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__}: targets must be a 1-D array of integer class labels, got "
                            f"dtype {targets.dtype} and shape {targets.shape}")
        if data.ndim == 0 or len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data) if data.ndim else 0} samples but {len(targets)} "
                             "targets")
        for label, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and (isinstance(fn, type) or not callable(fn)):
                raise TypeError(f"{type(self).__name__}: {label} must be a callable such as ToTensor(), got {fn!r}")
        self.data = data
        self.targets = targets.astype(np.int64, copy=False)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        i = _as_index(index, len(self.targets), type(self).__name__)
        image, label = self.data[i], int(self.targets[i])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def get_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return None
        return [Tensor(self.data[indices]), Tensor(self.targets[indices])]

    def __repr__(self):
        extra = f", transform={self.transform!r}" if self.transform is not None else ""
        return f"{type(self).__name__}({len(self)} samples, image shape {self.data.shape[1:]}{extra})"


class DigitsDataset(ArrayDataset):
    """The UCI handwritten digits shipped with tinytorch: float32 images (8, 8) in [0, 1], labels 0-9.

    split: "train", "test" or "all" (the split is fixed inside the verified file).
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, split="train", transform=None, target_transform=None, path=None):
        images, labels = load_digits(split) if path is None else load_digits(split, path=path)
        super().__init__(images, labels, transform, target_transform)


def _find_file(root, filename, subfolders, extensions=("",)):
    """The first existing root/[subfolder/]filename[extension], or a DatasetFileError listing the tries."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetFileError(f"{root}: no such folder (the data set's root directory)")
    tried = []
    for folder in ("", *subfolders):
        for ext in extensions:
            candidate = root / folder / (filename + ext)
            if candidate.is_file():
                return candidate
            tried.append(str(candidate))
    raise DatasetFileError(f"{filename}: not found; looked for " + ", ".join(tried))


def _warn_unverified(name, root):
    warnings.warn(f"{name}(verify=False): the files in {root} are used WITHOUT a sha256 check; a damaged or "
                  "substituted file may go unnoticed", UserWarning, stacklevel=3)


# ---- MNIST: your part is _load ------------------------------------------------------------------------
class MNIST(ArrayDataset):
    """MNIST from the standard IDX files: uint8 images (N, 28, 28), int64 labels (N,).

    MNIST(root, train=True, transform=None, target_transform=None, download=False, checksums=None,
    verify=True) reads train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (or the t10k-* files
    when train is False) from root or root/MNIST/raw. Each file's sha256 is checked first (see
    PUBLISHED_SHA256). download=True fetches missing .gz files from `mirrors` (verified, see Step 7).
    """

    name = "MNIST"
    mirrors = MIRRORS["MNIST"]
    classes = [str(d) for d in range(10)]
    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, checksums=None,
                 verify=True):
        if not verify:
            _warn_unverified(type(self).__name__, root)
        self.root, self.train = Path(root), bool(train)
        if download:
            _download_missing(self, checksums, verify)
        images, labels = self._load(checksums, verify)
        super().__init__(images, labels, transform, target_transform)

    def _read_idx(self, filename, checksums, verify):
        """Given: (path, array) of one IDX file, found, verified, decompressed if gzipped, and parsed."""
        path = _find_file(self.root, filename, [f"{self.name}/raw"], extensions=(".gz", ""))
        expected = _expected_sha256(self.name, path, checksums, verify)
        return path, parse_idx(_gunzip(_read_verified(path, expected), path), str(path))

    def _load(self, checksums, verify):
        """(images, labels) of this split, checked; raise DatasetFileError naming the file otherwise.

        - image_name, label_name = self.files[self.train]; read each with self._read_idx(...).
        - The images must be uint8 with 3 dimensions, the labels uint8 with 1 dimension (otherwise the
          file is not an MNIST image/label file: name it, what was expected and what was found).
        - There must be as many labels as images (name both files and both counts).
        - Every label must be < len(self.classes) (name the file and the bad value).
        Return (images, labels.astype(np.int64)).
        """
        ### BEGIN SOLUTION
        image_name, label_name = self.files[self.train]
        image_path, images = self._read_idx(image_name, checksums, verify)
        label_path, labels = self._read_idx(label_name, checksums, verify)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise DatasetFileError(f"{image_path}: expected uint8 images with 3 dimensions (count, rows, columns; "
                                   f"magic 0x00000803), found {images.dtype} with shape {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise DatasetFileError(f"{label_path}: expected uint8 labels with 1 dimension (magic 0x00000801), "
                                   f"found {labels.dtype} with shape {labels.shape}")
        if len(images) != len(labels):
            raise DatasetFileError(f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} "
                                   "labels: the files do not belong together")
        if labels.size and int(labels.max()) >= len(self.classes):
            raise DatasetFileError(f"{label_path}: label {int(labels.max())} is not a class of {self.name} "
                                   f"(0-{len(self.classes) - 1})")
        return images, labels.astype(np.int64)
        ### END SOLUTION


# ---- given --------------------------------------------------------------------------------------------
class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): the same IDX files and layout as MNIST (root or root/FashionMNIST/raw)."""

    name = "FashionMNIST"
    mirrors = MIRRORS["FashionMNIST"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class CIFAR10(ArrayDataset):
    """CIFAR-10 from its binary version: uint8 images (N, 3, 32, 32), int64 labels (N,).

    CIFAR10(root, train=True, transform=None, target_transform=None, download=False, checksums=None,
    verify=True) reads data_batch_1.bin ... data_batch_5.bin (or test_batch.bin) from root or
    root/cifar-10-batches-bin. The pickled "python version" of CIFAR-10 is deliberately not supported:
    unpickling runs code. download=True is refused with an explanation (the binary version is one
    tar.gz archive with only an MD5 sum published).
    """

    name = "CIFAR10"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    files = {True: [f"data_batch_{k}.bin" for k in range(1, 6)], False: ["test_batch.bin"]}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, checksums=None,
                 verify=True):
        if download:
            raise ValueError("CIFAR10(download=True) is not offered: the binary version is distributed as one "
                             "archive, cifar-10-binary.tar.gz; download and extract it yourself, then pass the "
                             "folder as root (with checksums= for its .bin files)")
        if not verify:
            _warn_unverified(type(self).__name__, root)
        self.root, self.train = Path(root), bool(train)
        parts = []
        for filename in self.files[self.train]:
            path = _find_file(self.root, filename, ["cifar-10-batches-bin"])
            expected = _expected_sha256(self.name, path, checksums, verify)
            parts.append(parse_cifar_records(_read_verified(path, expected), str(path)))
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(images, labels, transform, target_transform)


# %% [markdown]
"""
### Testing the image datasets

The test writes tiny MNIST and CIFAR-10 files in their real layouts into a temporary folder, passes
their sha256 digests as `checksums` (computed from these fixture files: the only digests we can know
here), and checks what the datasets give. Then it damages the files: wrong digest, truncated file,
corrupt gzip, images and labels that do not match. Each must fail with the file's name, and no dataset
object must be created.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-image-datasets-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_image_datasets():
    import tempfile

    digits = DigitsDataset("test")
    image, label = digits[0]
    assert image.shape == (8, 8) and image.dtype == np.float32 and isinstance(label, int)
    batch_x, batch_y = next(iter(DataLoader(digits, batch_size=16)))
    assert batch_x.shape == (16, 8, 8) and batch_y.dtype == np.int64
    shaped = DigitsDataset("test", transform=Compose([ToTensor(), Normalize(0.5, 0.5)]))
    assert shaped[0][0].shape == (1, 8, 8) and np.allclose(shaped[0][0].data[0], (image - 0.5) / 0.5)

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images), mtime=0))
        (root / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))       # plain: also accepted
        sums = {p.name: sha256_hex(p.read_bytes()) for p in root.iterdir()}
        mnist = MNIST(root, train=True, transform=ToTensor(), checksums=sums)
        assert len(mnist) == 6 and mnist.data.dtype == np.uint8 and mnist.targets.tolist() == labels.tolist()
        x, y = mnist[2]
        assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y == 4
        assert np.allclose(x.data[0], images[2] / 255.0)

        wrong = dict(sums, **{"train-images-idx3-ubyte.gz": "0" * 64})
        message = expect_file_error(lambda: MNIST(root, checksums=wrong), "sha256 mismatch")
        assert "train-images-idx3-ubyte.gz" in message, "the error names the file"
        expect_file_error(lambda: MNIST(root, train=False, checksums=sums), "t10k-images-idx3-ubyte: not found")
        # No checksums given: the published digest of the real MNIST file is used, and the fixture differs.
        expect_file_error(lambda: MNIST(root), "sha256 mismatch")

        gz = bytearray((root / "train-images-idx3-ubyte.gz").read_bytes())
        gz[-8] ^= 0xFF                                                   # damage the stored CRC-32
        (root / "train-images-idx3-ubyte.gz").write_bytes(bytes(gz))
        crc_sums = dict(sums, **{"train-images-idx3-ubyte.gz": sha256_hex(bytes(gz))})
        expect_file_error(lambda: MNIST(root, checksums=crc_sums), "corrupt gzip data")

        (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images[:5]), mtime=0))
        five = dict(sums, **{"train-images-idx3-ubyte.gz": sha256_hex((root / "train-images-idx3-ubyte.gz").read_bytes())})
        expect_file_error(lambda: MNIST(root, checksums=five), "holds 5 images but")

        made = None
        try:
            made = MNIST(root, checksums=five)
        except DatasetFileError:
            pass
        assert made is None, "a failed load creates no dataset object"

        pics = rng.integers(0, 256, size=(10, 3, 32, 32), dtype=np.uint8)
        folder = root / "cifar-10-batches-bin"
        folder.mkdir()
        for k in range(5):
            (folder / f"data_batch_{k + 1}.bin").write_bytes(cifar_bytes(pics[2 * k:2 * k + 2], [k, 9 - k]))
        cifar_sums = {p.name: sha256_hex(p.read_bytes()) for p in folder.iterdir()}
        expect_file_error(lambda: CIFAR10(root), "no published sha256")   # nothing to verify against
        cifar = CIFAR10(root, train=True, checksums=cifar_sums)
        assert len(cifar) == 10 and cifar.data.shape == (10, 3, 32, 32) and np.array_equal(cifar.data, pics)
        assert cifar.targets.tolist() == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5] and cifar.classes[cifar[1][1]] == "truck"
        blob = (folder / "data_batch_3.bin").read_bytes()
        (folder / "data_batch_3.bin").write_bytes(blob[:-100])
        cut = dict(cifar_sums, **{"data_batch_3.bin": sha256_hex(blob[:-100])})
        expect_file_error(lambda: CIFAR10(root, checksums=cut), "data_batch_3.bin: truncated record")
        expect_file_error(lambda: CIFAR10(root, checksums=cifar_sums), "data_batch_3.bin: sha256 mismatch")
    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        raw_dir = root / "FashionMNIST" / "raw"
        raw_dir.mkdir(parents=True)
        (raw_dir / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(images[:2]))
        (raw_dir / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(labels[:2]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fashion = FashionMNIST(root, train=False, verify=False)
        assert any("WITHOUT a sha256" in str(w.message) for w in caught), "verify=False must warn"
        assert len(fashion) == 2 and fashion.classes[fashion[0][1]] == "Sandal"
        (raw_dir / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([1, 12], np.uint8)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            expect_file_error(lambda: FashionMNIST(root, train=False, verify=False), "label 12")
            (raw_dir / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(images[:2]))
            expect_file_error(lambda: FashionMNIST(root, train=False, verify=False), "expected uint8 labels")
    ### END HIDDEN TESTS
    print("✅ digits, MNIST and CIFAR-10 load from verified files; damaged files are refused by name")


test_unit_image_datasets()

# %% [markdown]
"""
## Part 4: Systems Analysis

### Computational Complexity

For a dataset of `n` samples of `d` numbers each, batch size `B`, one epoch:

| work | time | memory |
|---|---|---|
| the epoch's order (`arange` or a permutation) | O(n) | O(n) indices |
| one-step batch (`get_batch`: one fancy index per tensor) | O(B d) copying, O(1) Python calls | O(B d) for the batch |
| sample-by-sample batch (`dataset[i]` + `default_collate`) | O(B d) copying, O(B) Python calls | O(B d), plus B small objects |
| per-sample transforms (`ToTensor`, `Normalize`) | O(d) each, O(B) Python calls per batch | temporaries of O(d) per sample |
| whole epoch | O(n d) copying; O(n / B) or O(n) Python calls | O(B d) at a time (the batch) |
| loading a file: read, sha256, gunzip, parse | O(file size) | the file's bytes, the parsed arrays |

The copying is the same on both paths; what differs is the number of Python-level calls, each of
which costs microseconds no matter how little data it moves. Memory is set by the batch, not the
dataset, once the dataset is in memory, and storing images as uint8 instead of float32 divides the
dataset's memory by 4 (the conversion then happens per batch).
"""

# %% [markdown]
"""
### Memory: what a batch costs, and what a dataset costs

**Build -> Measure -> Understand.** We iterate one epoch over the digits training set (as a
`TensorDataset` of flattened images) for several batch sizes, and record with `tracemalloc` the peak
memory allocated while iterating, above what was allocated before. Then we compare a dataset stored as
uint8 with the same dataset converted to float32.
"""

# %%
import time
import tracemalloc

from tinytorch.datasets import load_digits as _load_digits_arrays

digit_images, digit_labels = _load_digits_arrays("train")
digits_tensors = TensorDataset(Tensor(digit_images.reshape(len(digit_images), -1)), Tensor(digit_labels))
bytes_per_sample = digits_tensors.tensors[0].data[0].nbytes + digits_tensors.tensors[1].data[0].nbytes
print(f"digits train: {len(digits_tensors)} samples, {bytes_per_sample} bytes each (64 float32 pixels + an int64 label)")


def epoch_peak_bytes(loader):
    """Peak bytes allocated (above the starting point) while iterating one epoch of `loader`."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for batch in loader:
        del batch
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


print(f"{'batch size':>10s} {'peak KB':>9s} {'peak / (B x sample bytes)':>26s}")
for size in (1, 16, 64, 256, 1024):
    peak = epoch_peak_bytes(DataLoader(digits_tensors, batch_size=size, shuffle=True, generator=Generator(0)))
    print(f"{size:10d} {peak / 1024:9.1f} {peak / (size * bytes_per_sample):26.2f}")

many = np.random.default_rng(0).integers(0, 256, size=(10000, 28, 28), dtype=np.uint8)
tracemalloc.start()
as_uint8 = many.copy()
uint8_bytes = tracemalloc.get_traced_memory()[0]
as_float32 = as_uint8.astype(np.float32) / np.float32(255)
float32_bytes = tracemalloc.get_traced_memory()[0] - uint8_bytes
tracemalloc.stop()
print(f"\n10000 MNIST-sized images: uint8 {uint8_bytes / 1e6:.2f} MB, float32 {float32_bytes / 1e6:.2f} MB "
      f"(ratio {float32_bytes / uint8_bytes:.2f})")
del many, as_uint8, as_float32

# %% [markdown]
"""
Read the last column of the first table: for large batches the peak is a small multiple of the batch's
own bytes (the batch itself, the fancy index's temporaries, the index array of the epoch), so memory
grows in proportion to `B`. For a batch size of 1 the fixed costs dominate: the permutation of all `n`
indices and the Python objects per batch. Memory on an accelerator follows the same rule, with the
model's activations (also proportional to `B`) on top: the largest batch that fits is usually set by
the activations, not by the data.
"""

# %% [markdown]
"""
### Speed: throughput against batch size, one-step versus sample by sample

We time (with `time.perf_counter`, best of three) one epoch over the same digits data through three
paths: the one-step `get_batch` path; the sample-by-sample path (forced by passing
`collate_fn=default_collate`, which makes the loader fetch each sample and collate the list); and the
path of a real image pipeline, `DigitsDataset` with `Compose([ToTensor(), Normalize(...)])` applied to
each sample. Throughput is samples per second.
"""

# %%
def best_epoch_seconds(make_loader, repeats=3):
    """Shortest time for one full epoch of a fresh loader."""
    best = float("inf")
    for _ in range(repeats):
        loader = make_loader()
        start = time.perf_counter()
        for batch in loader:
            pass
        best = min(best, time.perf_counter() - start)
    return best


train_mean, train_std = float(digit_images.mean()), float(digit_images.std())      # training split only
digits_transformed = DigitsDataset("train", transform=Compose([ToTensor(), Normalize(train_mean, train_std)]))
n_train = len(digits_tensors)
print(f"normalising with the training split's statistics: mean {train_mean:.4f}, std {train_std:.4f}\n")
print(f"{'batch':>5s} {'one-step samples/s':>19s} {'per-sample samples/s':>21s} {'with transforms':>16s} {'one-step speed-up':>18s}")
for size in (1, 8, 32, 128, 512):
    fast_s = best_epoch_seconds(lambda: DataLoader(digits_tensors, batch_size=size, shuffle=True, generator=Generator(0)))
    slow_s = best_epoch_seconds(lambda: DataLoader(digits_tensors, batch_size=size, shuffle=True,
                                                   generator=Generator(0), collate_fn=default_collate))
    tf_s = best_epoch_seconds(lambda: DataLoader(digits_transformed, batch_size=size, shuffle=True, generator=Generator(0)))
    print(f"{size:5d} {n_train / fast_s:19,.0f} {n_train / slow_s:21,.0f} {n_train / tf_s:16,.0f} {slow_s / fast_s:17.1f}x")

# %% [markdown]
"""
**Understand.** On the one-step path, throughput climbs steeply with the batch size: the Python cost of
a batch is paid once per batch, so bigger batches spread it over more samples, until the copying
itself dominates. On the sample-by-sample paths, throughput levels off after small batch sizes: once
the per-batch cost is spread out, the Python work per *sample* (indexing, building small Tensors,
collating, transforming) sets the pace, and a bigger batch does not reduce it. The last column is the price of that loop over samples. This is
why PyTorch's data loading runs in worker *processes* (the per-sample Python work is spread over
CPU cores while the model trains) and why fast pipelines keep data in large arrays and index them in
one step.
"""

# %% [markdown]
"""
## Production Context

**PyTorch** (`torch.utils.data`) splits the loader into the same pieces, with more of them:

- A **Sampler** yields indices (`SequentialSampler`, `RandomSampler`, which draws its permutation from a
  `torch.Generator`; `DistributedSampler`, which gives each of several machines its own part of every
  epoch), and a **BatchSampler** groups them into lists of `batch_size` (`drop_last` lives here).
  Our `_epoch_order` plus slicing is those two in one.
- A **fetcher** turns a list of indices into a batch. If the dataset defines `__getitems__(indices)` it
  is called once per batch (the idea of our `get_batch`, but it returns a list of samples that still
  goes through `collate_fn`); otherwise it calls `dataset[i]` for each index, then `collate_fn`.
  `default_collate` follows the table of Step 2 (which is why tuples come back as lists and Python
  floats as float64).
- **Worker processes** (`num_workers=k`) run the fetching and per-sample transforms in `k` separate
  processes, each with its own copy of the dataset object and its own random seed derived from the
  loader's base seed; batches come back through shared memory, `prefetch_factor` batches ahead.
  `pin_memory=True` places batches in page-locked memory so the copy to a GPU can overlap compute.
- **Iterable-style datasets** (`IterableDataset`) stream samples that cannot be indexed (logs, web-scale
  shards), and the loader then only batches them.

**torchvision** reads MNIST and Fashion-MNIST from the same IDX files you parsed and CIFAR-10 from its
pickled python version (which this module refuses); it checks downloads with MD5 sums.
**TensorFlow's** `tf.data` builds the pipeline as a graph of stages (`map` with parallel calls,
`shuffle` through a finite buffer rather than a full permutation, `batch`, `prefetch`, `cache`) that
run in C++ threads, and **Hugging Face datasets** memory-map Arrow files so that a dataset larger than
RAM is indexed without being loaded. All of them face the two costs you measured: Python calls per
sample, and bytes per batch.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/08_dataloader/dataloader_dev.py`) runs every test above
once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_tensor_dataset()
    test_unit_default_collate()
    test_unit_dataloader()
    test_unit_random_split()
    test_unit_transforms()
    test_unit_file_parsers()
    test_unit_download()
    test_unit_image_datasets()
    print("🎉 All DataLoader tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your measurements showed throughput rising with the batch size on the one-step path. If a model's
   step takes longer than the loader needs to build a batch, does a faster loader speed up training
   at all? How would you find out which one is the bottleneck?
2. With `drop_last=True` and shuffling, which samples are skipped changes every epoch. When would you
   rather keep the short last batch, and what can a batch of 1 do to BatchNorm statistics?
3. Per-sample transforms made the pipeline much slower than one fancy index. Which transforms could be
   applied to a whole batch at once, and which (random crops, random flips) are naturally per sample?
4. PyTorch gives each worker process its own random seed. What would go wrong with random augmentations
   if every worker started from the same seed?
5. Only the MNIST files have published sha256 digests in `PUBLISHED_SHA256`. Why is an MD5 sum weaker
   protection than a sha256 digest, and who should you trust when you pass `checksums=` yourself?
6. Why must the statistics given to `Normalize` come from the training split only, and what would a
   validation score computed with test-set statistics tell you?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the data pipeline that every later training loop uses:
- `Dataset`, `TensorDataset`, `Subset` and `random_split` (counts or fractions, seeded, disjoint and
  complete), with PyTorch's names and semantics;
- `default_collate`, which stacks Tensors and arrays, converts numbers with PyTorch's dtypes and recurses
  into tuples, lists, dicts and namedtuples, naming the sample at fault when a batch is ragged;
- a `DataLoader` whose `len` and batches are right for every `n`, `batch_size` and `drop_last`, whose
  shuffled epochs see each sample once, repeat from a seed and differ from epoch to epoch, and which
  fetches a batch in one step when the dataset can;
- the transforms `ToTensor`, `Normalize` and `Compose`;
- readers for the IDX files of MNIST / Fashion-MNIST and the binary files of CIFAR-10 that verify each
  file's sha256 first and refuse damaged files by name, creating nothing half-loaded.

You measured that the batch sets the memory of iteration, that uint8 storage is four times smaller
than float32, and that the per-sample Python loop, not the copying, limits a naive loader.

**Next:** run `tito export` to write your code to `tinytorch/data/loader.py`; the training module and
the milestones feed their models through this loader.
"""
