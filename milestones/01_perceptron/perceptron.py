"""Milestone 01: Rosenblatt's perceptron (1957), built from tinytorch pieces.

A single Linear layer (module 03) holds the weights; a step function turns its output into a class;
the perceptron learning rule changes the weights only after a mistake:

    y_hat = 1 if w . x + b >= 0 else 0
    w += lr * (y - y_hat) * x,   b += lr * (y - y_hat)

No gradients and no loss function: this is the rule Rosenblatt used, before backpropagation.

Part 1 trains on a linearly separable 2-D data set made from a fixed seed. The gate: 100% training
accuracy (the perceptron convergence theorem says the rule must get there on separable data).
Part 2 runs the same rule on XOR, which no single line separates, and shows it never converges:
the problem milestone 02 solves with a hidden layer.

Usage (from the repository root):
    python milestones/01_perceptron/perceptron.py [--epochs 50] [--lr 0.1] [--seed 0] [--out DIR]
Exit code 0 when the gate passes, 1 when it fails, 2 when a needed module is not exported yet.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))     # the root: tinytorch/ and milestones/
import numpy as np  # noqa: E402

from milestones import common  # noqa: E402

with common.needs_modules(__file__):
    from tinytorch.core.layers import Linear
    from tinytorch.core.tensor import Tensor, manual_seed


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def separable_data(n: int, seed: int, margin: float = 0.1):
    """n points in [-1, 1]^2 labelled by a random line, keeping only points at least `margin` from it."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    offset = rng.uniform(-0.3, 0.3)
    points = []
    while sum(len(p) for p in points) < n:
        cand = rng.uniform(-1, 1, size=(4 * n, 2))
        dist = cand @ normal + offset
        points.append(cand[np.abs(dist) >= margin])
    X = np.concatenate(points)[:n].astype(np.float32)
    y = (X @ normal + offset > 0).astype(np.float32)
    return X, y


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# The perceptron: a Linear(2, 1) layer and a step function
# ---------------------------------------------------------------------------------------------
def predict(layer: Linear, X: np.ndarray) -> np.ndarray:
    """Classes 0/1 for every row of X: step(layer(x))."""
    scores = layer(Tensor(X))                 # (n, 1) Tensor: x @ weight.T + bias
    return (scores >= 0).numpy()[:, 0].astype(np.float32)


def accuracy(layer: Linear, X: np.ndarray, y: np.ndarray) -> float:
    return float((predict(layer, X) == y).mean())


def train_epoch(layer: Linear, X: np.ndarray, y: np.ndarray, lr: float, order: np.ndarray) -> int:
    """One pass of the perceptron rule over the samples in `order`; returns the number of mistakes."""
    mistakes = 0
    for i in order:
        x = X[i:i + 1]                                    # (1, 2)
        y_hat = predict(layer, x)[0]
        error = y[i] - y_hat                              # -1, 0 or +1
        if error != 0:
            mistakes += 1
            # the rule itself, applied to the Linear layer's parameters (no autograd involved)
            layer.weight.data += np.float32(lr * error) * x
            layer.bias.data += np.float32(lr * error)
    return mistakes


def train(layer: Linear, X, y, epochs: int, lr: float, rng, label: str, verbose: bool = True):
    """Run the rule until an epoch without mistakes (converged) or `epochs` epochs. Returns a history."""
    history = []
    for epoch in range(1, epochs + 1):
        mistakes = train_epoch(layer, X, y, lr, rng.permutation(len(X)))
        acc = accuracy(layer, X, y)
        history.append((epoch, mistakes, acc))
        if verbose:
            print(f"  [{label}] epoch {epoch:3d}   mistakes {mistakes:4d}   training accuracy {acc:7.1%}")
        if mistakes == 0:
            break
    return history


def boundary_text(layer: Linear) -> str:
    w = layer.weight.detach().numpy()[0]
    b = float(layer.bias[0])
    return f"{w[0]:+.3f}*x1 {w[1]:+.3f}*x2 {b:+.3f} = 0"


# ---------------------------------------------------------------------------------------------
# Plots: a PNG with matplotlib (Agg backend), else a text plot
# ---------------------------------------------------------------------------------------------
def text_plot(layer: Linear, X, y, lo, hi, title, width=48, height=20) -> str:
    """Character picture: '+' / '.' is the predicted class region, 'X' / 'O' are points of class 1 / 0."""
    xs = np.linspace(lo, hi, width, dtype=np.float32)
    ys = np.linspace(hi, lo, height, dtype=np.float32)
    grid = np.array([[x, yy] for yy in ys for x in xs], dtype=np.float32)
    region = predict(layer, grid).reshape(height, width)
    canvas = [["+" if c else "." for c in row] for row in region]
    for (px, py), label in zip(X, y):
        col = int(round((px - lo) / (hi - lo) * (width - 1)))
        row = int(round((hi - py) / (hi - lo) * (height - 1)))
        canvas[row][col] = "X" if label else "O"
    lines = [title, "+-" + "-" * width + "-+"]
    lines += ["| " + "".join(r) + " |" for r in canvas]
    lines.append("+-" + "-" * width + "-+")
    lines.append("X/O: points of class 1/0   +/.: region the perceptron calls 1/0")
    return "\n".join(lines)


