"""random_split (counts and fractions: disjoint, complete, seeded) and the transforms."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.tensor import Generator, Tensor, manual_seed
from tinytorch.data.loader import (ArrayDataset, Compose, DataLoader, DigitsDataset, Lambda, Normalize, Subset,
                                   TensorDataset, ToTensor, _split_lengths, random_split)


def ids_of(piece):
    return [piece[k][0].item() for k in range(len(piece))]


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 200), weights=st.lists(st.integers(1, 10), min_size=1, max_size=5),
       seed=st.integers(0, 10_000))
def test_fraction_split_is_disjoint_complete_and_sized(n, weights, seed):
    fractions = [w / sum(weights) for w in weights]
    if not math.isclose(math.fsum(fractions), 1.0):
        return
    ds = TensorDataset(Tensor(np.arange(n)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pieces = random_split(ds, fractions, generator=Generator(seed))
    sizes = [len(p) for p in pieces]
    assert sum(sizes) == n
    floors = [math.floor(n * f) for f in fractions]
    assert all(s - fl in (0, 1) for s, fl in zip(sizes, floors)), "floor, plus at most one of the remainder"
    everything = [i for p in pieces for i in ids_of(p)]
    assert sorted(everything) == list(range(n)), "disjoint and complete"


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 30), min_size=1, max_size=4), seed=st.integers(0, 1000))
def test_count_split_and_seed(counts, seed):
    n = sum(counts)
    ds = TensorDataset(Tensor(np.arange(n)))
    a = random_split(ds, counts, generator=Generator(seed))
    b = random_split(ds, counts, generator=Generator(seed))
    assert [len(p) for p in a] == counts
    assert [p.indices for p in a] == [p.indices for p in b]
    assert sorted(i for p in a for i in p.indices) == list(range(n))


def test_split_uses_default_generator():
    ds = TensorDataset(Tensor(np.arange(20)))
    manual_seed(3)
    a = random_split(ds, [0.5, 0.5])
    manual_seed(3)
    b = random_split(ds, [0.5, 0.5])
    assert a[0].indices == b[0].indices


@pytest.mark.parametrize("n, lengths, expected", [(10, [0.8, 0.2], [8, 2]), (11, [0.5, 0.5], [6, 5]),
                                                  (7, [0.1, 0.2, 0.7], [1, 2, 4]), (5, [0.34, 0.33, 0.33], [2, 2, 1]),
                                                  (100, [0.333, 0.333, 0.334], [34, 33, 33]), (4, [4, 0], [4, 0])])
def test_split_lengths_table(n, lengths, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _split_lengths(n, lengths) == expected


@pytest.mark.parametrize("lengths, pattern", [([5, 4], "sum to 9"), ([0.5, 0.6], "sum to 1.1"),
                                              ([1.2, -0.2], r"lengths\[0\]"), ([], "empty"),
                                              (["a", "b"], "between 0 and 1"), ([True, 9], "between 0 and 1")])
def test_split_errors(lengths, pattern):
    with pytest.raises(ValueError, match=pattern):
        random_split(TensorDataset(Tensor(np.arange(10))), lengths)


def test_empty_piece_warns():
    with pytest.warns(UserWarning, match="empty"):
        random_split(TensorDataset(Tensor(np.arange(2))), [0.9, 0.05, 0.05])


def test_totensor():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    t = ToTensor()(img)
    assert t.shape == (1, 3, 4) and t.dtype == np.float32
    np.testing.assert_allclose(t._data[0], img / 255.0, rtol=1e-6)
    rgb = np.zeros((3, 5, 5), np.uint8)
    rgb[1] = 255
    assert ToTensor()(rgb)._data[1].min() == 1.0 and ToTensor()(rgb)._data[0].max() == 0.0
    assert ToTensor()(Tensor(np.ones((2, 2), np.int64))).dtype == np.float32
    with pytest.raises(TypeError, match="NumPy array or a Tensor"):
        ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match=r"\(4,\)"):
        ToTensor()(np.zeros(4))


def test_normalize_values_and_errors():
    x = np.random.default_rng(0).random((3, 4, 4)).astype(np.float32)
    mean, std = [0.1, 0.2, 0.3], [0.5, 1.0, 2.0]
    out = Normalize(mean, std)(Tensor(x))
    expected = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out._data, expected, rtol=1e-6)
    np.testing.assert_allclose(Normalize(0.5, 0.25)(Tensor(x))._data, (x - 0.5) / 0.25, rtol=1e-6)
    assert Normalize([1.0], [2.0])(Tensor(np.ones((5,), np.float64))).tolist() == [0.0] * 5
    with pytest.raises(TypeError, match="ToTensor"):
        Normalize(0.5, 0.5)(Tensor(np.zeros((1, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="2 channel"):
        Normalize(mean, std)(Tensor(np.zeros((2, 4, 4), np.float32)))
    with pytest.raises(ValueError, match="divide by zero"):
        Normalize([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="3 values but std has 2"):
        Normalize(mean, [1.0, 1.0])
    with pytest.raises(ValueError, match="0-d"):
        Normalize(0.0, 1.0)(Tensor(np.float32(1.0)))


def test_compose_and_lambda():
    pipeline = Compose([ToTensor(), Normalize(0.5, 0.5), Lambda(lambda t: t.reshape(-1))])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    assert out.shape == (4,) and out.tolist() == [1.0] * 4
    assert "Normalize" in repr(pipeline)
    with pytest.raises(TypeError, match="write Normalize()"):
        Compose([Normalize])
    with pytest.raises(TypeError, match="not callable"):
        Compose([3])
    with pytest.raises(TypeError, match="callable"):
        Lambda(None)


def test_transforms_on_a_dataset_are_applied_per_sample_and_disable_the_fast_path():
    data = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    ds = ArrayDataset(data, np.array([1, 0]), transform=ToTensor(), target_transform=lambda y: y + 10)
    x, y = ds[1]
    assert x.shape == (1, 3, 3) and y == 10
    assert ds.get_batch(np.array([0, 1])) is None
    xb, yb = next(iter(DataLoader(ds, batch_size=2)))
    assert xb.shape == (2, 1, 3, 3) and yb.tolist() == [11, 10]
    plain = ArrayDataset(data, np.array([1, 0]))
    xb2, yb2 = plain.get_batch(np.array([1, 0]))
    assert xb2.dtype == np.uint8 and yb2.dtype == np.int64 and yb2.tolist() == [0, 1]


def test_array_dataset_errors():
    with pytest.raises(ValueError, match="3 samples but 2 targets"):
        ArrayDataset(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(TypeError, match="integer class labels"):
        ArrayDataset(np.zeros((2, 2)), np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match="ToTensor()"):
        ArrayDataset(np.zeros((2, 2)), np.array([0, 1]), transform=ToTensor)


def test_digits_train_validation_pipeline():
    """The shipped digits: split off a validation set, normalise with the training statistics."""
    full = DigitsDataset("train")
    train, val = random_split(full, [0.8, 0.2], generator=Generator(0))
    assert len(train) + len(val) == len(full) and not set(train.indices) & set(val.indices)
    pixels = full.data[train.indices]
    norm = Normalize(float(pixels.mean()), float(pixels.std()))
    ds = DigitsDataset("train", transform=Compose([ToTensor(), norm]))
    x, y = next(iter(DataLoader(Subset(ds, train.indices), batch_size=len(train))))
    assert x.shape == (len(train), 1, 8, 8) and abs(float(x._data.mean())) < 1e-4
    assert abs(float(x._data.std()) - 1.0) < 1e-3
    assert y.dtype == np.int64 and set(np.unique(y._data)) == set(range(10))
    test = DigitsDataset("test")
    assert len(test) + len(full) == len(DigitsDataset("all"))

