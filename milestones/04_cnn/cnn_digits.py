"""Milestone 04: a LeNet-style convolutional network (1998), built from tinytorch pieces.

LeCun, Bottou, Bengio and Haffner trained LeNet-5 on 32 x 32 digit images: convolutions that share a few
weights across the whole image, pooling that shrinks it, then fully connected layers. Here the same
recipe runs on the 8 x 8 UCI digits shipped with tinytorch (1,437 training and 359 test images), with an
architecture adapted to such small images:

    Conv2d(1->16, 3x3, pad 1) ReLU  Conv2d(16->32, 3x3, pad 1) ReLU  MaxPool2d(2)      8x8 -> 4x4
    Conv2d(32->32, 3x3, pad 1) ReLU  MaxPool2d(2)                                      4x4 -> 2x2
    Flatten  Linear(32*2*2 -> 10)

trained with Adam and a cosine learning-rate schedule. With `--data mnist --data-dir DIR` it trains the
classic LeNet-5 layout (5x5 convolutions, 6 and 16 channels, 120-84-10 classifier) on the MNIST IDX files
in DIR, read and checked by module 08's MNIST dataset.

The gate: test accuracy >= --target (default 0.98). Outputs (in --out): the training curves and the
learned first-layer filters, as PNG files with matplotlib, else as text.

Usage (from the repository root, or `tito milestone run 04 [ARGS]`):
    python milestones/04_cnn/cnn_digits.py [--epochs 20] [--lr 0.003] [--seed 0] [--out DIR]
    python milestones/04_cnn/cnn_digits.py --data mnist --data-dir ~/data/mnist [--epochs 2]
Exit code 0 when the gate passes, 1 when it fails, 2 when a needed module or data file is missing.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))     # the root: tinytorch/ and milestones/
import numpy as np  # noqa: E402

from milestones import common  # noqa: E402

with common.needs_modules(__file__):
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam, CosineAnnealingLR
    from tinytorch.core.spatial import Conv2d, MaxPool2d
    from tinytorch.core.tensor import Tensor, manual_seed
    from tinytorch.core.training import Trainer, evaluate, minibatches, plot_history
    from tinytorch.data.loader import MNIST, DatasetFileError
    from tinytorch.datasets import load_digits

# Where small_cnn takes its layer classes from by default; bench/run.py passes torch.nn instead, so that
# PyTorch trains exactly the network defined here.
LAYERS = SimpleNamespace(Sequential=Sequential, Conv2d=Conv2d, ReLU=ReLU, MaxPool2d=MaxPool2d, Flatten=Flatten,
                         Linear=Linear)


# ---------------------------------------------------------------------------------------------
# Data: (train images, train labels, test images, test labels), images float32 (N, 1, H, W) in [0, 1]
# ---------------------------------------------------------------------------------------------
def digits_data():
    xtr, ytr = load_digits("train")
    xte, yte = load_digits("test")
    return xtr[:, None], ytr, xte[:, None], yte


def mnist_data(root: Path, verify: bool):
    """MNIST through module 08's dataset (files found, sha256-checked unless verify is False, parsed)."""
    train = MNIST(root, train=True, verify=verify)
    test = MNIST(root, train=False, verify=verify)

    def as_float(images):
        return (np.asarray(images, dtype=np.float32) / np.float32(255.0))[:, None]
    return as_float(train.data), train.targets, as_float(test.data), test.targets


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------
def small_cnn(nn=LAYERS):
    """The CNN for 8x8 digits (see the module docstring), built from `nn`'s Sequential, Conv2d, ReLU,
    MaxPool2d, Flatten and Linear (tinytorch's by default; `small_cnn(torch.nn)` builds PyTorch's twin)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
    )


def lenet5(image_size):
    """LeNet-5's layout (ReLU and max pooling instead of the 1998 tanh and subsampling layers)."""
    features = Sequential(Conv2d(1, 6, 5, padding=2), ReLU(), MaxPool2d(2), Conv2d(6, 16, 5), ReLU(), MaxPool2d(2))
    with no_grad():                                       # the Flatten -> Linear bridge: measure C*H*W
        flat = int(np.prod(features(Tensor(np.zeros((1, 1, *image_size), dtype=np.float32))).shape[1:]))
    return Sequential(features, Flatten(), Linear(flat, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10))


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# Training: module 07's Trainer
# ---------------------------------------------------------------------------------------------
def test_accuracy(model, images, labels) -> float:
    """Accuracy over a whole split, in eval mode and without recording a graph."""
    return evaluate(model, minibatches(images, labels, 512), CrossEntropyLoss())["accuracy"]


def train(model, data, epochs, lr, batch_size, seed, log=print):
    """Adam + cosine schedule with module 07's Trainer (batches in an order drawn from Generator(seed));
    the test split is evaluated after every epoch for the curves only (nothing is chosen from it).
    Returns the History and the training seconds (evaluation excluded)."""
    xtr, ytr, xte, yte = data
    optimizer = Adam(model.parameters(), lr=lr)
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, batch_size=batch_size, seed=seed,
                      scheduler=CosineAnnealingLR(optimizer, T_max=max(epochs, 1)),
                      log=lambda line: log("  " + line.replace(" val ", " test ")))
    history = trainer.fit((xtr, ytr), epochs, val_data=(xte, yte))
    return history, sum(history["seconds"]) if len(history) else 0.0


# ---------------------------------------------------------------------------------------------
# Pictures: PNG with matplotlib (Agg backend), else text
# ---------------------------------------------------------------------------------------------
def first_conv(model):
    return next(m for m in model.modules() if isinstance(m, Conv2d))