def png_plot(path: Path, panels) -> None:
    fig = common.new_figure(5 * len(panels), 5.0)
    axes = fig.subplots(1, len(panels))
    for ax, (layer, X, y, lo, hi, title) in zip(np.atleast_1d(axes), panels):
        gx, gy = np.meshgrid(np.linspace(lo, hi, 200), np.linspace(lo, hi, 200))
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
        region = predict(layer, grid).reshape(gx.shape)
        ax.contourf(gx, gy, region, levels=[-0.5, 0.5, 1.5], colors=["#f4d4d4", "#d4e4f4"])
        ax.scatter(*X[y == 0].T, marker="o", c="#c0392b", label="class 0", edgecolors="k", linewidths=0.4)
        ax.scatter(*X[y == 1].T, marker="s", c="#2471a3", label="class 1", edgecolors="k", linewidths=0.4)
        w, b = layer.weight.detach().numpy()[0], float(layer.bias[0])
        if abs(w[1]) > 1e-12:
            line_x = np.array([lo, hi])
            ax.plot(line_x, -(w[0] * line_x + b) / w[1], "k-", lw=1.5, label="decision boundary")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=7, frameon=False)
    fig.suptitle("Milestone 01: Rosenblatt's perceptron (1957)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def save_plots(out: Path, mode: str, panels) -> Path:
    text = lambda: "\n\n".join(text_plot(*panel) for panel in panels)  # noqa: E731
    return common.save_pictures(out, mode, [("perceptron", lambda path: png_plot(path, panels), text)])[0]


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(description="Milestone 01: Rosenblatt's perceptron (1957) with tinytorch.")
    p.add_argument("--epochs", type=common.at_least(1), default=50, help="most passes over the data (default 50)")
    p.add_argument("--lr", type=common.number(0), default=0.1, help="learning rate of the perceptron rule (default 0.1)")
    p.add_argument("--points", type=common.at_least(2), default=100, help="size of the separable data set (default 100)")
    common.add_common_args(p, __file__, "seed for the data, the initial weights and the order")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    print("Milestone 01: Rosenblatt's perceptron (1957)")
    print(f"settings: epochs={args.epochs} lr={args.lr} seed={args.seed} points={args.points}")

    # Part 1: linearly separable data --------------------------------------------------------
    X, y = separable_data(args.points, args.seed)
    manual_seed(args.seed)                               # Linear's initial weights repeat
    layer = Linear(2, 1)
    rng = np.random.default_rng(args.seed + 1)
    print(f"\nPart 1: {len(X)} linearly separable points ({int(y.sum())} of class 1), "
          f"initial accuracy {accuracy(layer, X, y):.1%}")
    history = train(layer, X, y, args.epochs, args.lr, rng, "separable")
    final_acc = accuracy(layer, X, y)
    converged = history[-1][1] == 0
    total = sum(h[1] for h in history)
    print(f"  learned boundary: {boundary_text(layer)}")
    if converged:
        print(f"  converged: epoch {history[-1][0]} made no mistake ({total} weight updates in all)")
    else:
        print(f"  not converged after {len(history)} epochs ({total} weight updates)")

    # Part 2: XOR ----------------------------------------------------------------------------
    manual_seed(args.seed)
    xor_layer = Linear(2, 1)
    xor_history = train(xor_layer, XOR_X, XOR_Y, args.epochs, args.lr, np.random.default_rng(args.seed + 2),
                        "XOR", verbose=False)
    xor_best = max(h[2] for h in xor_history)
    xor_final = accuracy(xor_layer, XOR_X, XOR_Y)
    mistakes = " ".join(str(h[1]) for h in xor_history[:20]) + (" ..." if len(xor_history) > 20 else "")
    print(f"\nPart 2: XOR, the same rule for up to {args.epochs} epochs")
    print(f"  mistakes per epoch: {mistakes}")
    print(f"  best training accuracy {xor_best:.0%}, final {xor_final:.0%}; "
          f"every epoch made a mistake: {all(h[1] > 0 for h in xor_history)}")
    print("  No line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the other, so the rule keeps "
          "correcting one mistake by making another (Minsky and Papert, 1969). Milestone 02 adds a hidden layer.")

    path = save_plots(args.out, args.plot, [
        (layer, X, y, -1.2, 1.2, f"separable data: {final_acc:.0%} after {len(history)} epoch(s)"),
        (xor_layer, XOR_X, XOR_Y, -0.5, 1.5, f"XOR: best {xor_best:.0%} in {len(xor_history)} epoch(s)"),
    ])
    print(f"\nplot saved to {path}")
    print(f"time: {time.perf_counter() - start:.2f} s")

    if xor_best == 1.0:                                  # impossible for a single line: a bug somewhere
        print("VERDICT: something is wrong: a single perceptron cannot classify XOR perfectly", file=sys.stderr)
        return 1
    return common.verdict(final_acc == 1.0,
                          f"{final_acc:.1%} training accuracy on the separable set (epoch {len(history)})"
                          if final_acc == 1.0 else
                          f"{final_acc:.1%} training accuracy on the separable set (needs 100%)",
                          "the perceptron learned a separating line, and (as expected) cannot learn XOR.",
                          "try more --epochs or a learning rate > 0.")

if __name__ == "__main__":
    sys.exit(main())
