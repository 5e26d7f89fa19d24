"""Print, at the end of every run that collected these tests, whether the PyTorch half of the gradient
oracle ran (skips are otherwise only listed with -rs)."""
import os


def pytest_terminal_summary(terminalreporter):
    reports = [r for key in ("passed", "failed", "skipped") for r in terminalreporter.stats.get(key, [])]
    if not any("05_autograd" in getattr(r, "nodeid", "") for r in reports):
        return
    if os.environ.get("TINYTORCH_ORACLE_NO_TORCH"):
        reason = "disabled by TINYTORCH_ORACLE_NO_TORCH"
    else:
        try:
            import torch  # noqa: F401
            return
        except ImportError:
            reason = "PyTorch is not installed (.venv/bin/pip install torch==2.13.0)"
    terminalreporter.write_line(f"gradient oracle: the PyTorch comparisons were skipped: {reason}")
