"""Milestone 02: XOR (Minsky and Papert, 1969), solved by a hidden layer trained with backpropagation.

Part 1 trains a single-layer perceptron -- one Linear(2, 2) layer, softmax cross-entropy, autograd and
Adam -- on the four XOR points and records its best accuracy over all epochs: no straight line separates
XOR, so it can never exceed 3 of 4 points (75%).
Part 2 adds one hidden layer: Linear(2, hidden) -> Tanh -> Linear(hidden, 2), trained the same way with
the same optimiser and epochs. The gate: 100% accuracy on XOR after training.

Uses modules 01-06 only (tensor, activations, layers, losses, autograd, optimizers); the training loop
is written out here, as it was before module 07 packaged it.

Usage (from the repository root):
    python milestones/02_xor/xor.py [--epochs 300] [--lr 0.05] [--seed 0] [--hidden 4] [--out DIR]
Exit code 0 when the gate passes, 1 when it fails, 2 for bad arguments or a module not exported yet.
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
    from tinytorch.core.activations import softmax
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.layers import Linear, Sequential, Tanh
    from tinytorch.core.losses import cross_entropy
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.tensor import Tensor, manual_seed

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.int64)


def accuracy(model, X, y) -> float:
    with no_grad():
        return float(np.mean(model(Tensor(X)).detach().numpy().argmax(axis=1) == y))


def train(model, epochs: int, lr: float, label: str, every: int):
    """Full-batch training on the 4 XOR points; returns a list of (epoch, loss, accuracy)."""
    optimizer = Adam(model.parameters(), lr=lr)
    x, y = Tensor(XOR_X), Tensor(XOR_Y)
    history = [(0, float(cross_entropy(model(x), y).item()), accuracy(model, XOR_X, XOR_Y))]
    for epoch in range(1, epochs + 1):
        loss = cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append((epoch, float(loss.item()), accuracy(model, XOR_X, XOR_Y)))
        if epoch % every == 0 or epoch == epochs:
            print(f"  [{label}] epoch {epoch:4d}/{epochs}   loss {history[-1][1]:.4f}   accuracy {history[-1][2]:5.0%}")
    return history


# ---------------------------------------------------------------------------------------------
# Output: decision regions as a PNG (matplotlib, Agg canvas) or a text plot
# ---------------------------------------------------------------------------------------------
def predict_grid(model, xs, ys):
    grid = np.array([[a, b] for b in ys for a in xs], dtype=np.float32)
    with no_grad():
        return model(Tensor(grid)).detach().numpy().argmax(axis=1).reshape(len(ys), len(xs))


def text_plot(model, title: str, width: int = 40, height: int = 16) -> str:
    xs = np.linspace(-0.5, 1.5, width)
    ys = np.linspace(1.5, -0.5, height)
    region = predict_grid(model, xs, ys)
    canvas = [["+" if c else "." for c in row] for row in region]
    for (px, py), label in zip(XOR_X, XOR_Y):
        col = int(round((px + 0.5) / 2.0 * (width - 1)))
        row = int(round((1.5 - py) / 2.0 * (height - 1)))
        canvas[row][col] = "X" if label else "O"
    lines = [title, "+" + "-" * width + "+"] + ["|" + "".join(r) + "|" for r in canvas]
    lines += ["+" + "-" * width + "+", "X/O: XOR = 1/0   +/.: region predicted 1/0"]
    return "\n".join(lines)


def png_plot(path: Path, panels) -> None:
    fig = common.new_figure(11, 4)
    axes = fig.subplots(1, 3)
    xs = ys = np.linspace(-0.5, 1.5, 200)
    for ax, (model, title) in zip(axes[:2], panels[:2]):
        region = predict_grid(model, xs, ys)
        ax.contourf(xs, ys, region, levels=[-0.5, 0.5, 1.5], colors=["#f4d4d4", "#d4e4f4"])
        for cls, marker, colour in ((0, "o", "#c0392b"), (1, "s", "#2471a3")):
            pts = XOR_X[XOR_Y == cls]
            ax.scatter(pts[:, 0], pts[:, 1], marker=marker, c=colour, s=80, edgecolors="k", label=f"XOR = {cls}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.legend(loc="upper center", fontsize=8)
    ax = axes[2]
    for (label, history) in panels[2]:
        ax.plot([h[0] for h in history], [h[1] for h in history], label=f"{label} loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle("Milestone 02: XOR needs a hidden layer (Minsky and Papert, 1969)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def save_output(out: Path, mode: str, perceptron, mlp, hist_p, hist_m, best_p, final_m) -> Path:
    title_p = f"single layer: best {best_p:.0%}"
    title_m = f"hidden layer: {final_m:.0%}"
    panels = [(perceptron, title_p), (mlp, title_m), [("single layer", hist_p), ("hidden layer", hist_m)]]
    return common.save_pictures(out, mode, [(
        "xor", lambda path: png_plot(path, panels),
        lambda: text_plot(perceptron, title_p) + "\n\n" + text_plot(mlp, title_m))])[0]


def parse_args(argv):
    p = argparse.ArgumentParser(description="Milestone 02: XOR solved by a hidden layer (tinytorch).")
    p.add_argument("--epochs", type=common.at_least(0), default=300, help="full-batch training steps (default 300)")
    p.add_argument("--lr", type=common.number(0), default=0.05, help="Adam learning rate (default 0.05)")
    p.add_argument("--hidden", type=common.at_least(1), default=4, help="units in the hidden layer (default 4)")
    common.add_common_args(p, __file__, "seed of the initial weights")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    every = max(1, args.epochs // 10)
    print("Milestone 02: XOR (Minsky and Papert, 1969), solved by a hidden layer")
    print(f"settings: epochs={args.epochs} lr={args.lr} seed={args.seed} hidden={args.hidden} (Adam, full batch; "
          f"progress every {every} epochs)")

    print("\nPart 1: a single-layer perceptron, Linear(2, 2), trained with autograd")
    manual_seed(args.seed)
    perceptron = Sequential(Linear(2, 2))
    hist_p = train(perceptron, args.epochs, args.lr, "single layer", every)
    best_p = max(h[2] for h in hist_p)
    print(f"  best accuracy over {args.epochs} epochs: {best_p:.0%} "
          f"({int(round(best_p * 4))} of 4 points); a line can separate at most 3 of them")

    print(f"\nPart 2: Linear(2, {args.hidden}) -> Tanh -> Linear({args.hidden}, 2), the same loss, optimiser and epochs")
    manual_seed(args.seed)
    mlp = Sequential(Linear(2, args.hidden), Tanh(), Linear(args.hidden, 2))
    hist_m = train(mlp, args.epochs, args.lr, "hidden layer", every)
    final_m = accuracy(mlp, XOR_X, XOR_Y)
    with no_grad():
        probs = softmax(mlp(Tensor(XOR_X)), dim=1).detach().numpy()[:, 1]
    for (a, b), target, p1 in zip(XOR_X, XOR_Y, probs):
        print(f"  x = ({a:.0f}, {b:.0f})   XOR = {target}   P(class 1) = {p1:.4f}")
    first = next((h[0] for h in hist_m if h[2] == 1.0), None)
    print(f"  final accuracy {final_m:.0%}; first epoch at 100%: {first if first is not None else 'never'}")

    path = save_output(args.out, args.plot, perceptron, mlp, hist_p, hist_m, best_p, final_m)
    print(f"\nplot saved to {path}")
    print(f"time: {time.perf_counter() - start:.2f} s")

    if best_p > 0.75:
        print(f"VERDICT: something is wrong: a single layer reached {best_p:.0%} on XOR, which no line can do",
              file=sys.stderr)
        return 1
    return common.verdict(final_m == 1.0,
                          f"100% accuracy on XOR with a hidden layer (single layer: best {best_p:.0%})" if final_m == 1.0
                          else f"{final_m:.0%} accuracy on XOR with a hidden layer (needs 100%)",
                          "one hidden layer trained by backpropagation solves what a perceptron cannot.",
                          "train longer (--epochs), use a learning rate > 0 (--lr), or more hidden units (--hidden).")

if __name__ == "__main__":
    sys.exit(main())
