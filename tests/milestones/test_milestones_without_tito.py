"""Milestones never import the tool: each script imports, parses its arguments and runs a tiny smoke path
in a Python where `tito` cannot be imported (an import blocker on sys.meta_path; the repository root,
where tito/ lives, stays on the path). A module missing from the package gives exit status 2 and a
message naming the module number, worked out without tito (milestones/common.py)."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "01": (ROOT / "milestones" / "01_perceptron" / "perceptron.py", ["--epochs", "2", "--plot", "text"], 0),
    "02": (ROOT / "milestones" / "02_xor" / "xor.py", ["--epochs", "3", "--plot", "text"], 1),
    "03": (ROOT / "milestones" / "03_mlp" / "mlp_digits.py", ["--epochs", "0"], 1),
    "04": (ROOT / "milestones" / "04_cnn" / "cnn_digits.py", ["--epochs", "0", "--plot", "text"], 1),
    "05": (ROOT / "milestones" / "05_transformer" / "transformer.py",
           ["--tasks", "reversal", "--scale", "0.1", "--plot", "text", "--sample-chars", "5"], 1),
    "06": (ROOT / "milestones" / "06_mlperf" / "mlperf.py",          # int8 alone: the size gate fails
           ["--cnn-epochs", "1", "--finetune-epochs", "0", "--sparsity", "0", "--no-compress", "--gpt-steps", "2",
            "--gpt-d-model", "16", "--gpt-heads", "2", "--gpt-window", "8", "--prompt-tokens", "4", "--new-tokens",
            "4", "--plot", "text"], 1),
}

# Runs in the child: block the named packages, then import the script as a module (not as __main__).
CHILD = textwrap.dedent("""
    import importlib.util, json, sys
    blocked, script, args = json.loads(sys.argv[1])

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in blocked):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    spec = importlib.util.spec_from_file_location("milestone_under_test", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module                   # as an import would (dataclasses look it up)
    spec.loader.exec_module(module)
    module.parse_args(args)                           # the argument parser works
    code = module.main(args)
    leaked = sorted(m for m in sys.modules if m == "tito" or m.startswith("tito."))
    print("TITO MODULES:", leaked)
    sys.exit(code)
""")


def run_child(blocked, script, args, cwd):
    return subprocess.run([sys.executable, "-c", CHILD, json.dumps([blocked, str(script), [str(a) for a in args]])],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})


@pytest.mark.parametrize("tag", sorted(SCRIPTS))
def test_milestone_runs_with_tito_unimportable(tag, tmp_path):
    script, args, expected = SCRIPTS[tag]
    result = run_child(["tito"], script, [*args, "--out", tmp_path], cwd=tmp_path)
    assert result.returncode == expected, result.stdout + result.stderr
    assert "TITO MODULES: []" in result.stdout
    assert "GATE" in result.stdout                     # it ran to its verdict


def test_the_blocker_really_blocks(tmp_path):
    """The same blocker makes `import tito` fail, although tito/ is on the path."""
    probe = subprocess.run([sys.executable, "-c", CHILD.split("sys.meta_path.insert(0, Blocker())")[0]
                            + "sys.meta_path.insert(0, Blocker())\nimport tito\n", '[["tito"], "", []]'],
                           capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert probe.returncode != 0 and "blocked by the test" in probe.stderr


@pytest.mark.parametrize("tag, blocked, module", [
    ("06", "tinytorch.perf.memoization", "module 17 (memoization)"),
    ("06", "tinytorch.perf.benchmarking", "module 19 (benchmarking)"),
    ("04", "tinytorch.core.spatial", "module 09 (spatial)"),
    ("03", "tinytorch.core.training", "module 07 (training)"),
    ("02", "tinytorch.core.optimizers", "module 06 (optimizers)"),
    ("01", "tinytorch.core.layers", "module 03 (layers)"),
])
def test_missing_module_is_named_without_tito(tag, blocked, module, tmp_path):
    script, args, _ = SCRIPTS[tag]
    result = run_child(["tito", blocked], script, [*args, "--out", tmp_path], cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert module in result.stderr and "tito module complete" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
