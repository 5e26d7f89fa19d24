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
- Use real data sets (`DigitsDataset`, `MNIST`, `CIFAR10`) through the same loader. Their file formats,
  sha256 checks and download are support code in `tinytorch/datasets/` (not taught here: read it).
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

The package file starts with its imports and public names. Code that is needed but not taught lives in
support files: `tinytorch/data/support.py` (collate's type rules, `Compose`, `Lambda`) and
`tinytorch/datasets/` (the image data sets, their file formats, sha256 checks and download).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math
import numbers
import operator
import warnings
from collections.abc import Sequence

import numpy as np

from tinytorch.core.tensor import Generator, Tensor, default_generator
from tinytorch.data.support import Compose, Lambda, _image_array, _kind, _stack
# Data sets and file formats: hand-written support code in tinytorch/datasets/, re-exported here.
from tinytorch.datasets import (CIFAR10, MIRRORS, MNIST, PUBLISHED_SHA256, ArrayDataset, DatasetFileError,
                                DigitsDataset, FashionMNIST, download_url, parse_cifar_records, parse_idx,
                                sha256_hex)
from tinytorch.datasets.vision import as_index as _as_index

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

*Given:* `Dataset`, and `_as_index(index, length, who)` (imported in the setup cell), which turns an
index into a Python int in range or raises a TypeError / IndexError naming the index and the dataset size.

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


# ---- your part ----------------------------------------------------------------------------------------
class TensorDataset(Dataset):
    """Samples are the rows of equally long tensors: ds[i] == (tensors[0][i], tensors[1][i], ...)."""

    def __init__(self, *tensors):
        """Keep the tensors in `self.tensors` (a tuple of Tensors).

        - At least one tensor is needed (else ValueError "... needs at least one tensor ...").
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

        HINT: `t._data[indices]` on the NumPy array; wrap the result with Tensor(...).
        """
        ### BEGIN SOLUTION
        return [Tensor(t._data[indices]) for t in self.tensors]
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

*Given* (in `tinytorch/data/support.py`): `_kind(x)`, which names the row of the table a value belongs
to, and `_stack(arrays, where)`, which stacks arrays or raises a ValueError naming the first sample whose
shape differs.

**Your task:** `_collate(samples, where)`; `default_collate(batch)` calls it with `where="batch"`.
Extend `where` as you recurse (`f"{where}[{j}]"`, `f"{where}[{key!r}]"`) so errors say where they are.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-collate", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given: _kind and _stack come from tinytorch/data/support.py ---------------------------------------
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
       - "tensor": Tensor(_stack([s._data for s in samples], where))
       - "ndarray": refuse non-numeric dtypes (dtype.kind not in "biuf") with TypeError; else like tensors
       - "numpy scalar": Tensor(np.array(samples))
       - "bool" / "int" / "float": Tensor(np.array(samples, dtype=np.bool_ / np.int64 / np.float64))
       - "str": list(samples)
       - "dict": every sample must have the same keys (else ValueError "... sample 0 has keys [...] but
                 sample k has keys [...]");
                 {key: _collate([s[key] for s in samples], f"{where}[{key!r}]") for key in samples[0]}
       - "namedtuple": type(samples[0])(*[collated field j for each j])
       - "sequence": every sample must have the same length (else ValueError "... sample 0 has 2 elements
                 but sample k has 1 ...");
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
        return Tensor(_stack([s._data for s in samples], where))
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
- *At the start* means inside the call `iter(loader)`, not at the first `next()`: the generator has
  advanced as soon as `iter` returns. So a checkpoint saved right after `iter(loader)` holds the state
  after this epoch's draw, and two iterators made one after the other get the generator's first and
  second permutations, whichever of them is consumed first. (A lazy `__iter__` written as a generator
  function with `yield` would draw only when the first batch is requested, and break both.)
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
        """Given: check and store the arguments (ValueError for a batch_size that is not a positive
        integer; TypeError for a dataset without __len__/__getitem__, a collate_fn that is not callable, or
        a generator that is not a tinytorch Generator)."""
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

# %% [code] {"nbgrader": {"grade": true, "grade_id": "dataloader-loader-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
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
    in_order = np.concatenate([y._data for _, y in DataLoader(ds, batch_size=4)])
    assert in_order.tolist() == list(range(n)), "without shuffle the samples come in order"

    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=Generator(0))
    epoch1 = np.concatenate([y._data for _, y in loader])
    epoch2 = np.concatenate([y._data for _, y in loader])
    assert sorted(epoch1.tolist()) == list(range(n)), "a shuffled epoch sees every sample exactly once"
    assert sorted(epoch2.tolist()) == list(range(n))
    assert epoch1.tolist() != epoch2.tolist(), "each epoch draws a new order"
    again = DataLoader(ds, batch_size=3, shuffle=True, generator=Generator(0))
    assert np.concatenate([y._data for _, y in again]).tolist() == epoch1.tolist(), "the same seed repeats"
    manual_seed(5)
    first = np.concatenate([y._data for _, y in DataLoader(ds, batch_size=4, shuffle=True)])
    manual_seed(5)
    second = np.concatenate([y._data for _, y in DataLoader(ds, batch_size=4, shuffle=True)])
    assert first.tolist() == second.tolist(), "without a generator, manual_seed makes the order repeat"

    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(1)))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=Generator(1), collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert np.array_equal(fx._data, sx._data) and np.array_equal(fy._data, sy._data), "both paths must agree"
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
    pairs = list(DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples)))
    assert pairs == [4, 4, 2], "a custom collate_fn receives the list of samples"

    gen = Generator(4)
    loader = DataLoader(ds, batch_size=3, shuffle=True, generator=gen)
    before = gen.rng.bit_generator.state
    first_iter, second_iter = iter(loader), iter(loader)
    assert gen.rng.bit_generator.state != before, "iter(loader) must draw the epoch's order at once"
    late = np.concatenate([y._data for _, y in second_iter]).tolist()     # consumed first
    early = np.concatenate([y._data for _, y in first_iter]).tolist()
    draws = Generator(4).rng
    assert early == draws.permutation(n).tolist() and late == draws.permutation(n).tolist(), \
        "the first iter() gets the first permutation even when the second iterator is consumed first"

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
    dropped = np.concatenate([y._data for _, y in DataLoader(ds, batch_size=4, shuffle=True, drop_last=True,
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

    - An empty `lengths`: ValueError ("... lengths is empty ...").
    - All ints (bool is not an int here): each must be >= 0 (else ValueError "... contain a negative
      count") and they must sum to n, else ValueError,
      e.g. "random_split: lengths [10, 5] sum to 15, but the dataset has 12 samples".
    - Otherwise every entry must be a real number in [0, 1] (else ValueError naming the bad one:
      "random_split: lengths[0] = 1.5: fractions must be numbers between 0 and 1 ..."), and the sum
      must be 1 (math.isclose(total, 1.0)), else ValueError "... the fractions [0.5, 0.4] sum to 0.9, not 1"
      (the sum printed with :g).
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

*Given* (in `tinytorch/data/support.py`): `Compose`, `Lambda(fn)` (wraps any function as a transform) and
`_image_array(x, who)` (the array of a Tensor or ndarray, else TypeError).
**Your task:** `ToTensor.__call__`, `Normalize.__init__` and `Normalize.__call__`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "dataloader-transforms", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part (Compose, Lambda and _image_array are given in tinytorch/data/support.py) ---------------
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
          ValueError naming the shape and both counts: "Normalize: 3 mean/std values but the tensor has
          1 channel(s) (shape (1, 2, 2); channels come first)".
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
    assert np.allclose(t._data, [[[0.0, 0.2], [0.8, 1.0]]]), "uint8 pixels are divided by 255"
    rgb = np.full((3, 2, 2), 0.25, dtype=np.float64)
    assert ToTensor()(rgb).dtype == np.float32 and np.allclose(ToTensor()(rgb)._data, 0.25), "floats are not scaled"

    norm = Normalize(mean=[0.5, 0.25, 0.0], std=[0.5, 0.25, 2.0])
    out = norm(ToTensor()(rgb))
    assert out.shape == (3, 2, 2) and out.dtype == np.float32, "Normalize keeps float32"
    assert np.allclose(out._data[0], -0.5) and np.allclose(out._data[1], 0.0) and np.allclose(out._data[2], 0.125)
    pipeline = Compose([ToTensor(), Normalize(0.5, 0.5)])
    assert np.allclose(pipeline(gray)._data, [[[-1.0, -0.6], [0.6, 1.0]]]), "Compose applies in order"
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
    assert np.allclose(Normalize([1.0, 0.0], [1.0, 2.0])(x64)._data, [[0, 0, 0], [0.5, 0.5, 0.5]])
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
## Part 3: Systems Analysis

### Computational Complexity

For a dataset of `n` samples of `d` numbers each, batch size `B`, one epoch:

| work | time | memory |
|---|---|---|
| the epoch's order (`arange` or a permutation) | O(n) | O(n) indices |
| one-step batch (`get_batch`: one fancy index per tensor) | O(B d) copying, O(1) Python calls | O(B d) for the batch |
| sample-by-sample batch (`dataset[i]` + `default_collate`) | O(B d) copying, O(B) Python calls | O(B d), plus B small objects |
| per-sample transforms (`ToTensor`, `Normalize`) | O(d) each, O(B) Python calls per batch | temporaries of O(d) per sample |
| whole epoch | O(n d) copying; O(n / B) or O(n) Python calls | O(B d) at a time (the batch) |

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

from tinytorch.utils.timing import pinned_blas_threads

from tinytorch.datasets import load_digits as _load_digits_arrays

digit_images, digit_labels = _load_digits_arrays("train")
digits_tensors = TensorDataset(Tensor(digit_images.reshape(len(digit_images), -1)), Tensor(digit_labels))
bytes_per_sample = digits_tensors.tensors[0]._data[0].nbytes + digits_tensors.tensors[1]._data[0].nbytes
assert bytes_per_sample == 64 * 4 + 8, "64 float32 pixels + one int64 label"
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
assert as_uint8.nbytes == 10000 * 28 * 28 and as_float32.nbytes == 4 * as_uint8.nbytes, "1 byte vs 4 per pixel"
print(f"\n10000 MNIST-sized images: uint8 {uint8_bytes / 1e6:.2f} MB, float32 {float32_bytes / 1e6:.2f} MB "
      f"(ratio {float32_bytes / uint8_bytes:.2f})")
del many, as_uint8, as_float32

# %% [markdown]
"""
Read the last column of the first table: for large batches the peak should be a small multiple of the
batch's own bytes (the batch, the fancy index's temporaries, the epoch's index array), so memory grows
in proportion to `B`; for a batch of 1 the fixed costs (the permutation of all `n` indices, Python
objects) dominate. On an accelerator the model's activations (also proportional to `B`) come on top.
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
with pinned_blas_threads(1) as blas_note:          # the same BLAS threads for every row
    print(blas_note)
    print(f"{'batch':>5s} {'one-step samples/s':>19s} {'per-sample samples/s':>21s} {'with transforms':>16s} {'one-step speed-up':>18s}")
    for size in (1, 8, 32, 128, 512):
        fast_s = best_epoch_seconds(lambda: DataLoader(digits_tensors, batch_size=size, shuffle=True, generator=Generator(0)))
        slow_s = best_epoch_seconds(lambda: DataLoader(digits_tensors, batch_size=size, shuffle=True,
                                                       generator=Generator(0), collate_fn=default_collate))
        tf_s = best_epoch_seconds(lambda: DataLoader(digits_transformed, batch_size=size, shuffle=True, generator=Generator(0)))
        print(f"{size:5d} {n_train / fast_s:19,.0f} {n_train / slow_s:21,.0f} {n_train / tf_s:16,.0f} {slow_s / fast_s:17.1f}x")

# %% [markdown]
"""
**Understand** (from this run's table; timings vary from run to run and machine to machine). On the
one-step path we expect throughput to climb steeply with the batch size: the Python cost of a batch is
paid once per batch, so bigger batches spread it over more samples, until the copying itself dominates.
Check whether your rows show it. On the sample-by-sample paths, throughput levels off after small batch sizes: once
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
- **Iterable-style datasets** (`IterableDataset`) stream samples that cannot be indexed; the loader batches them.

**torchvision** reads MNIST from the same IDX files as `tinytorch.datasets` and CIFAR-10 from its pickled
version (which we refuse); it checks downloads with MD5 sums. **TensorFlow's** `tf.data` runs a graph of
stages (`map`, a buffered `shuffle`, `batch`, `prefetch`) in C++ threads; **Hugging Face datasets**
memory-map Arrow files. All face the two costs you measured: Python calls per sample, bytes per batch.
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
- and you fed real data sets through it (`DigitsDataset`; `MNIST`, `CIFAR10` read their files after a
  sha256 check, in the support code of `tinytorch/datasets/`).

You measured that the batch sets the memory of iteration, that uint8 storage is four times smaller
than float32, and that the per-sample Python loop, not the copying, limits a naive loader.

**Next:** run `tito export` to write your code to `tinytorch/data/loader.py`; the training module and
the milestones feed their models through this loader.
"""
