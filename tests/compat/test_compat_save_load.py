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
    with pytest.raises(TypeError, match="function"):
        torch.save({"params": [torch.ones(2), print]}, tmp_path / "x.pt")
    assert not os.path.exists(tmp_path / "model.pt") and not os.listdir(tmp_path), "nothing half-written"
    (tmp_path / "pickled.pt").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="pickle"):
        torch.load(tmp_path / "pickled.pt")


def nested_structures(torch, nn, F, folder):
    """What PyTorch users save besides state dicts: lists, tuples, int keys, None, bools, inf, a resume."""
    obj = {"epoch": 3, "best": None, "done": False, "ratio": float("inf"), "name": "run-1",
           "history": [0.5, 0.25, [1, 2, {"deep": torch.tensor([1.5, 2.5])}]], "shape": (2, 3),
           "by_step": {0: torch.arange(3), 10: "ten", 2.5: 1}, "empty": {}, "empty_list": []}
    path = os.path.join(folder, f"{torch.__name__}_nested.pt")
    torch.save(obj, path)
    back = torch.load(path)
    return {"epoch": back["epoch"], "best_is_none": back["best"] is None, "done": back["done"],
            "ratio_is_inf": back["ratio"] == float("inf"), "name": back["name"], "history0": back["history"][:2],
            "deep": back["history"][2][2]["deep"], "ints": back["history"][2][:2], "shape": list(back["shape"]),
            "shape_is_tuple": isinstance(back["shape"], tuple), "keys": sorted(map(str, back["by_step"])),
            "zero": back["by_step"][0], "ten": back["by_step"][10], "empty": back["empty"],
            "empty_list": back["empty_list"]}


def test_nested_lists_tuples_int_keys_none_and_bools(both, tmp_path):
    both(nested_structures, str(tmp_path))


def test_damaged_or_truncated_file_gives_an_error_naming_it(tmp_path):
    import tinytorch as torch
    path = tmp_path / "ckpt.pt"
    torch.save({"w": torch.ones(100), "opt": {"state": {0: {"step": 1}}}}, path)
    data = path.read_bytes()
    for name, damaged in [("truncated.pt", data[: len(data) // 2]), ("garbage.pt", b"not a checkpoint at all"),
                          ("flipped.pt", data[:40] + bytes(b ^ 0xFF for b in data[40:80]) + data[80:])]:
        (tmp_path / name).write_bytes(damaged)
        with pytest.raises(ValueError, match=name):
            torch.load(tmp_path / name)


def test_files_of_the_older_format_still_load(tmp_path):
    """Format 1 (before lists and int keys): a flat JSON table of leaves under __tinytorch_contents__."""
    import json
    import tinytorch as torch
    toc = [{"path": ["epoch"], "kind": "int", "value": 4}, {"path": ["model", "w"], "kind": "tensor", "entry": "e0"}]
    np.savez(tmp_path / "old.npz", e0=np.ones(2, np.float32), __tinytorch_contents__=np.array(json.dumps(toc)))
    back = torch.load(tmp_path / "old.npz")
    assert back["epoch"] == 4 and back["model"]["w"].tolist() == [1.0, 1.0]


def test_load_never_unpickles(tmp_path):
    """An .npz whose entry is a pickled object array is refused, never executed."""
    import tinytorch as torch
    np.savez(tmp_path / "evil.npz", x=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        torch.load(tmp_path / "evil.npz")
