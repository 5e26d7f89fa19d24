"""Module 07 curves: a PNG with matplotlib, a text table without it."""
import sys

import pytest

from tinytorch.core.training import History, plot_history


def history():
    h = History()
    for e in range(1, 5):
        h.log(epoch=e, train_loss=1 / e, val_loss=1.5 / e, train_accuracy=0.2 * e, val_accuracy=0.19 * e)
    return h


def test_png(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    path = plot_history(history(), tmp_path / "c.png", title="t")
    assert path == tmp_path / "c.png" and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5_000


def test_text_table_without_matplotlib(tmp_path, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)          # import matplotlib -> ImportError
    path = plot_history(history(), tmp_path / "c.png", title="my run")
    assert path == tmp_path / "c.txt"
    text = path.read_text()
    assert text.startswith("my run") and "val_accuracy" in text and len(text.splitlines()) == 6


def test_empty_history(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        plot_history(History(), tmp_path / "c.png")
