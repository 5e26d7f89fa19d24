"""bench workload `gpt_step`: one training step of milestone 05's GPT, tinytorch against the same model in
PyTorch CPU, measured in one process (registered in bench/run.py).

The model: GPT(vocab = the pydoc corpus's characters, context 64, d_model 64, 4 heads, 2 layers), a batch of
32 windows of 64 characters from the corpus; a step is forward + cross-entropy + backward + AdamW. The PyTorch
twin below has the same architecture and parameter names as tinytorch.models.transformer.GPT (pre-norm
blocks, attention with a stacked q|k|v in_proj, GELU (tanh form) MLP, tied head) and starts from tinytorch's
initial weights, so both sides compute the same numbers: the first step's losses and the updated weights are
compared and reported. Both sides use the same number of threads (BLAS for NumPy, intra-op for PyTorch),
printed with the result.
"""
from __future__ import annotations

import os
import time

import numpy as np

from tinytorch.utils.timing import best_wall_and_cpu as best_times   # profile() swaps this name

VOCAB_CORPUS = "pydoc_topics"
CONTEXT, D_MODEL, N_HEADS, N_LAYERS, BATCH = 64, 64, 4, 2, 32
LR = 1e-3


def numpy_threads() -> int:
    """The BLAS thread count NumPy runs with: the first of OPENBLAS/OMP/MKL_NUM_THREADS that is set, else the
    number of CPUs (OpenBLAS's default). These variables are read when NumPy starts."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


def torch_twin(torch, vocab_size):
    """torch.nn version of tinytorch's GPT with the same parameter names (state_dict keys)."""
    nn, F = torch.nn, torch.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.in_proj_weight = nn.Parameter(torch.empty(3 * D_MODEL, D_MODEL))
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * D_MODEL))
            self.out_proj = nn.Linear(D_MODEL, D_MODEL)

        def forward(self, x):
            b, t, d = x.shape
            qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
            qkv = qkv.view(b, t, 3, N_HEADS, d // N_HEADS).permute(2, 0, 3, 1, 4)
            y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)
            return self.out_proj(y.transpose(1, 2).reshape(b, t, d))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(D_MODEL, 4 * D_MODEL), nn.Linear(4 * D_MODEL, D_MODEL)

        def forward(self, x):
            return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.attn = nn.LayerNorm(D_MODEL), Attention()
            self.ln2, self.mlp = nn.LayerNorm(D_MODEL), MLP()

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class PosEmb(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(CONTEXT, D_MODEL))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok_emb = nn.Embedding(vocab_size, D_MODEL)
            self.pos_emb = PosEmb()
            self.blocks = nn.ModuleList([Block() for _ in range(N_LAYERS)])
            self.ln_f = nn.LayerNorm(D_MODEL)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok_emb(idx) + self.pos_emb.weight[:t]
            for block in self.blocks:
                x = block(x)
            return self.ln_f(x) @ self.tok_emb.weight.T          # the head, tied to the token embedding

    return GPT()


def gpt_step(tt, torch, quick):
    """The workload: {"tinytorch": ms, "torch": ms, ...} (see the module docstring); "tinytorch" and
    "torch" are the best wall times, "*_cpu" the best CPU times of the same repeats."""
    try:
        from tinytorch.core.losses import cross_entropy
        from tinytorch.core.optimizers import AdamW
        from tinytorch.datasets import load_pydoc_topics
        from tinytorch.models.transformer import GPT
        from tinytorch.text.tokenization import CharTokenizer
    except ImportError as exc:
        return {"skipped": f"modules 10-13 are not all in the package yet ({exc})"}
    text = load_pydoc_topics("train")
    tok = CharTokenizer.from_text(load_pydoc_topics("all"))
    ids = np.array(tok.encode(text[:200_000]), dtype=np.int64)
    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(ids) - CONTEXT - 1, BATCH)
    rows = np.stack([ids[s:s + CONTEXT + 1] for s in starts])
    x, y = rows[:, :-1], rows[:, 1:].reshape(-1)
    vocab = tok.vocab_size

    tt.manual_seed(0)
    model = GPT(vocab, CONTEXT, D_MODEL, N_HEADS, N_LAYERS)
    init = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    opt = AdamW(model.parameters(), lr=LR)
    tx, ty = tt.tensor(x), tt.tensor(y)
    threads = numpy_threads()
    out = {"unit": "ms/step", "model": f"GPT V{vocab} C{CONTEXT} d{D_MODEL} h{N_HEADS} L{N_LAYERS} B{BATCH}",
           "params": model.num_parameters(), "threads": threads}

    def tiny_step():
        loss = cross_entropy(model(tx).reshape(BATCH * CONTEXT, vocab), ty)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    first_tiny = float(tiny_step().item())
    tiny_after = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    repeats = 3 if quick else 15
    if torch is None:
        wall, cpu = best_times(tiny_step, repeats)
        out["tinytorch"], out["tinytorch_cpu"] = wall * 1e3, cpu * 1e3
        return out

    saved_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ref = torch_twin(torch, vocab)
        params = dict(ref.named_parameters())
        missing = sorted(set(init) ^ set(params))
        if missing:
            return {"skipped": f"the PyTorch twin's parameter names differ from tinytorch's GPT: {missing}"}
        with torch.no_grad():
            for name, p in params.items():
                p.copy_(torch.from_numpy(init[name]))
        ropt = torch.optim.AdamW(ref.parameters(), lr=LR)
        rx, ry = torch.from_numpy(x), torch.from_numpy(y)

        def ref_step():
            loss = torch.nn.functional.cross_entropy(ref(rx).reshape(BATCH * CONTEXT, vocab), ry)
            ropt.zero_grad()
            loss.backward()
            ropt.step()
            return loss

        first_ref = float(ref_step().item())
        diff = max(float(np.abs(tiny_after[n] - params[n].detach().numpy()).max()) for n in params)
        out["first_loss_diff"] = abs(first_tiny - first_ref)
        out["weights_after_step_max_diff"] = diff
        t_tiny, t_ref = [], []
        for _ in range(3):                         # alternate, so background load hits both alike
            t_tiny.append(best_times(tiny_step, max(1, repeats // 3)))
            t_ref.append(best_times(ref_step, max(1, repeats // 3)))
        out["tinytorch"], out["torch"] = min(t[0] for t in t_tiny) * 1e3, min(t[0] for t in t_ref) * 1e3
        out["tinytorch_cpu"], out["torch_cpu"] = min(t[1] for t in t_tiny) * 1e3, min(t[1] for t in t_ref) * 1e3
        out["cpu_ratio"] = out["tinytorch_cpu"] / out["torch_cpu"]
    finally:
        torch.set_num_threads(saved_threads)
    return out


def profile(tt, steps=10, sort="tottime", limit=20):
    """cProfile (CPU time) of `steps` tinytorch training steps: where the time of a step goes.
    Run: python -c "import sys; sys.path[:0] = ['.', 'bench']; import gpt, tinytorch; gpt.profile(tinytorch)"."""
    import cProfile
    import pstats

    state = {}

    def keep_step(fn, repeats):
        state["step"] = fn
        return 1.0, 1.0
    global best_times
    real, best_times = best_times, keep_step
    try:
        gpt_step(tt, None, True)
    finally:
        best_times = real
    prof = cProfile.Profile(time.process_time)
    for _ in range(steps):
        prof.runcall(state["step"])
    pstats.Stats(prof).sort_stats(sort).print_stats(limit)
