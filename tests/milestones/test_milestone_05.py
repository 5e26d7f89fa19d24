"""Milestone 05 (a small transformer): the metrics, every gate failing on the model it is meant to catch
(and passing on a sound one), the script's exit codes and outputs; the full run and the uniform-attention
ablation are `slow` (CI also runs the milestone itself)."""
import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "milestones" / "05_transformer" / "transformer.py"


def load_script():
    spec = importlib.util.spec_from_file_location("milestone_05_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module            # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


M = load_script()


def run(*args, timeout=900):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def gpt(vocab=11, context=16, **kw):
    from tinytorch.core.tensor import manual_seed
    from tinytorch.models.transformer import GPT
    manual_seed(0)
    return GPT(vocab, context, 32, 4, 2, **kw)


# ---- metrics ----------------------------------------------------------------------------------------
def test_exact_match_needs_every_position_right():
    logits = np.zeros((3, 2, 4))
    logits[0, 0, 1] = logits[0, 1, 2] = 1          # row 0 predicts [1, 2]
    logits[1, 0, 1] = logits[1, 1, 3] = 1          # row 1 predicts [1, 3]
    logits[2, 0, 0] = logits[2, 1, 2] = 1          # row 2 predicts [0, 2]
    assert M.exact_match(logits, np.array([[1, 2], [1, 2], [1, 2]])) == pytest.approx(1 / 3)


def test_mean_nll_is_the_cross_entropy_formula():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 5, 7)).astype(np.float32) * 30       # large values: the shift matters
    targets = rng.integers(0, 7, (2, 5))
    z = logits.astype(np.float64)
    expected = np.mean([math.log(np.exp(z[i, j] - z[i, j].max()).sum()) - (z[i, j, targets[i, j]] - z[i, j].max())
                        for i in range(2) for j in range(5)])
    assert M.mean_nll(logits, targets) == pytest.approx(expected, rel=1e-12)
    assert M.mean_nll(np.zeros((4, 10)), np.arange(4)) == pytest.approx(math.log(10))


def test_heldout_loss_scores_every_next_character_once():
    class Uniform:                       # a "model" whose logits are 0 everywhere: loss ln V per character
        vocab_size, training = 5, False

        def eval(self):
            pass

        def train(self, mode=True):
            pass

        def __call__(self, idx):
            return np.zeros(idx.shape + (5,), dtype=np.float32)
    assert M.heldout_loss(Uniform(), np.arange(101) % 5, 10) == pytest.approx(math.log(5))


def test_data_of_the_two_tasks():
    rows = M.reversal_rows(np.array([[1, 2, 3, 4, 5, 6, 7, 8]]))
    assert rows.tolist() == [[1, 2, 3, 4, 5, 6, 7, 8, M.SEP, 8, 7, 6, 5, 4, 3, 2, 1]]
    held = M.reversal_heldout(np.random.default_rng(0))
    assert held.shape == (1000, 8) and len({tuple(r) for r in held}) == 1000
    batch = M.reversal_batch(np.random.default_rng(1), 64, {tuple(r) for r in held})
    assert batch.shape == (64, 8) and not {tuple(r) for r in batch} & {tuple(r) for r in held}
    assert M.addition_text(M.addition_rows(np.array([7]), np.array([45]))[0]) == "07+45=052"
    assert M.addition_text(M.addition_rows(np.array([99]), np.array([99]))[0]) == "99+99=198"
    train, test = M.addition_split(np.random.default_rng(0))
    assert train.shape == (9000, 9) and test.shape == (1000, 9)
    problems = {tuple(r[:5]) for r in train} | {tuple(r[:5]) for r in test}
    assert len(problems) == 10_000                  # disjoint, and every problem is in one of the two


# ---- each gate fails on the model it is meant to catch ----------------------------------------------
def test_accuracy_gates_fail_on_an_untrained_model_and_pass_at_the_target():
    model = gpt()
    rows = M.reversal_rows(M.reversal_heldout(np.random.default_rng(0), 200))
    acc = M.exact_match(M.logits_of(model, rows[:, :-1])[:, 8:], rows[:, 9:])
    assert acc < 0.05
    assert not M.accuracy_gate("reversal", acc, M.REVERSAL_TARGET, 200).passed
    assert M.accuracy_gate("reversal", 0.99, M.REVERSAL_TARGET, 200).passed
    assert not M.accuracy_gate("addition", 0.969, M.ADDITION_TARGET, 1000).passed


