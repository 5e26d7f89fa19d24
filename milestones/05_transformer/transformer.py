"""Milestone 05: "Attention is all you need" (2017): a small GPT-style transformer, built from tinytorch pieces.

Vaswani et al. replaced recurrence by attention: every position looks at every earlier position at once,
weighting them by learned query-key scores. Here one small decoder (module 13's GPT: token + learned
position embeddings, pre-norm blocks of causal multi-head attention and a GELU MLP, a final LayerNorm and
a head tied to the token embedding), trained with AdamW, learns three tasks, each with its own model:

    reversal   8 digits, a separator, then the same digits reversed      (V 11, context 16)
    addition   two 2-digit numbers: "07+45=052"                          (V 12, context 8)
    lm         next character of CPython's pydoc topics help text        (V ~100, context 64)

and the language model is trained a second time with attention forced uniform (each position averages
the values of all positions up to it: GPT(..., uniform_attention=True)), the ablation that shows what the
learned attention weights are worth.

Gates (all computed here, with NumPy on the logits the model returns, not by the modules under test):
  1. reversal: exact match (every answer token right) >= 99% on 1,000 held-out sequences
  2. addition: exact match >= 97% on the 1,000 held-out problems (of the 10,000; trained on the other 9,000)
  3. lm: held-out loss <= 1.9 nats/char, and at least 0.3 below the uniform-attention ablation
  4. probes on every trained model: changing the tokens after position k moves no logit at positions
     <= k by more than 1e-6 (causality), and one token repeated gives logits that differ across positions
     by more than 1e-3 (the positions are used)
A broken causal mask fails gate 4. Attention that averages (the mask bug of an earlier course) fails
gate 3: averaging cannot bring the held-out loss to 1.9, and the ablation measures the gap. On addition it
comes closer than one might think (the value of each position carries its position embedding, so the
average still encodes which digit stood where): run `--tasks addition --attention uniform` to see it.

Usage (from the repository root, or `tito milestone run 05 [ARGS]`):
    python milestones/05_transformer/transformer.py [--seed 0] [--out DIR] [--plot auto|png|text]
    python milestones/05_transformer/transformer.py --tasks lm --attention uniform   # the ablation: fails
    python milestones/05_transformer/transformer.py --scale 0.05      # 5% of the training steps: gates fail
Exit code 0 when every gate passes, 1 when one fails, 2 for bad arguments or a module that is missing.
"""
from __future__ import annotations

import os

# One BLAS thread: the matrices here are small (threads cost more than they save on them), and the
# results then repeat exactly from run to run. Set OPENBLAS_NUM_THREADS yourself to override it.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:          # run as a script from anywhere: find the tinytorch package
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from milestones import common  # noqa: E402

with common.needs_modules(__file__):
    from tinytorch.core.autograd import no_grad
    from tinytorch.core.losses import cross_entropy
    from tinytorch.core.optimizers import AdamW, LambdaLR
    from tinytorch.core.tensor import Generator, Tensor, manual_seed
    from tinytorch.core.training import ProgressBar
    from tinytorch.datasets import load_pydoc_topics
    from tinytorch.models.transformer import GPT
    from tinytorch.text.tokenization import CharTokenizer


# ---------------------------------------------------------------------------------------------
# Recipes: fixed step counts (not wall-clock budgets), so that a seed gives the same result anywhere.
# ---------------------------------------------------------------------------------------------
RECIPES = {
    "reversal": dict(d_model=64, n_heads=4, n_layers=2, batch=64, steps=120, lr=3e-3, warmup=20),
    "addition": dict(d_model=64, n_heads=4, n_layers=2, batch=96, steps=800, lr=4e-3, warmup=30),
    "lm": dict(d_model=48, n_heads=4, n_layers=2, batch=16, steps=800, lr=5e-3, warmup=50, context=64),
}
WEIGHT_DECAY = 0.01
FINAL_LR_FRACTION = 0.1
TASKS = ("reversal", "addition", "lm")
REVERSAL_DIGITS = 8
SEP, PLUS, EQUALS = 10, 10, 11
HELD_OUT = 1000

