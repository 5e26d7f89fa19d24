"""Module 07 checkpoints: a resumed run equals an uninterrupted one bit for bit; files are .npz without pickle."""
import json
import os
import zipfile

import numpy as np
import pytest

from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam, AdamW, CosineAnnealingLR, StepLR
from tinytorch.core.tensor import Generator, default_generator, manual_seed
from tinytorch.core.training import (
    EarlyStopping, History, Trainer, load_checkpoint, minibatches, save_checkpoint, train_epoch,
)


def data(seed, n=40):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1).astype(np.int64)
    return X, y


TRAIN, VAL = data(0, 64), data(1, 24)

OPTIMIZERS = {
    "sgd-momentum": (lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), lambda o: StepLR(o, 2, 0.5)),
    "adam": (lambda ps: Adam(ps, lr=0.01, amsgrad=True), lambda o: CosineAnnealingLR(o, T_max=4)),
    "adamw": (lambda ps: AdamW(ps, lr=0.01), None),
}


def make_trainer(seed, kind):
    manual_seed(seed)
    model = Sequential(Linear(5, 12), ReLU(), Dropout(0.25), Linear(12, 3))
    make_opt, make_sched = OPTIMIZERS[kind]
    opt = make_opt(model.parameters())
    sched = make_sched(opt) if make_sched else None
    return Trainer(model, CrossEntropyLoss(), opt, scheduler=sched, batch_size=10, max_grad_norm=1.0,
                   early_stopping=EarlyStopping(patience=50), seed=seed, log=None)


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_two_plus_two_epochs_equal_four(tmp_path, kind):
    straight = make_trainer(0, kind)
    straight.fit(TRAIN, 4, val_data=VAL)
    half = make_trainer(0, kind)
    half.fit(TRAIN, 2, val_data=VAL)
    path = half.save(tmp_path / "half.npz")
    rng_after_save = default_generator.rng.bit_generator.state
    default_generator.manual_seed(999)                    # anything run in between must not matter
    resumed = make_trainer(7, kind)
    resumed.load(path)
    assert default_generator.rng.bit_generator.state == rng_after_save
    assert resumed.epoch == 2
    resumed.fit(TRAIN, 4, val_data=VAL)
    for (name, a), b in zip(straight.model.named_parameters(), resumed.model.parameters()):
        assert np.array_equal(a._data, b._data), name
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"):
        assert straight.history[column] == resumed.history[column], column
    sd_a, sd_b = straight.optimizer.state_dict(), resumed.optimizer.state_dict()
    for index, entry in sd_a["state"].items():
        for key, value in entry.items():
            assert np.array_equal(value, sd_b["state"][index][key]), (index, key)


def test_checkpoint_is_plain_npz(tmp_path):
    trainer = make_trainer(0, "adam")
    trainer.fit(TRAIN, 1, val_data=VAL)
    path = trainer.save(tmp_path / "c.npz")
    with zipfile.ZipFile(path) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(archive["__meta__"].tobytes())
        assert meta["format"] == "tinytorch-training-checkpoint"
        names = set(archive.files)
    assert "/model/0.weight" in names and "/optimizer/state/0/exp_avg" in names
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_functions_without_trainer(tmp_path):
    X, y = TRAIN
    manual_seed(1)
    model = Sequential(Linear(5, 4), ReLU(), Linear(4, 3))
    opt = Adam(model.parameters(), lr=0.02)
    gen = Generator(3)
    train_epoch(model, minibatches(X, y, 8, shuffle=True, generator=gen), CrossEntropyLoss(), opt)
    history, stopper = History(), EarlyStopping(patience=3, mode="max")
    history.log(epoch=1, val_accuracy=0.5)
    stopper.step(0.5)
    save_checkpoint(tmp_path / "f.npz", model, opt, epoch=1, history=history, early_stopping=stopper,
                    generator=gen, extra={"tag": "run-1", "scales": np.arange(3.0), "pair": (1, None)})
    manual_seed(2)
    model2 = Sequential(Linear(5, 4), ReLU(), Linear(4, 3))
    opt2 = Adam(model2.parameters(), lr=0.5)
    gen2, history2, stopper2 = Generator(0), History(), EarlyStopping(patience=3, mode="max")
    info = load_checkpoint(tmp_path / "f.npz", model2, opt2, history=history2, early_stopping=stopper2,
                           generator=gen2)
    assert info["epoch"] == 1 and info["extra"]["tag"] == "run-1" and info["extra"]["pair"] == (1, None)
    np.testing.assert_array_equal(info["extra"]["scales"], np.arange(3.0))
    assert opt2.param_groups[0]["lr"] == 0.02 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    assert gen2.rng.bit_generator.state == gen.rng.bit_generator.state
    assert history2.rows == history.rows and stopper2.best == 0.5 and stopper2.num_bad_epochs == 0


def test_bad_files_get_clear_errors(tmp_path):
    manual_seed(0)
    model = Sequential(Linear(5, 3))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.npz", model)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not an .npz"):
        load_checkpoint(text, model)
    model.save(tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="model.load"):
        load_checkpoint(tmp_path / "weights.npz", model)
    good = save_checkpoint(tmp_path / "good.npz", model)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ValueError, match="damaged"):
        load_checkpoint(damaged, model)
    wider = Sequential(Linear(5, 4))
    with pytest.raises(RuntimeError, match="size mismatch"):
        load_checkpoint(good, wider)
    with pytest.raises(ValueError, match="optimizer"):
        load_checkpoint(good, model, SGD(model.parameters(), lr=0.1))
    with pytest.raises(FileNotFoundError, match="folder"):
        save_checkpoint(tmp_path / "no" / "such" / "dir.npz", model)


def test_unsupported_state_is_refused_before_writing(tmp_path):
    model = Sequential(Linear(5, 3))
    target = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="extra/fn"):
        save_checkpoint(target, model, extra={"fn": print})
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_overwrite_keeps_old_file_when_writing_fails(tmp_path):
    model = Sequential(Linear(5, 3))
    target = save_checkpoint(tmp_path / "keep.npz", model, epoch=5)
    before = target.read_bytes()
    with pytest.raises(TypeError):
        save_checkpoint(target, model, extra={"bad": object()})
    assert target.read_bytes() == before
