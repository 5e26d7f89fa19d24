"""torch.norm (p=2/1/inf/-inf/'fro'/3/0, dim, keepdim) with gradients, torch.bincount, torch.diag /
Tensor.diag (both directions, offsets, gradient), and set_default_dtype / get_default_dtype."""
import numpy as np
import pytest


def norms(torch, nn, F, x_np):
    out = {}
    inf = float("inf")
    for name, kwargs in [("default", {}), ("fro", {"p": "fro"}), ("p1", {"p": 1}), ("pinf", {"p": inf}),
                         ("pneginf", {"p": -inf}), ("p3", {"p": 3}), ("p2_dim1", {"p": 2, "dim": 1}),
                         ("p1_dim0_keep", {"p": 1, "dim": 0, "keepdim": True}),
                         ("pinf_dim1_keep", {"p": inf, "dim": 1, "keepdim": True}),
                         ("fro_dims", {"p": "fro", "dim": (0, 1)}), ("p3_dim1", {"p": 3, "dim": 1})]:
        x = torch.tensor(x_np, requires_grad=True)
        value = torch.norm(x, **kwargs)
        value.sum().backward()
        out[name] = value
        out[name + "_grad"] = x.grad
    t = torch.tensor(x_np)
    out["method"] = t.norm()
    out["method_dim"] = t.norm(dim=1)
    out["vector"] = torch.tensor([3.0, 4.0]).norm()
    out["p0"] = torch.norm(t, p=0)
    return out


def test_norm_matches_pytorch_with_gradients(both):
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    x[0, 1] = 0.0
    both(norms, x, rtol=1e-5, atol=1e-6)


def bincounts(torch, nn, F):
    x = torch.tensor([0, 1, 1, 3, 1, 0])
    return {"plain": torch.bincount(x), "minlength": torch.bincount(x, minlength=7),
            "weights": torch.bincount(x, weights=torch.tensor([0.5, 1.0, 1.0, 2.0, 0.25, 1.0])),
            "method": x.bincount(), "empty": torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3),
            "labels": torch.bincount(torch.tensor(np.array([2, 2, 9, 4], dtype=np.int64)))}


def test_bincount_matches_pytorch(both):
    both(bincounts)


def test_bincount_refuses_negative_and_float_input():
    import tinytorch as torch
    with pytest.raises(RuntimeError, match="non-negative"):
        torch.bincount(torch.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="integral"):
        torch.bincount(torch.tensor([1.0]))


def diags(torch, nn, F, m_np, v_np):
    out = {}
    for k in (0, 1, -1, 2):
        m = torch.tensor(m_np, requires_grad=True)
        d = torch.diag(m, k)
        (d * torch.arange(d.shape[0]).float()).sum().backward()
        out[f"of_matrix_{k}"], out[f"of_matrix_{k}_grad"] = d, m.grad
        v = torch.tensor(v_np, requires_grad=True)
        mat = torch.diag(v, k)
        (mat * torch.tensor(np.arange(mat.numel(), dtype=np.float32).reshape(mat.shape))).sum().backward()
        out[f"of_vector_{k}"], out[f"of_vector_{k}_grad"] = mat, v.grad
    out["method"] = torch.tensor(m_np).diag()
    out["ints"] = torch.diag(torch.tensor([1, 2, 3]))
    out["eye_like"] = torch.diag(torch.ones(3))
    return out


def test_diag_matches_pytorch_with_gradients(both):
    rng = np.random.default_rng(1)
    both(diags, rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(3).astype(np.float32))


def default_dtype(torch, nn, F):
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        out = {"inside": torch.get_default_dtype(), "tensor": torch.tensor(1.5), "list": torch.tensor([1.0, 2]),
               "ints": torch.tensor([1, 2]), "zeros": torch.zeros(2), "ones": torch.ones(2, 1),
               "randn_dtype": torch.randn(3).dtype, "rand_dtype": torch.rand(2).dtype,
               "full": torch.full((2,), 0.5), "arange": torch.arange(0.0, 2.0), "linspace": torch.linspace(0, 1, 3),
               "eye": torch.eye(2), "empty_dtype": torch.empty(2).dtype,
               "division": torch.tensor([1, 2]) / torch.tensor([2, 2]),
               "numpy_kept": torch.tensor(np.ones(2, np.float32))}
    finally:
        torch.set_default_dtype(before)
    out["before"], out["after"] = before, torch.get_default_dtype()
    out["back_to_float32"] = torch.tensor(1.5)
    return out


def test_set_default_dtype_matches_pytorch(both):
    both(default_dtype)


def test_set_default_dtype_refuses_ints():
    import tinytorch as torch
    with pytest.raises(TypeError, match="floating"):
        torch.set_default_dtype(torch.int64)
    assert torch.get_default_dtype() == torch.float32