REVERSAL_TARGET = 0.99
ADDITION_TARGET = 0.97
LM_TARGET = 1.9              # nats per character
LM_GAP_TARGET = 0.3          # nats per character below the uniform-attention model
CAUSAL_TOLERANCE = 1e-6
POSITION_MIN_SPREAD = 1e-3


# ---------------------------------------------------------------------------------------------
# Metrics: plain NumPy on the logits (never the modules' own losses)
# ---------------------------------------------------------------------------------------------
def as_array(logits) -> np.ndarray:
    return logits.detach().numpy() if isinstance(logits, Tensor) else np.asarray(logits)


def exact_match(logits, targets) -> float:
    """Fraction of rows whose argmax token is right at EVERY position: logits (N, K, V), targets (N, K).

    With teacher forcing, all K argmaxes right is the same event as greedy decoding writing the whole
    answer right (the first wrong token would be the first place where the two differ).
    """
    pred = as_array(logits).argmax(axis=-1)
    return float(np.mean(np.all(pred == np.asarray(targets), axis=-1)))


def mean_nll(logits, targets) -> float:
    """Mean negative log-likelihood (nats) of targets (...) under logits (..., V), in float64."""
    z = as_array(logits).astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=-1))
    picked = np.take_along_axis(z, np.asarray(targets)[..., None], axis=-1)[..., 0]
    return float(np.mean(log_norm - picked))