def test_lm_gates_fail_without_learning_and_without_a_gap():
    untrained = math.log(103)
    loss_gate, gap_gate = M.lm_gates(untrained, untrained)
    assert not loss_gate.passed and not gap_gate.passed
    loss_gate, gap_gate = M.lm_gates(1.85, 2.1)                 # good loss, but attention adds only 0.25
    assert loss_gate.passed and not gap_gate.passed
    assert all(g.passed for g in M.lm_gates(1.6, 2.05))


def non_causal(model):
    """The model with every block's attention replaced by multi-head attention WITHOUT a mask."""
    from tinytorch.core.attention import MultiheadAttention
    from tinytorch.models.transformer import CausalSelfAttention

    class NoMask(CausalSelfAttention):
        def forward(self, x, start=0):
            return MultiheadAttention.forward(self, x, x, x, need_weights=False)[0]
    for block in model.blocks:
        block.attn.__class__ = NoMask
    return model


def test_causality_probe_fails_without_the_mask_and_passes_with_it():
    ids = np.random.default_rng(0).integers(0, 11, (4, 16))
    gates = M.probe_gates("t", gpt(), ids, 3, np.random.default_rng(1))
    assert gates[0].passed and gates[0].value == 0.0 and gates[1].passed
    broken = M.probe_gates("t", non_causal(gpt()), ids, 3, np.random.default_rng(1))
    assert not broken[0].passed and broken[0].value > 1e-3
    before, after = M.causality_probe(gpt(), ids, 15, np.random.default_rng(1))   # nothing after the end
    assert before == 0.0 and after == 0.0


def test_position_probe_fails_when_positions_are_erased():
    model = gpt()
    assert M.position_probe(model, 3, 16) > M.POSITION_MIN_SPREAD
    model.pos_emb.weight._data[...] = 0.0
    spread = M.position_probe(model, 3, 16)
    assert spread < 1e-5
    gates = M.probe_gates("t", model, np.random.default_rng(0).integers(0, 11, (4, 16)), 3, np.random.default_rng(1))
    assert gates[0].passed and not gates[1].passed


# ---- the script ---------------------------------------------------------------------------------------
def test_too_little_training_fails_the_gates_with_exit_1(tmp_path):
    result = run("--scale", "0.01", "--sample-chars", "20", "--out", tmp_path, "--plot", "text")
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    for name in ("reversal", "addition", "lm held-out loss", "lm attention vs uniform"):
        assert re.search(rf"^GATE FAILED  {name}:", out, re.M), name
    for task in ("reversal", "addition", "lm"):               # the probes hold even on a barely trained model
        assert re.search(rf"^GATE PASSED  {task} causality probe:", out, re.M)
        assert re.search(rf"^GATE PASSED  {task} position probe:", out, re.M)
    assert "4 OF 10 GATES FAILED" in out
    assert re.search(r"^phase +steps +training CPU s +total CPU s +wall s", out, re.M)
    summary = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(summary) == {"reversal", "addition", "lm"} and summary["lm"]["loss"] > 1.9
    assert (tmp_path / "lm_sample.txt").read_text(encoding="utf-8").startswith("The ")
    assert "training loss" in (tmp_path / "transformer_curves.txt").read_text(encoding="utf-8")


def test_bad_arguments_are_rejected(tmp_path):
    for args in (["--tasks", "sorting"], ["--tasks", ","], ["--scale", "0"], ["--scale", "nan"],
                 ["--sample-chars", "-1"], ["--attention", "none"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 2 and ("must" in result.stderr or "invalid choice" in result.stderr), \
            (args, result.stderr)


GATE_LINE = re.compile(r"^GATE (PASSED|FAILED)  (.+?): ", re.M)


@pytest.mark.slow
def test_full_run_passes_every_gate(tmp_path):
    result = run("--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    gates = GATE_LINE.findall(out)
    assert len(gates) == 10 and all(state == "PASSED" for state, _ in gates), gates
    assert "ALL 10 GATES PASSED" in out
    summary = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert summary["reversal"]["accuracy"] >= 0.99 and summary["addition"]["accuracy"] >= 0.97
    assert summary["lm"]["loss"] <= 1.9 and summary["lm"]["uniform_loss"] - summary["lm"]["loss"] >= 0.3


@pytest.mark.slow
def test_uniform_attention_fails_the_language_model_gates(tmp_path):
    """The mask bug of an earlier course made attention a uniform average over the prefix: a model that
    only averages cannot reach the held-out loss gate."""
    result = run("--tasks", "lm", "--attention", "uniform", "--sample-chars", "20", "--out", tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    loss = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["lm"]["loss"]
    assert loss > 1.9 + 0.1, loss
    assert re.search(r"^GATE FAILED  lm held-out loss:", result.stdout, re.M)
    assert re.search(r"^GATE FAILED  lm attention vs uniform:", result.stdout, re.M)
