"""Known differences from PyTorch that a PyTorch program can hit, each written as the PyTorch idiom.

Every test is a strict xfail: it runs the idiom on tinytorch and fails today; when someone closes a gap
the test XPASSes, which fails the suite until the marker is removed (so this list stays true)."""
import pytest

import tinytorch as torch
import tinytorch.nn as nn


@pytest.mark.xfail(strict=True, raises=AssertionError,
                   reason="module 03's state_dict() holds NumPy copies, PyTorch's holds tensors (reported)")
def test_state_dict_values_are_tensors():
    value = nn.Linear(2, 2).state_dict()["weight"]
    assert torch.is_tensor(value)


def test_data_is_a_tensor():
    """Closed gap: .data is a detached Tensor sharing storage (compared with torch in test_compat_data_and_state_dict)."""
    w = torch.ones(3, requires_grad=True)
    w.data.zero_()
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad and not w.data.requires_grad


def test_the_working_spelling_of_each_gap():
    """What works today instead (kept passing)."""
    criterion = nn.CrossEntropyLoss()
    assert criterion(torch.tensor([[1.0, 2.0]]), torch.tensor([1])).item() > 0
    state = {k: torch.tensor(v) for k, v in nn.Linear(2, 2).state_dict().items()}
    assert all(torch.is_tensor(v) for v in state.values())
    w = torch.ones(3, requires_grad=True)
    w.data[...] = 0
    with torch.no_grad():
        w.zero_()
    assert w.tolist() == [0.0, 0.0, 0.0]


def loss_as_module(torch, nn, F):
    """Closed gap (module 04's losses became nn.Modules): criterion.to(device), a loss inside a model."""
    criterion = nn.CrossEntropyLoss().to("cpu")

    class WithLoss(nn.Module):
        def __init__(self):
            super().__init__()
            self.criterion = nn.MSELoss(reduction="sum")

        def forward(self, x, y):
            return self.criterion(x, y)

    model = WithLoss()
    value = criterion(torch.tensor([[1.0, 2.0, 0.5]]), torch.tensor([2]))
    return {"is_module": isinstance(criterion, nn.Module), "value": value,
            "children": [name for name, _ in model.named_children()],
            "mse": model(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))}


def test_loss_is_a_module(both):
    both(loss_as_module)


def test_module_double_float_half():
    model = nn.Linear(2, 2).double()
    assert model.weight.dtype == torch.float64 and model.bias.dtype == torch.float64
    assert model.float().weight.dtype == torch.float32
    assert model.half().weight.dtype == torch.float16


def module_dtype_conversion(torch, nn, F):
    """What works today for model.double(): model.to(torch.float64), the same conversion."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model.to(torch.float64)
    doubled = [p.dtype for p in model.parameters()] + [model[1].running_mean.dtype,
                                                       model[1].num_batches_tracked.dtype]
    out = model(torch.ones(4, 3, dtype=torch.float64))
    model.to(torch.float16)
    halved = [p.dtype for p in model.parameters()]
    model.to(torch.float32)
    return {"doubled": doubled, "out_dtype": out.dtype, "halved": halved,
            "back": [p.dtype for p in model.parameters()]}


def test_module_to_dtype(both):
    both(module_dtype_conversion)
