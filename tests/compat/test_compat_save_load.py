"""Checkpoints: torch.save(model.state_dict(), path) / model.load_state_dict(torch.load(path)), and the
common checkpoint dict {"epoch": ..., "model_state_dict": ..., "loss": ...}. tinytorch writes .npz
(never pickle) and refuses objects it cannot store as numbers."""
import os

import numpy as np
import pytest


def checkpoint(torch, nn, F, folder, x_np):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = torch.tensor(x_np)
    before = model(x).detach()
    path = os.path.join(folder, f"{torch.__name__}_model.pt")
    torch.save(model.state_dict(), path)
    clone = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    clone.load_state_dict(torch.load(path))
    same = torch.allclose(clone(x), before)
    full = os.path.join(folder, f"{torch.__name__}_ckpt.pth")
    torch.save({"epoch": 7, "model_state_dict": model.state_dict(), "loss": 0.25, "note": "best"}, full)
    ckpt = torch.load(full, map_location="cpu")
    third = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    third.load_state_dict(ckpt["model_state_dict"])
    tensor_path = os.path.join(folder, f"{torch.__name__}_t.pt")
    torch.save(torch.arange(4), tensor_path)
    return {"same": same, "epoch": ckpt["epoch"], "loss": ckpt["loss"], "note": ckpt["note"],
            "keys": sorted(ckpt["model_state_dict"].keys()),
            "third_same": torch.allclose(third(x), before), "tensor": torch.load(tensor_path),
            "exists": os.path.exists(path)}


def test_save_and_load_state_dicts(both, tmp_path):
    both(checkpoint, str(tmp_path), np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32))


def test_tinytorch_save_refuses_what_it_cannot_store_without_pickle(tmp_path):
    import tinytorch as torch
    model = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="state_dict"):
        torch.save(model, tmp_path / "model.pt")
    with pytest.raises(TypeError, match="list"):
        torch.save({"params": [torch.ones(2)]}, tmp_path / "x.pt")
    assert not os.path.exists(tmp_path / "model.pt") and not os.listdir(tmp_path), "nothing half-written"
    (tmp_path / "pickled.pt").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="pickle"):
        torch.load(tmp_path / "pickled.pt")
