"""Module 08 against torch.utils.data (optional oracle: skipped, with the reason, without torch)."""
import math
import warnings
from collections import namedtuple

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

from torch.utils import data as tdata  # noqa: E402

from tinytorch.core.tensor import Generator, Tensor  # noqa: E402
from tinytorch.data.loader import (DataLoader, Normalize, TensorDataset, ToTensor, _split_lengths,  # noqa: E402
                                   default_collate)

Pair = namedtuple("Pair", "a b")


@pytest.mark.parametrize("n", [0, 1, 7, 10, 33, 64])
@pytest.mark.parametrize("batch_size", [1, 3, 8, 64, 100])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_and_batch_sizes_match_torch(n, batch_size, drop_last):
    x = np.arange(n, dtype=np.float32)
    ours = DataLoader(TensorDataset(Tensor(x)), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [b[0].shape[0] for b in ours] == [b[0].shape[0] for b in theirs]
    assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]


def _same(ours, theirs):
    """Compare a tinytorch batch structure with torch's, element by element (types, dtypes, values)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), f"expected a Tensor, got {type(ours).__name__}"
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours._data, theirs.numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        assert ours == theirs


CASES = {
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False, True],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "int16 scalars": [np.int16(4), np.int16(5)],
    "arrays": [np.ones((2, 3), np.uint8), np.zeros((2, 3), np.uint8)],
    "strings": ["a", "b"],
    "tuples": [(np.zeros(2, np.float32), 1), (np.ones(2, np.float32), 0)],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"x": np.zeros(3), "y": 1, "name": "p"}, {"x": np.ones(3), "y": 2, "name": "q"}],
    "namedtuples": [Pair(1, np.zeros(2)), Pair(2, np.ones(2))],
    "nested": [({"a": (1, 2.0)}, [np.int64(3)]), ({"a": (4, 5.0)}, [np.int64(6)])],
}


@pytest.mark.parametrize("name", list(CASES))
def test_default_collate_matches_torch(name):
    samples = CASES[name]
    _same(default_collate(samples), tdata.default_collate(samples))


def test_default_collate_of_tensors_matches_torch():
    arrays = [np.random.default_rng(k).standard_normal((3, 4)).astype(np.float32) for k in range(5)]
    _same(default_collate([Tensor(a) for a in arrays]), tdata.default_collate([torch.from_numpy(a) for a in arrays]))


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 10, 11, 97, 100, 1797])
@pytest.mark.parametrize("fractions", [[0.8, 0.2], [0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.1, 0.2, 0.7],
                                       [0.34, 0.33, 0.33], [0.05, 0.05, 0.9], [1.0], [0.25] * 4])
def test_random_split_lengths_match_torch(n, fractions):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [len(s) for s in tdata.random_split(range(n), fractions, generator=torch.Generator().manual_seed(0))]
        ours = _split_lengths(n, fractions)
    assert ours == theirs


def test_normalize_and_totensor_match_torch_arithmetic():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(3, 5, 5), dtype=np.uint8)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    ours = Normalize(mean, std)(ToTensor()(img))
    t = torch.from_numpy(img).float().div(255)
    theirs = (t - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_shuffled_epochs_have_torch_properties():
    """Not the same numbers (different generators), the same guarantees: a permutation per epoch."""
    n, b = 23, 5
    ours = DataLoader(TensorDataset(Tensor(np.arange(n))), batch_size=b, shuffle=True, generator=Generator(0))
    theirs = tdata.DataLoader(tdata.TensorDataset(torch.arange(n)), batch_size=b, shuffle=True,
                              generator=torch.Generator().manual_seed(0))
    for loader in (ours, theirs):
        epochs = [[int(i) for batch in loader for i in batch[0]] for _ in range(2)]
        assert all(sorted(e) == list(range(n)) for e in epochs) and epochs[0] != epochs[1]
    assert len(ours) == len(theirs) == math.ceil(n / b)