def logits_of(model, ids, batch=128) -> np.ndarray:
    """The model's logits for the int array ids (N, T), in eval mode without a graph, as float64."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            parts = [as_array(model(Tensor(ids[s:s + batch]))) for s in range(0, len(ids), batch)]
    finally:
        model.train(was_training)
    return np.concatenate(parts).astype(np.float64)


def heldout_loss(model, ids: np.ndarray, context: int, batch=64) -> float:
    """Loss in nats/char over a token stream: consecutive non-overlapping windows of `context` tokens,
    each predicting its next `context` tokens (every character after the first is scored once)."""
    n = (len(ids) - 1) // context
    x = ids[:n * context].reshape(n, context)
    y = ids[1:n * context + 1].reshape(n, context)
    total = 0.0
    for s in range(0, n, batch):
        total += mean_nll(logits_of(model, x[s:s + batch]), y[s:s + batch]) * len(x[s:s + batch])
    return total / n


def causality_probe(model, ids: np.ndarray, k: int, rng) -> tuple[float, float]:
    """(largest logit change at positions <= k, largest at positions > k) when every token after
    position k of each row of ids (N, T) is replaced by a different random token. The first must be 0
    for a causal model; the second shows that the change reached the model at all."""
    changed = ids.copy()
    tail = changed[:, k + 1:]
    changed[:, k + 1:] = (tail + rng.integers(1, model.vocab_size, size=tail.shape)) % model.vocab_size
    a, b = logits_of(model, ids), logits_of(model, changed)
    before = float(np.abs(a[:, :k + 1] - b[:, :k + 1]).max())
    after = float(np.abs(a[:, k + 1:] - b[:, k + 1:]).max()) if k + 1 < ids.shape[1] else 0.0
    return before, after


def position_probe(model, token: int, length: int) -> float:
    """Largest difference between the logits at any position and those at position 0 when the input is
    one token repeated `length` times. Without position information every position would see the same
    multiset of equal tokens, and the logits would be equal."""
    logits = logits_of(model, np.full((1, length), token, dtype=np.int64))[0]
    return float(np.abs(logits - logits[0]).max())


@dataclass
class Gate:
    name: str
    value: float
    target: float
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'PASSED' if self.passed else 'FAILED'}  {self.name}: {self.detail}"


def accuracy_gate(name, accuracy, target, n) -> Gate:
    return Gate(name, accuracy, target, accuracy >= target,
                f"exact match {accuracy:.2%} ({int(round(accuracy * n))}/{n}) >= {target:.0%} required")


def lm_gates(loss, uniform_loss) -> list[Gate]:
    gap = uniform_loss - loss
    return [Gate("lm held-out loss", loss, LM_TARGET, loss <= LM_TARGET,
                 f"{loss:.4f} nats/char <= {LM_TARGET} required"),
            Gate("lm attention vs uniform", gap, LM_GAP_TARGET, gap >= LM_GAP_TARGET,
                 f"uniform-attention model {uniform_loss:.4f} - attention model {loss:.4f} = {gap:.4f} nats/char "
                 f">= {LM_GAP_TARGET} required")]


def probe_gates(task, model, ids, token, rng) -> list[Gate]:
    """Gate 4 on one trained model: causality on held-out rows ids (N, T), positions with `token` repeated."""
    k = ids.shape[1] // 2 - 1
    before, after = causality_probe(model, ids, k, rng)
    spread = position_probe(model, token, ids.shape[1])
    return [Gate(f"{task} causality probe", before, CAUSAL_TOLERANCE, before <= CAUSAL_TOLERANCE,
                 f"changing tokens after position {k} moved logits at positions <= {k} by {before:.2e} "
                 f"(<= {CAUSAL_TOLERANCE:.0e} required; later positions moved by {after:.3g})"),
            Gate(f"{task} position probe", spread, POSITION_MIN_SPREAD, spread > POSITION_MIN_SPREAD,
                 f"one token repeated {ids.shape[1]} times: logits differ across positions by {spread:.3g} "
                 f"(> {POSITION_MIN_SPREAD:.0e} required)")]


# ---------------------------------------------------------------------------------------------
# Data: seeded synthetic tasks and the shipped corpus
# ---------------------------------------------------------------------------------------------
def reversal_rows(digits: np.ndarray) -> np.ndarray:
    """digits (N, n) -> token rows (N, 2n + 1): the digits, the separator, the digits reversed."""
    return np.concatenate([digits, np.full((len(digits), 1), SEP), digits[:, ::-1]], axis=1).astype(np.int64)


def reversal_heldout(rng, n=HELD_OUT) -> np.ndarray:
    """n distinct random digit strings (N, REVERSAL_DIGITS)."""
    seen, rows = set(), []
    while len(rows) < n:
        for r in rng.integers(0, 10, size=(n, REVERSAL_DIGITS)):
            if tuple(r) not in seen and len(rows) < n:
                seen.add(tuple(r))
                rows.append(r)
    return np.array(rows)


def reversal_batch(rng, batch, held_out: set) -> np.ndarray:
    """A batch of fresh random digit strings, none of them in the held-out set."""
    rows = []
    while len(rows) < batch:
        rows += [r for r in rng.integers(0, 10, size=(batch, REVERSAL_DIGITS)) if tuple(r) not in held_out]
    return np.array(rows[:batch])


def addition_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """"aa+bb=sss" as token rows (N, 9): two-digit operands and three-digit sum, zero-padded."""
    s = a + b
    return np.stack([a // 10, a % 10, np.full_like(a, PLUS), b // 10, b % 10, np.full_like(a, EQUALS),
                     s // 100, s // 10 % 10, s % 10], axis=1).astype(np.int64)


def addition_split(rng):
    """(train rows (9000, 9), held-out rows (1000, 9)): all 10,000 problems, split by a seeded permutation."""
    a, b = np.divmod(rng.permutation(100 * 100), 100)
    rows = addition_rows(a, b)
    return rows[HELD_OUT:], rows[:HELD_OUT]


def addition_text(row) -> str:
    return "".join("0123456789+="[t] for t in row)


# ---------------------------------------------------------------------------------------------
# Training: AdamW, linear warm-up then cosine decay, loss on the answer positions only
# ---------------------------------------------------------------------------------------------
def schedule(warmup, steps):
    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, steps - warmup))
        return FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


@dataclass
class Run:
    """What one training run produced: the model, its loss curve and its cost."""
    label: str
    model: object
    losses: list = field(default_factory=list)
    cpu: float = 0.0
    wall: float = 0.0


def train(label, model, next_batch, first, steps, lr, warmup, log_every=None) -> Run:
    """Train `model` for `steps` AdamW steps on next_batch() -> rows (B, L); the input is rows[:, :-1],
    the targets rows[:, 1:], and the loss counts the positions from `first` on (the answer)."""
    opt = AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    sched = LambdaLR(opt, schedule(warmup, steps))
    run = Run(label, model)
    log_every = log_every or max(1, steps // 5)
    bar = ProgressBar(total=steps, desc=f"  {label:<16}")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        rows = next_batch()
        logits = model(Tensor(rows[:, :-1]))
        answer = logits[:, first:, :]
        loss = cross_entropy(answer.reshape(-1, answer.shape[-1]), Tensor(rows[:, first + 1:].reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"{label}: the loss became {value} at step {step}")
        run.losses.append(value)
        bar.update(1, loss=value)
        if step % log_every == 0 or step == steps:
            bar.close()
            recent = float(np.mean(run.losses[-log_every:]))
            print(f"  {label:<16} step {step:5d}/{steps}  loss {recent:.4f}  "
                  f"({time.process_time() - cpu0:.1f} s CPU)", flush=True)
    bar.close()
    run.cpu, run.wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return run


def build(vocab_size, context, recipe, uniform, seed):
    manual_seed(seed)                                     # the initial weights repeat
    return GPT(vocab_size, context, recipe["d_model"], recipe["n_heads"], recipe["n_layers"],
               uniform_attention=uniform)


def steps_of(recipe, scale):
    return max(1, int(round(recipe["steps"] * scale)))


# ---------------------------------------------------------------------------------------------
# The three tasks; each returns (runs, gates, summary dict)
# ---------------------------------------------------------------------------------------------
def task_reversal(args, uniform):
    recipe = RECIPES["reversal"]
    n = REVERSAL_DIGITS
    held = reversal_heldout(np.random.default_rng([args.seed, 1, 0]))
    held_set = {tuple(r) for r in held}
    rng = np.random.default_rng([args.seed, 1, 1])
    model = build(11, 2 * n, recipe, uniform, args.seed + 11)
    print(f"\n[reversal] {n} digits, separator, the digits reversed; GPT with {model.num_parameters():,} parameters")
    run = train("reversal", model, lambda: reversal_rows(reversal_batch(rng, recipe["batch"], held_set)), n,
                steps_of(recipe, args.scale), recipe["lr"], recipe["warmup"])
    rows = reversal_rows(held)
    logits = logits_of(model, rows[:, :-1])[:, n:]
    acc = exact_match(logits, rows[:, n + 1:])
    print(f"  held-out exact match {acc:.2%} on {len(rows)} sequences")
    gates = [accuracy_gate("reversal", acc, REVERSAL_TARGET, len(rows))]
    gates += probe_gates("reversal", model, rows[:32, :-1], 7, np.random.default_rng([args.seed, 1, 2]))
    return [run], gates, {"accuracy": acc}


def task_addition(args, uniform):
    recipe = RECIPES["addition"]
    train_rows, held = addition_split(np.random.default_rng([args.seed, 2, 0]))
    rng = np.random.default_rng([args.seed, 2, 1])
    model = build(12, 8, recipe, uniform, args.seed + 12)
    print(f"\n[addition] 'aa+bb=sss', trained on {len(train_rows):,} problems; GPT with "
          f"{model.num_parameters():,} parameters")
    run = train("addition", model, lambda: train_rows[rng.integers(0, len(train_rows), recipe["batch"])], 5,
                steps_of(recipe, args.scale), recipe["lr"], recipe["warmup"])
    logits = logits_of(model, held[:, :-1])[:, 5:]
    acc = exact_match(logits, held[:, 6:])
    pred = logits.argmax(axis=-1)
    wrong = np.flatnonzero(~np.all(pred == held[:, 6:], axis=-1))[:3]
    examples = ", ".join(f"{addition_text(held[i, :6])}{''.join(map(str, pred[i]))} (not {addition_text(held[i, 6:])})"
                         for i in wrong)
    print(f"  held-out exact match {acc:.2%} on {len(held)} problems" + (f"; e.g. {examples}" if examples else ""))
    gates = [accuracy_gate("addition", acc, ADDITION_TARGET, len(held))]
    gates += probe_gates("addition", model, held[:32, :-1], 7, np.random.default_rng([args.seed, 2, 2]))
    return [run], gates, {"accuracy": acc}


def task_lm(args, uniform):
    recipe = RECIPES["lm"]
    context = recipe["context"]
    tok = CharTokenizer.from_text(load_pydoc_topics("all"))
    train_ids = np.array(tok.encode(load_pydoc_topics("train")), dtype=np.int64)
    valid_ids = np.array(tok.encode(load_pydoc_topics("valid")), dtype=np.int64)
    print(f"\n[lm] pydoc topics corpus: {len(train_ids):,} training and {len(valid_ids):,} held-out characters, "
          f"{tok.vocab_size} distinct")
    runs, losses = [], {}
    for label, uni in (("lm", uniform), ("lm uniform", True)):
        rng = np.random.default_rng([args.seed, 3, 1])    # the same batches for both models
        model = build(tok.vocab_size, context, recipe, uni, args.seed + 13)
        if label == "lm":
            print(f"  GPT with {model.num_parameters():,} parameters, context {context}; then the same model "
                  "with attention forced uniform (the ablation)")

        def next_batch(rng=rng):
            starts = rng.integers(0, len(train_ids) - context - 1, recipe["batch"])
            return np.stack([train_ids[s:s + context + 1] for s in starts])
        run = train(label, model, next_batch, 0, steps_of(recipe, args.scale), recipe["lr"], recipe["warmup"])
        losses[label] = heldout_loss(model, valid_ids, context)
        print(f"  {label}: held-out loss {losses[label]:.4f} nats/char")
        runs.append(run)
    model = runs[0].model
    prompt = "The "
    sample_ids = model.generate(Tensor(np.array([tok.encode(prompt)])), max_new_tokens=args.sample_chars,
                                temperature=0.8, top_k=None, generator=Generator(args.seed))[0]
    sample = tok.decode(sample_ids.tolist())
    print(f"  sample (temperature 0.8, prompt {prompt!r}):\n" + "\n".join("    | " + line for line in sample.split("\n")))
    gates = lm_gates(losses["lm"], losses["lm uniform"])
    held = valid_ids[:32 * context].reshape(32, context)
    gates += probe_gates("lm", model, held, tok.encode(" ")[0], np.random.default_rng([args.seed, 3, 2]))
    return runs, gates, {"loss": losses["lm"], "uniform_loss": losses["lm uniform"], "sample": sample}


TASK_FUNCTIONS = {"reversal": task_reversal, "addition": task_addition, "lm": task_lm}
VERDICT_PARTS = {"reversal": "to reverse digit strings", "addition": "to add two-digit numbers",
                 "lm": "to model Python's help text"}


# ---------------------------------------------------------------------------------------------
# Pictures: the training curves, PNG with matplotlib (Agg backend), else text
# ---------------------------------------------------------------------------------------------
def smooth(values, width=20):
    values = np.asarray(values, dtype=np.float64)
    if len(values) < width:
        return values
    return np.convolve(values, np.ones(width) / width, mode="valid")


def text_curves(runs) -> str:
    lines = ["training loss (mean over each fifth of the run)"]
    for run in runs:
        parts = np.array_split(np.asarray(run.losses), min(5, len(run.losses)))
        lines.append(f"  {run.label:<16} " + "  ".join(f"{p.mean():.4f}" for p in parts))
    return "\n".join(lines)


def png_curves(path: Path, runs, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for run in runs:
        curve = smooth(run.losses)
        steps = np.arange(len(run.losses) - len(curve) + 1, len(run.losses) + 1)      # the window's last step
        ax.plot(steps, curve, label=run.label, linestyle="--" if "uniform" in run.label else "-")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (nats, moving average of 20 steps)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_outputs(out: Path, mode: str, runs, summary) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if "lm" in summary:
        sample = out / "lm_sample.txt"
        sample.write_text(summary["lm"]["sample"] + "\n", encoding="utf-8")
        paths.append(sample)
    results = out / "results.json"
    results.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    paths.append(results)
    if mode == "auto":
        try:
            import matplotlib  # noqa: F401
            mode = "png"
        except ImportError:
            print("matplotlib is not installed: writing the curves as text instead")
            mode = "text"
    if mode == "png":
        curves = out / "transformer_curves.png"
        png_curves(curves, runs, "Milestone 05: training loss of each transformer")
    else:
        curves = out / "transformer_curves.txt"
        text = text_curves(runs)
        print(text)
        curves.write_text(text + "\n", encoding="utf-8")
    return [curves] + paths


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(description="Milestone 05: a small transformer (2017) with tinytorch.")
    p.add_argument("--tasks", default=",".join(TASKS),
                   help="comma-separated tasks to run, from reversal, addition, lm (default: all three)")
    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights, the data and the batches")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply every task's number of training steps (default 1; small values fail the gates)")
    p.add_argument("--attention", choices=("learned", "uniform"), default="learned",
                   help="uniform: every model averages over the prefix instead of attending (an ablation that "
                        "must fail the gates)")
    p.add_argument("--sample-chars", type=int, default=300, help="characters the language model generates")
    p.add_argument("--out", type=Path, default=HERE / "out", help="folder for the outputs (default: %(default)s)")
    p.add_argument("--plot", choices=("auto", "png", "text"), default="auto",
                   help="png (matplotlib), text, or auto: png when matplotlib is installed")
    args = p.parse_args(argv)
    args.task_list = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in args.task_list if t not in TASKS]
    if unknown or not args.task_list:
        p.error(f"--tasks must name some of {', '.join(TASKS)}, got {args.tasks!r}")
    if not (args.scale > 0 and math.isfinite(args.scale)):
        p.error(f"--scale must be a finite number > 0, got {args.scale}")
    if args.sample_chars < 0:
        p.error(f"--sample-chars must be at least 0, got {args.sample_chars}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    print("Milestone 05: Attention is all you need (Vaswani et al., 2017): a small GPT-style transformer")
    print(f"settings: tasks={','.join(args.task_list)} seed={args.seed} scale={args.scale} "
          f"attention={args.attention} BLAS threads={os.environ.get('OPENBLAS_NUM_THREADS')}")
    uniform = args.attention == "uniform"
    all_runs, gates, summary, phases = [], [], {}, []
    for task in args.task_list:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        runs, task_gates, info = TASK_FUNCTIONS[task](args, uniform)
        phases.append((task, sum(len(r.losses) for r in runs), sum(r.cpu for r in runs),
                       time.process_time() - cpu0, time.perf_counter() - wall0))
        all_runs += runs
        gates += task_gates
        summary[task] = info
    paths = save_outputs(args.out, args.plot, all_runs, summary)
    print("outputs saved: " + ", ".join(str(p) for p in paths))

    print("\nphase        steps  training CPU s  total CPU s   wall s   (CPU: this process; wall: elapsed)")
    for task, steps, train_cpu, cpu, wall in phases:
        print(f"{task:<10} {steps:7d} {train_cpu:15.1f} {cpu:12.1f} {wall:8.1f}")
    print(f"{'total':<10} {sum(p[1] for p in phases):7d} {sum(p[2] for p in phases):15.1f} "
          f"{time.process_time() - start_cpu:12.1f} {time.perf_counter() - start_wall:8.1f}")

    print()
    for gate in gates:
        print("GATE " + gate.line())
    failed = [g for g in gates if not g.passed]
    if not failed:
        print(f"ALL {len(gates)} GATES PASSED")
        print("VERDICT: the transformer learned " + ", ".join(VERDICT_PARTS[t] for t in args.task_list) +
              (", and learned attention beats averaging" if "lm" in args.task_list else "") +
              "; causal and position-aware, as the probes show.")
        return 0
    print(f"{len(failed)} OF {len(gates)} GATES FAILED: " + ", ".join(g.name for g in failed))
    print("VERDICT: check the attention (module 12: mask, softmax, scaling) and the transformer (module 13), "
          "or train longer (--scale).")
    return 1


if __name__ == "__main__":
    sys.exit(main())
