"""Module 03 against torch.nn (optional oracle: skipped, with the reason, without torch)."""
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

from tinytorch.core import layers as nn  # noqa: E402
from tinytorch.core.tensor import Tensor, manual_seed  # noqa: E402

RNG = np.random.default_rng(3)


def copy_into_torch(ours, theirs):
    theirs.load_state_dict(OrderedDict((k, torch.from_numpy(v.numpy())) for k, v in ours.state_dict().items()))


@pytest.mark.parametrize("n_in, n_out, bias, lead", [(4, 3, True, (5,)), (7, 1, False, (2, 3)),
                                                     (64, 32, True, (16,)), (3, 5, True, ())])
def test_linear_forward_matches_torch(n_in, n_out, bias, lead):
    ours = nn.Linear(n_in, n_out, bias=bias)
    theirs = torch.nn.Linear(n_in, n_out, bias=bias)
    copy_into_torch(ours, theirs)
    x = RNG.standard_normal((*lead, n_in)).astype(np.float32)
    expected = theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ours(Tensor(x))._data, expected, rtol=1e-5, atol=1e-5)


def test_weight_layout_and_repr_match_torch():
    ours, theirs = nn.Linear(6, 2), torch.nn.Linear(6, 2)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    assert ours.bias.shape == tuple(theirs.bias.shape)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Identity()) == repr(torch.nn.Identity())
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Identity()))) == \
        repr(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.Identity())))


@pytest.mark.parametrize("make", [
    lambda m: m.ReLU(), lambda m: m.ReLU(inplace=True), lambda m: m.LeakyReLU(0.2),
    lambda m: m.LeakyReLU(0.1, inplace=True), lambda m: m.Sigmoid(), lambda m: m.Tanh(),
    lambda m: m.GELU(), lambda m: m.GELU(approximate="tanh"), lambda m: m.Softmax(dim=1),
    lambda m: m.LogSoftmax(dim=-1),
])
def test_activation_module_reprs_and_values_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_default_init_range_matches_torch():
    torch.manual_seed(0)
    manual_seed(0)
    theirs = torch.nn.Linear(100, 300)
    ours = nn.Linear(100, 300)
    for a, b in [(ours.weight._data, theirs.weight.detach().numpy()), (ours.bias._data, theirs.bias.detach().numpy())]:
        assert np.abs(a).max() <= 0.1 and np.abs(b).max() <= 0.1          # same bound 1/sqrt(100)
        assert np.abs(a).max() > 0.095 and np.abs(b).max() > 0.095
    # 30,000 draws each: the standard deviations agree far inside this tolerance
    assert abs(ours.weight._data.std() / theirs.weight.detach().numpy().std() - 1) < 0.03


class OurNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Dropout(0.3))
        self.fc1 = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 3, bias=False)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(self.features(x))))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 8), torch.nn.ReLU(),
                                            torch.nn.Dropout(0.3))
        self.fc1 = torch.nn.Linear(8, 8)
        self.fc2 = torch.nn.Linear(8, 3, bias=False)
        self.act = torch.nn.Tanh()

    def forward(self, x):
        return self.fc2(self.act(self.fc1(self.features(x))))


def test_state_dict_keys_shapes_and_parameter_names_match_torch():
    ours, theirs = OurNet(), TorchNet()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_buffer_order_in_state_dict_matches_torch():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(2, 2)
            self.register_buffer("count", Tensor(np.zeros(1, dtype=np.float32)))
            self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
            self.register_buffer("tmp", Tensor(np.zeros(1, dtype=np.float32)), persistent=False)

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = torch.nn.Linear(2, 2)
            self.register_buffer("count", torch.zeros(1))
            self.scale = torch.nn.Parameter(torch.ones(1))
            self.register_buffer("tmp", torch.zeros(1), persistent=False)

    outer_ours, outer_theirs = nn.Sequential(Ours(), Ours()), torch.nn.Sequential(Theirs(), Theirs())
    assert list(outer_ours.state_dict()) == list(outer_theirs.state_dict())
    assert [n for n, _ in outer_ours.named_buffers()] == [n for n, _ in outer_theirs.named_buffers()]
    assert [n for n, _ in outer_ours.named_parameters()] == [n for n, _ in outer_theirs.named_parameters()]


def test_torch_checkpoint_loads_and_gives_the_same_outputs(tmp_path):
    theirs = TorchNet().eval()
    path = tmp_path / "from_torch.npz"
    nn.save_state_dict(OrderedDict((k, v.detach().numpy()) for k, v in theirs.state_dict().items()), path)
    ours = OurNet().eval()
    ours.load(path)
    x = RNG.standard_normal((5, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x))._data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, start, end", [((2, 3, 4, 5), 1, -1), ((2, 3, 4, 5), 0, -1),
                                               ((2, 3, 4, 5), 1, 2), ((2, 3, 4, 5), -3, -2), ((6, 2), 1, 1)])
def test_flatten_matches_torch(shape, start, end):
    x = RNG.standard_normal(shape).astype(np.float32)
    ours = nn.Flatten(start, end)(Tensor(x))
    theirs = torch.nn.Flatten(start, end)(torch.from_numpy(x)).numpy()
    assert ours.shape == theirs.shape and np.array_equal(ours._data, theirs)


def test_train_eval_flags_match_torch():
    ours, theirs = OurNet(), TorchNet()
    ours.eval(), theirs.eval()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    ours.features.train(), theirs.features.train()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
