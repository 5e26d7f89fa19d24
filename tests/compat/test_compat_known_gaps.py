"""Known differences from PyTorch that a PyTorch program can hit, each written as the PyTorch idiom.

An open gap is a strict xfail: it runs the idiom on tinytorch and fails today; when someone closes the gap
the test XPASSes, which fails the suite until the marker is removed (so this list stays true). No gap is
open now: `Tensor.data` and `state_dict()` values became Tensors (issue 17, compared with torch in
test_compat_data_and_state_dict.py); the closed gaps below stay as tests."""
import tinytorch as torch
import tinytorch.nn as nn


def test_the_working_spelling_of_each_gap():
    """The workarounds once documented here keep working now that the gaps are closed (so code written
    with them still runs); the PyTorch spellings are compared with torch in test_compat_data_and_state_dict."""
    criterion = nn.CrossEntropyLoss()
    assert criterion(torch.tensor([[1.0, 2.0]]), torch.tensor([1])).item() > 0
    model = nn.Linear(2, 2)
    state = {k: torch.tensor(v) for k, v in model.state_dict().items()}       # torch.tensor copies
    assert all(torch.is_tensor(v) and not v.requires_grad for v in state.values())
    with torch.no_grad():
        model.weight.fill_(3.0)
    assert state["weight"].tolist() != [[3.0, 3.0], [3.0, 3.0]], "torch.tensor(v) is a copy"
    w = torch.ones(3, requires_grad=True)
    w.data[...] = 0
    assert w.tolist() == [0.0, 0.0, 0.0]
    w.data.fill_(1.0)
    with torch.no_grad():
        w.zero_()
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad and w.is_leaf


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