def text_filters(weight: np.ndarray) -> str:
    """Each first-layer filter as characters from dark (negative) to bright (positive)."""
    shades = " .:-=+*#%@"
    lines = [f"first-layer filters ({weight.shape[0]} of {weight.shape[2]}x{weight.shape[3]}), "
             "' ' most negative ... '@' most positive"]
    row_blocks = []
    for o in range(weight.shape[0]):
        w = weight[o, 0]
        lo, hi = float(w.min()), float(w.max())
        scaled = np.zeros_like(w) if hi == lo else (w - lo) / (hi - lo)
        row_blocks.append(["".join(shades[int(round(v * (len(shades) - 1)))] * 2 for v in r) for r in scaled])
    per_line = 8
    for s in range(0, len(row_blocks), per_line):
        group = row_blocks[s:s + per_line]
        lines.append("  ".join(f"#{s + k:<{2 * weight.shape[3] - 1}d}" for k in range(len(group))))
        for r in range(weight.shape[2]):
            lines.append("  ".join(block[r] for block in group))
    return "\n".join(lines)


def text_curves(history) -> str:
    return history.table(["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]).replace("val_", "test_")


def png_filters(path: Path, weight: np.ndarray, title):
    n = weight.shape[0]
    cols = min(8, n)
    rows = (n + cols - 1) // cols
    fig = common.new_figure(1.4 * cols, 1.5 * rows + 0.6)
    axes = fig.subplots(rows, cols)
    limit = float(np.abs(weight).max()) or 1.0
    for k, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(weight[k, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"#{k}", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def save_pictures(out: Path, mode: str, history, weight, label) -> list[Path]:
    return common.save_pictures(out, mode, [
        ("cnn_curves", lambda path: plot_history(history, path, f"Milestone 04: LeNet-style CNN on {label} "
                                                               "(val = the test split)"),
         lambda: text_curves(history)),
        ("cnn_filters", lambda path: png_filters(path, weight, f"learned first-layer filters ({label}); "
                                                               "red > 0, blue < 0"),
         lambda: text_filters(weight)),
    ])


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(description="Milestone 04: a LeNet-style CNN (1998) with tinytorch.")
    p.add_argument("--data", choices=("digits", "mnist"), default="digits",
                   help="digits: the 8x8 UCI digits shipped with tinytorch (default); mnist: IDX files in --data-dir")
    p.add_argument("--data-dir", type=Path, default=None, help="folder holding the MNIST IDX files (for --data mnist)")
    p.add_argument("--no-verify", action="store_true",
                   help="use MNIST files without checking their sha256 against the published digests (warns)")
    p.add_argument("--epochs", type=common.at_least(0), default=None,
                   help="passes over the training set (default 20 for digits, 2 for mnist); 0 evaluates the "
                        "untrained network, which fails the gate")
    p.add_argument("--lr", type=common.number(0, low_open=True), default=0.003,
                   help="Adam's initial learning rate (default 0.003)")
    p.add_argument("--batch-size", type=common.at_least(1), default=32, help="mini-batch size (default 32)")
    p.add_argument("--target", type=common.number(0, 1), default=0.98,
                   help="test accuracy the gate requires (default 0.98)")
    common.add_common_args(p, __file__, "seed for the initial weights and the batch order")
    args = p.parse_args(argv)
    if args.epochs is None:
        args.epochs = 20 if args.data == "digits" else 2
    if args.data == "mnist" and args.data_dir is None:
        p.error("--data mnist needs --data-dir DIR, the folder with train-images-idx3-ubyte[.gz] and the other "
                "three MNIST files")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    print("Milestone 04: a LeNet-style convolutional network (LeCun et al., 1998)")
    print(f"settings: data={args.data} epochs={args.epochs} lr={args.lr} batch_size={args.batch_size} "
          f"seed={args.seed} target={args.target:.2%}")

    if args.data == "digits":
        data, label = digits_data(), "8x8 digits"
    else:
        try:
            data = mnist_data(args.data_dir, verify=not args.no_verify)
        except DatasetFileError as exc:
            print(f"cannot read MNIST from {args.data_dir}: {exc}", file=sys.stderr)
            return 2
        label = "MNIST"
    xtr, ytr, xte, yte = data
    print(f"data: {label}, {len(ytr)} training and {len(yte)} test images of {xtr.shape[2]}x{xtr.shape[3]} pixels")

    manual_seed(args.seed)                                # the layers' initial weights repeat
    model = small_cnn() if args.data == "digits" else lenet5(xtr.shape[2:])
    print(f"model: {count_parameters(model):,} parameters")
    print(model)

    initial_acc = test_accuracy(model, xte, yte)
    print(f"\nuntrained test accuracy {initial_acc:.2%}; training {args.epochs} epoch(s)")
    history, train_seconds = train(model, data, args.epochs, args.lr, args.batch_size, args.seed)
    final_acc = history["val_accuracy"][-1] if len(history) else initial_acc          # val = the test split
    if len(history):
        n_steps = args.epochs * math.ceil(len(ytr) / args.batch_size)
        print(f"training time {train_seconds:.2f} s ({1e3 * train_seconds / n_steps:.1f} ms per step of "
              f"{args.batch_size} images, evaluation excluded)")
        paths = save_pictures(args.out, args.plot, history, first_conv(model).weight.detach().numpy(), label)
        print("pictures saved: " + ", ".join(str(p) for p in paths))
    print(f"total time: {time.perf_counter() - start:.2f} s")

    passed = final_acc >= args.target
    return common.verdict(passed, f"test accuracy {final_acc:.2%} ({int(round(final_acc * len(yte)))}/{len(yte)}) "
                                  f"{'>=' if passed else '<'} {args.target:.2%}",
                          "shared convolution filters and pooling classify the digits, as LeNet did in 1998.",
                          "train longer (--epochs) or check the modules this milestone uses.")

if __name__ == "__main__":
    sys.exit(main())
