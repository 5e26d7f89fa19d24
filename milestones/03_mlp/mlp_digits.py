"""Milestone 03: backpropagation (Rumelhart, Hinton and Williams, 1986) -- an MLP on handwritten digits.

A multi-layer perceptron, 64 -> hidden -> 10, learns to read the 8x8 UCI handwritten digits that ship
with tinytorch (1,438 training and 359 test images). Everything is your own code: Tensors (01), ReLU
(02), Linear/Dropout (03), cross-entropy (04), backpropagation (05), Adam and a cosine learning-rate
schedule (06), and the Trainer, curves and checkpoint of module 07.

The gate: at least 97% accuracy on the TEST images, which the model never trains on. The test set is
also evaluated after every epoch so that the curves show it, but nothing (no early stopping, no choice
of epoch) is decided from it: the reported number is the one after the last epoch.

Usage (from the repository root):
    python milestones/03_mlp/mlp_digits.py [--epochs 30] [--lr 0.002] [--seed 0] [--hidden 256] [--out DIR]
Exit code 0 when the gate passes, 1 when it fails, 2 for bad arguments or a module not exported yet.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Small matrices: a multithreaded BLAS spends more time waking its threads than multiplying, and on a
# busy 2-core machine it can be many times slower. One thread per process unless the user says otherwise.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))     # the root: tinytorch/ and milestones/
import numpy as np  # noqa: E402

from milestones import common  # noqa: E402

GATE = 0.97

with common.needs_modules(__file__):
    from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam, CosineAnnealingLR
    from tinytorch.core.tensor import manual_seed
    from tinytorch.core.training import Trainer, evaluate, minibatches, plot_history
    from tinytorch.datasets import load_digits


def load_data():
    """Flattened digits, standardised with the TRAINING set's per-pixel mean and spread."""
    X_train, y_train = load_digits("train")
    X_test, y_test = load_digits("test")
    X_train = X_train.reshape(len(X_train), -1)
    X_test = X_test.reshape(len(X_test), -1)
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0) + 0.1                   # +0.1: some border pixels are always 0
    standardise = lambda X: ((X - mean) / scale).astype(np.float32)  # noqa: E731
    return (standardise(X_train), y_train), (standardise(X_test), y_test)


def build_model(hidden: int, input_dropout: float, dropout: float):
    """64 pixels -> hidden ReLU units -> 10 logits, with dropout on the pixels and on the hidden layer."""
    return Sequential(Dropout(input_dropout), Linear(64, hidden), ReLU(), Dropout(dropout), Linear(hidden, 10))


def parse_args(argv):
    p = argparse.ArgumentParser(description="Milestone 03: an MLP trained with backpropagation on digits.")
    p.add_argument("--epochs", type=common.at_least(0), default=30, help="passes over the training set (default 30)")
    p.add_argument("--lr", type=common.number(0), default=0.002, help="initial Adam learning rate, annealed by a "
                   "cosine schedule (default 0.002)")
    p.add_argument("--hidden", type=common.at_least(1), default=256, help="units in the hidden layer (default 256)")
    p.add_argument("--batch-size", type=common.at_least(1), default=32, help="mini-batch size (default 32)")
    probability = common.number(0, 1, high_open=True)
    p.add_argument("--input-dropout", type=probability, default=0.1, help="dropout probability on the input "
                   "pixels (default 0.1)")
    p.add_argument("--dropout", type=probability, default=0.3, help="dropout probability after the hidden layer "
                   "(default 0.3)")
    common.add_common_args(p, __file__, "seed of the weights, dropout and batch order", plot=False)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    print("Milestone 03: backpropagation (1986) -- an MLP on 8x8 handwritten digits")
    (X_train, y_train), (X_test, y_test) = load_data()
    print(f"data: {len(X_train)} training and {len(X_test)} test images of 8x8 = 64 pixels, 10 classes")

    manual_seed(args.seed)
    model = build_model(args.hidden, args.input_dropout, args.dropout)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = Adam(model.parameters(), lr=args.lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=max(1, args.epochs))
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, batch_size=args.batch_size,
                      seed=args.seed, log=lambda line: print(line.replace(" val ", " test ")))
    print(f"model: Dropout({args.input_dropout}) -> 64 -> {args.hidden} -> ReLU -> Dropout({args.dropout}) -> 10, "
          f"{n_params} parameters; "
          f"Adam lr {args.lr} with cosine annealing, batch {args.batch_size}, {args.epochs} epochs, seed {args.seed}")
    print("progress (the test columns are for the curves only; nothing is chosen from them):")

    train_start = time.perf_counter()
    history = trainer.fit((X_train, y_train), epochs=args.epochs, val_data=(X_test, y_test))
    train_seconds = time.perf_counter() - train_start

    loss_fn = CrossEntropyLoss()
    final_test = evaluate(model, minibatches(X_test, y_test, 512), loss_fn)
    final_train = evaluate(model, minibatches(X_train, y_train, 512), loss_fn)
    correct = int(round(final_test["accuracy"] * final_test["samples"]))

    args.out.mkdir(parents=True, exist_ok=True)
    if len(history):
        curves = plot_history(history, args.out / "mlp_digits_curves.png",
                              title=f"Milestone 03: MLP 64-{args.hidden}-10 on digits (seed {args.seed})")
        print(f"\ncurves saved to {curves}")
    checkpoint = trainer.save(args.out / "mlp_digits_checkpoint.npz")
    print(f"checkpoint (model, Adam, schedule, generators) saved to {checkpoint}")

    if len(history):
        fwd, bwd, stp = (sum(history[k]) for k in ("forward_s", "backward_s", "step_s"))
        print(f"training time {train_seconds:.2f} s for {args.epochs} epochs ({train_seconds / args.epochs:.3f} s/epoch): "
              f"forward {fwd:.2f} s, backward {bwd:.2f} s, optimiser step {stp:.2f} s")
    print(f"final: train accuracy {final_train['accuracy']:.2%}, TEST accuracy {final_test['accuracy']:.2%} "
          f"({correct}/{final_test['samples']}), test loss {final_test['loss']:.4f}")
    print(f"time: {time.perf_counter() - start:.2f} s")

    passed = final_test["accuracy"] >= GATE
    return common.verdict(passed, f"test accuracy {final_test['accuracy']:.2%} {'>=' if passed else '<'} {GATE:.0%}",
                          "backpropagation through a hidden layer reads handwritten digits.",
                          "train longer (--epochs), use a learning rate > 0 (--lr), or a wider hidden layer (--hidden).")

if __name__ == "__main__":
    sys.exit(main())
