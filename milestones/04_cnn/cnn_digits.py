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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:          # run as a script from anywhere: find the tinytorch package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


try:
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam, CosineAnnealingLR
    from tinytorch.core.spatial import Conv2d, MaxPool2d
    from tinytorch.core.tensor import Generator, Tensor, manual_seed
    from tinytorch.core.training import ProgressBar
    from tinytorch.data.loader import MNIST, DataLoader, DatasetFileError, TensorDataset
    from tinytorch.datasets import load_digits
except ImportError as _exc:                              # pragma: no cover - depends on the checkout
    from tito.manifest import missing_modules_message
    print(missing_modules_message(__file__, _exc), file=sys.stderr)
    sys.exit(2)


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
def small_cnn():
    """The CNN for 8x8 digits (see the module docstring)."""
    return Sequential(
        Conv2d(1, 16, 3, padding=1), ReLU(), Conv2d(16, 32, 3, padding=1), ReLU(), MaxPool2d(2),
        Conv2d(32, 32, 3, padding=1), ReLU(), MaxPool2d(2),
        Flatten(), Linear(32 * 2 * 2, 10),
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
# Training
# ---------------------------------------------------------------------------------------------
def evaluate(model, images, labels, loss_fn, batch_size=512):
    """(mean loss, accuracy) over a whole split, in eval mode and without recording a graph."""
    model.eval()
    total_loss, correct = 0.0, 0
    with no_grad():
        for s in range(0, len(labels), batch_size):
            x, y = Tensor(images[s:s + batch_size]), Tensor(labels[s:s + batch_size])
            out = model(x)
            total_loss += loss_fn(out, y).item() * len(y.data)
            correct += int((out.data.argmax(axis=1) == y.data).sum())
    model.train()
    n = max(len(labels), 1)
    return total_loss / n, correct / n


def train(model, data, epochs, lr, batch_size, seed, verbose=True):
    """Adam + cosine schedule; returns the per-epoch history (list of dicts) and the training seconds."""
    xtr, ytr, xte, yte = data
    loader = DataLoader(TensorDataset(Tensor(xtr), Tensor(ytr)), batch_size=batch_size, shuffle=True,
                        generator=Generator(seed))
    optimizer = Adam(model.parameters(), lr=lr)
    schedule = CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    loss_fn = CrossEntropyLoss()
    history, seconds = [], 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        bar = ProgressBar(total=len(loader), desc=f"  epoch {epoch:2d}/{epochs}")
        run_loss, run_correct, seen = 0.0, 0, 0
        current_lr = optimizer.param_groups[0]["lr"]
        for x, y in loader:
            out = model(x)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"the loss became {value} in epoch {epoch}: lower --lr")
            run_loss += value * len(y.data)
            run_correct += int((out.data.argmax(axis=1) == y.data).sum())
            seen += len(y.data)
            bar.update(1, loss=value)
        bar.close()
        schedule.step()
        seconds += time.perf_counter() - start
        test_loss, test_acc = evaluate(model, xte, yte, loss_fn)
        row = {"epoch": epoch, "lr": current_lr, "train_loss": run_loss / seen, "train_acc": run_correct / seen,
               "test_loss": test_loss, "test_acc": test_acc, "seconds": time.perf_counter() - start}
        history.append(row)
        if verbose:
            print(f"  epoch {epoch:2d}/{epochs}  lr {current_lr:.5f}  train loss {row['train_loss']:.4f} "
                  f"acc {row['train_acc']:6.2%}  |  test loss {test_loss:.4f} acc {test_acc:6.2%}  "
                  f"({row['seconds']:.2f} s)", flush=True)
    return history, seconds


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
    lines = ["epoch  train_loss  test_loss  train_acc  test_acc"]
    for h in history:
        lines.append(f"{h['epoch']:5d}  {h['train_loss']:10.4f}  {h['test_loss']:9.4f}  {h['train_acc']:9.2%}  "
                     f"{h['test_acc']:8.2%}")
    return "\n".join(lines)


