"""DataLoader: batch counts and sizes for every (n, batch_size, drop_last), each sample exactly once per
shuffled epoch, repeatable orders from a seed, new orders each epoch, and the one-step fetch path."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.tensor import Generator, Tensor, manual_seed
from tinytorch.data.loader import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def numbered(n):
    """A dataset whose sample i is (features [i, -i] as float32, label i as int64)."""
    ids = np.arange(n, dtype=np.int64)
    return TensorDataset(Tensor(np.stack([ids, -ids], axis=1).astype(np.float32)), Tensor(ids))


def epoch_ids(loader):
    return [int(i) for _, y in loader for i in y._data]


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 120), batch_size=st.integers(1, 40), drop_last=st.booleans(), shuffle=st.booleans())
def test_batch_counts_and_sizes(n, batch_size, drop_last, shuffle):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last, shuffle=shuffle,
                        generator=Generator(n))
    expected_len = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(loader) == expected_len
    sizes = [len(y) for _, y in loader]
    assert len(sizes) == expected_len
    assert all(s == batch_size for s in sizes[:-1]), "all batches but the last are full"
    if sizes:
        last = batch_size if drop_last or n % batch_size == 0 else n % batch_size
        assert sizes[-1] == last
    assert sum(sizes) == (n - n % batch_size if drop_last else n)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 100), batch_size=st.integers(1, 30), seed=st.integers(0, 2**32 - 1))
def test_every_sample_exactly_once_per_shuffled_epoch(n, batch_size, seed):
    loader = DataLoader(numbered(n), batch_size=batch_size, shuffle=True, generator=Generator(seed))
    for _ in range(3):
        ids = epoch_ids(loader)
        assert sorted(ids) == list(range(n))


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 100), batch_size=st.integers(1, 30), seed=st.integers(0, 1000))
def test_drop_last_skips_the_remainder_without_repeats(n, batch_size, seed):
    ids = epoch_ids(DataLoader(numbered(n), batch_size=batch_size, shuffle=True, drop_last=True,
                               generator=Generator(seed)))
    assert len(ids) == n - n % batch_size and len(set(ids)) == len(ids)
    assert set(ids) <= set(range(n))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 20), seed=st.integers(0, 1000))
def test_same_seed_same_epochs(n, batch_size, seed):
    a = DataLoader(numbered(n), batch_size=batch_size, shuffle=True, generator=Generator(seed))
    b = DataLoader(numbered(n), batch_size=batch_size, shuffle=True, generator=Generator(seed))
    for _ in range(3):
        assert epoch_ids(a) == epoch_ids(b)


@pytest.mark.parametrize("seed", range(20))
def test_epochs_differ_and_seeds_differ(seed):
    loader = DataLoader(numbered(30), batch_size=7, shuffle=True, generator=Generator(seed))
    first, second = epoch_ids(loader), epoch_ids(loader)
    assert first != second, "the generator advances, so each epoch has a new order"
    other = epoch_ids(DataLoader(numbered(30), batch_size=7, shuffle=True, generator=Generator(seed + 1000)))
    assert other != first


def test_default_generator_and_manual_seed():
    manual_seed(11)
    a = epoch_ids(DataLoader(numbered(40), batch_size=8, shuffle=True))
    manual_seed(11)
    b = epoch_ids(DataLoader(numbered(40), batch_size=8, shuffle=True))
    assert a == b and a != list(range(40))


def test_order_is_drawn_when_the_epoch_starts():
    """Two iterators made one after the other each draw one permutation, in creation order."""
    loader = DataLoader(numbered(20), batch_size=6, shuffle=True, generator=Generator(4))
    it1, it2 = iter(loader), iter(loader)
    second = epoch_ids(it2)
    first = epoch_ids(it1)
    ref = DataLoader(numbered(20), batch_size=6, shuffle=True, generator=Generator(4))
    assert first == epoch_ids(ref) and second == epoch_ids(ref)


def test_no_shuffle_is_in_order_and_ignores_the_generator():
    loader = DataLoader(numbered(11), batch_size=4, generator=Generator(1))
    assert epoch_ids(loader) == list(range(11)) == epoch_ids(loader)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 16), seed=st.integers(0, 1000))
def test_one_step_path_equals_sample_path(n, batch_size, seed):
    ds = numbered(n)
    fast = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=Generator(seed))
    slow = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=Generator(seed), collate_fn=default_collate)
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype
        np.testing.assert_array_equal(fx._data, sx._data)
        np.testing.assert_array_equal(fy._data, sy._data)


def test_one_step_path_is_one_fancy_index_per_tensor():
    """The fast path must not call __getitem__ per sample."""
    class Counting(TensorDataset):
        calls = 0

        def __getitem__(self, index):
            Counting.calls += 1
            return super().__getitem__(index)

    ds = Counting(Tensor(np.arange(100.0)), Tensor(np.arange(100)))
    batches = list(DataLoader(ds, batch_size=32, shuffle=True, generator=Generator(0)))
    assert Counting.calls == 0 and len(batches) == 4
    list(DataLoader(ds, batch_size=32, collate_fn=default_collate))
    assert Counting.calls == 100, "a custom collate_fn gets the samples one by one"


def test_batches_do_not_alias_the_dataset():
    ds = numbered(8)
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    x._data[:] = -99
    assert ds[0][0].tolist() == [0.0, 0.0], "changing a batch must not change the dataset"


def test_subset_keeps_the_fast_path():
    ds = numbered(30)
    train, val = random_split(ds, [20, 10], generator=Generator(0))
    ids = epoch_ids(DataLoader(val, batch_size=4))
    assert ids == val.indices
    assert val.get_batch(np.array([0, 1]))[1].tolist() == val.indices[:2]


def test_dataset_without_get_batch_uses_samples():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": np.array([i, i * i], dtype=np.int32), "name": f"s{i}"}

    batches = list(DataLoader(Squares(), batch_size=3))
    assert [len(b["name"]) for b in batches] == [3, 3, 1]
    assert batches[0]["x"].dtype == np.int32 and batches[2]["x"].tolist() == [[6, 36]]


@pytest.mark.parametrize("kwargs, kind, text", [
    ({"batch_size": 0}, ValueError, "positive integer"),
    ({"batch_size": -3}, ValueError, "-3"),
    ({"batch_size": True}, ValueError, "True"),
    ({"batch_size": None}, ValueError, "None"),
    ({"generator": np.random.default_rng(0)}, TypeError, "Generator"),
    ({"collate_fn": 5}, TypeError, "callable"),
])
def test_bad_arguments(kwargs, kind, text):
    with pytest.raises(kind, match=text):
        DataLoader(numbered(4), **kwargs)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(42)


def test_repr_names_the_settings():
    text = repr(DataLoader(numbered(5), batch_size=2, shuffle=True))
    assert "batch_size=2" in text and "shuffle=True" in text and "5" in text


def test_subset_indexing():
    s = Subset(numbered(10), [9, 2, 5])
    assert len(s) == 3 and s[0][1].item() == 9 and s[-1][1].item() == 5
    with pytest.raises(IndexError, match="3"):
        s[3]
