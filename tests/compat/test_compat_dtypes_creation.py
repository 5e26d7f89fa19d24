"""dtypes and creation helpers: torch.tensor(..., dtype=torch.float32), the aliases torch.long/int/float/
double/bool/float64, x.type(torch.float32), x.to(torch.float32), .float()/.long(), zeros_like, arange,
ones, full, eye, linspace, and the dtypes arithmetic produces."""
import numpy as np


def dtypes(torch, nn, F, ints_np, floats_np):
    out = {}
    t = torch.tensor([[1, 2], [3, 4]])
    out["int_default"] = t.dtype
    out["float_default"] = torch.tensor([1.5, 2.0]).dtype
    out["explicit"] = torch.tensor([1, 2], dtype=torch.float32)
    out["long"] = torch.tensor([1.7, 2.2], dtype=torch.long)
    out["int"] = torch.tensor([1, 2], dtype=torch.int).dtype
    out["float_alias"] = torch.tensor([1, 2], dtype=torch.float)
    out["double"] = torch.tensor([1, 2], dtype=torch.double)
    out["f64"] = torch.ones(2, dtype=torch.float64)
    out["bool"] = torch.tensor([1, 0, 2], dtype=torch.bool)
    out["eq_alias"] = [torch.float == torch.float32, torch.long == torch.int64, torch.double == torch.float64]
    out["is_float"] = t.float().dtype == torch.float32
    out["type_conv"] = t.type(torch.float32)
    out["to_conv"] = t.to(torch.float64)
    out["to_device"] = t.to("cpu")
    out["long_conv"] = torch.tensor([1.9, -1.9]).long()
    out["numpy_keeps"] = torch.from_numpy(ints_np).dtype
    out["numpy_float64"] = torch.tensor(floats_np).dtype
    out["int_div"] = t / 2
    out["int_plus_float"] = t + 0.5
    out["int_times_int"] = t * 3
    out["bool_sum"] = (t > 1).sum()
    out["bool_float_mean"] = (t > 1).float().mean()
    out["zeros_like"] = torch.zeros_like(torch.tensor(floats_np))
    out["ones_like_int"] = torch.ones_like(t)
    out["arange"] = torch.arange(5)
    out["arange_float"] = torch.arange(0, 1, 0.25)
    out["arange_dtype"] = torch.arange(3, dtype=torch.float32)
    out["zeros"] = torch.zeros(2, 3)
    out["ones_tuple"] = torch.ones((2, 1))
    out["full"] = torch.full((2, 2), 7)
    out["full_float"] = torch.full((2,), 0.5)
    out["eye"] = torch.eye(3)
    out["linspace"] = torch.linspace(0, 1, 5)
    out["empty_shape"] = list(torch.empty(3, 2).shape)
    out["randn_shape"] = list(torch.randn(4, 2).shape)
    out["randn_dtype"] = torch.randn(2).dtype
    out["rand_range"] = bool(((torch.rand(100) >= 0) & (torch.rand(100) < 1)).all())
    out["randint"] = torch.randint(0, 5, (10,)).dtype
    out["perm"] = sorted(torch.randperm(6).tolist())
    out["is_tensor"] = [torch.is_tensor(t), torch.is_tensor(ints_np)]
    out["device"] = str(t.device)
    out["cuda"] = torch.cuda.is_available()
    return out


def test_dtypes_and_creation(both):
    both(dtypes, np.array([1, 2, 3], dtype=np.int32), np.array([[0.5, 1.5]]))


def test_manual_seed_repeats_within_tinytorch():
    import tinytorch as torch
    torch.manual_seed(0)
    a = torch.randn(3, 2)
    torch.manual_seed(0)
    assert torch.randn(3, 2).tolist() == a.tolist(), "manual_seed must make randn repeat"