def png_curves(path: Path, history, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = [h["epoch"] for h in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    ax1.plot(epochs, [h["test_loss"] for h in history], "s-", label="test")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy loss")
    ax1.set_yscale("log")
    ax1.legend()
    ax2.plot(epochs, [100 * h["train_acc"] for h in history], "o-", label="train")
    ax2.plot(epochs, [100 * h["test_acc"] for h in history], "s-", label="test")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy (%)")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def png_filters(path: Path, weight: np.ndarray, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = weight.shape[0]
    cols = min(8, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.5 * rows + 0.6))
    limit = float(np.abs(weight).max()) or 1.0
    for k, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(weight[k, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"#{k}", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_pictures(out: Path, mode: str, history, weight, label) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    if mode == "auto":
        try:
            import matplotlib  # noqa: F401
            mode = "png"
        except ImportError:
            print("matplotlib is not installed: writing text pictures instead")
            mode = "text"
    if mode == "png":
        curves, filters = out / "cnn_curves.png", out / "cnn_filters.png"
        png_curves(curves, history, f"Milestone 04: LeNet-style CNN on {label}")
        png_filters(filters, weight, f"learned first-layer filters ({label}); red > 0, blue < 0")
        return [curves, filters]
    curves_text, filters_text = text_curves(history), text_filters(weight)
    print(curves_text + "\n\n" + filters_text)
    curves, filters = out / "cnn_curves.txt", out / "cnn_filters.txt"
    curves.write_text(curves_text + "\n", encoding="utf-8")
    filters.write_text(filters_text + "\n", encoding="utf-8")
    return [curves, filters]


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
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over the training set (default 20 for digits, 2 for mnist); 0 evaluates the "
                        "untrained network, which fails the gate")
    p.add_argument("--lr", type=float, default=0.003, help="Adam's initial learning rate (default 0.003)")
    p.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the batch order")
    p.add_argument("--target", type=float, default=0.98, help="test accuracy the gate requires (default 0.98)")
    p.add_argument("--out", type=Path, default=HERE / "out", help="folder for the pictures (default: %(default)s)")
    p.add_argument("--plot", choices=("auto", "png", "text"), default="auto",
                   help="png (matplotlib), text, or auto: png when matplotlib is installed")
    args = p.parse_args(argv)
    if args.epochs is None:
        args.epochs = 20 if args.data == "digits" else 2
    if args.epochs < 0:
        p.error(f"--epochs must be at least 0, got {args.epochs}")
    if not (args.lr > 0 and math.isfinite(args.lr)):
        p.error(f"--lr must be a finite number > 0, got {args.lr}")
    if args.batch_size < 1:
        p.error(f"--batch-size must be at least 1, got {args.batch_size}")
    if not 0.0 <= args.target <= 1.0:
        p.error(f"--target must be between 0 and 1, got {args.target}")
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

    _, initial_acc = evaluate(model, xte, yte, CrossEntropyLoss())
    print(f"\nuntrained test accuracy {initial_acc:.2%}; training {args.epochs} epoch(s)")
    history, train_seconds = train(model, data, args.epochs, args.lr, args.batch_size, args.seed)
    final_acc = history[-1]["test_acc"] if history else initial_acc
    if history:
        n_steps = args.epochs * math.ceil(len(ytr) / args.batch_size)
        print(f"training time {train_seconds:.2f} s ({1e3 * train_seconds / n_steps:.1f} ms per step of "
              f"{args.batch_size} images, evaluation excluded)")
        paths = save_pictures(args.out, args.plot, history, first_conv(model).weight.data, label)
        print("pictures saved: " + ", ".join(str(p) for p in paths))
    print(f"total time: {time.perf_counter() - start:.2f} s")

    correct = int(round(final_acc * len(yte)))
    if final_acc >= args.target:
        print(f"GATE PASSED: test accuracy {final_acc:.2%} ({correct}/{len(yte)}) >= {args.target:.2%}")
        print("VERDICT: shared convolution filters and pooling classify the digits, as LeNet did in 1998.")
        return 0
    print(f"GATE FAILED: test accuracy {final_acc:.2%} ({correct}/{len(yte)}) < {args.target:.2%}")
    print("VERDICT: train longer (--epochs) or check the modules this milestone uses.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
