"""Module 03: Module/Parameter registration, naming, traversal order, modes, repr and errors."""
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tinytorch.core.layers import (
    Dropout, Flatten, Identity, Linear, Module, ModuleList, Parameter, ReLU, Sequential,
)
from tinytorch.core.tensor import Tensor


class Block(Module):
    def __init__(self, n):
        super().__init__()
        self.fc1 = Linear(n, 2 * n)
        self.act = ReLU()
        self.drop = Dropout(0.1)
        self.fc2 = Linear(2 * n, n)
        self.register_buffer("running", Tensor(np.zeros(n, dtype=np.float32)))

    def forward(self, x):
        return self.fc2(self.drop(self.act(self.fc1(x))))


class Net(Module):
    def __init__(self):
        super().__init__()
        self.embed = Linear(3, 4)
        self.blocks = Sequential(Block(4), Block(4))
        self.gain = Parameter(np.ones(1, dtype=np.float32))
        self.head = Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.blocks(self.embed(x))) * self.gain


def test_parameter_is_a_tensor_that_requires_grad():
    p = Parameter(np.zeros((2, 2), dtype=np.float32))
    assert isinstance(p, Tensor) and p.requires_grad
    assert not Parameter(np.zeros(2, dtype=np.float32), requires_grad=False).requires_grad
    with pytest.raises(TypeError, match="floating"):
        Parameter(np.arange(3))


def test_named_parameters_use_pytorch_dotted_names_in_order():
    names = [n for n, _ in Net().named_parameters()]
    assert names == [
        "gain",                                   # own parameters first, as PyTorch does
        "embed.weight", "embed.bias",
        "blocks.0.fc1.weight", "blocks.0.fc1.bias", "blocks.0.fc2.weight", "blocks.0.fc2.bias",
        "blocks.1.fc1.weight", "blocks.1.fc1.bias", "blocks.1.fc2.weight", "blocks.1.fc2.bias",
        "head.weight",
    ]


def test_parameters_matches_named_parameters_and_recurse_false():
    net = Net()
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["gain"]
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.gain"


def test_modules_children_and_buffers():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["embed", "blocks", "head"]
    assert [n for n, _ in net.named_modules()][:4] == ["", "embed", "blocks", "blocks.0"]
    assert len(list(net.modules())) == len(list(net.named_modules())) == 14
    assert [n for n, _ in net.named_buffers()] == ["blocks.0.running", "blocks.1.running"]
    assert all(isinstance(c, Module) for c in net.children())


def test_state_dict_order_and_keys():
    keys = list(Net().state_dict())
    assert keys[:3] == ["gain", "embed.weight", "embed.bias"]
    # a module's own buffers come before its children's entries, as in PyTorch
    assert keys[3:8] == ["blocks.0.running", "blocks.0.fc1.weight", "blocks.0.fc1.bias",
                         "blocks.0.fc2.weight", "blocks.0.fc2.bias"]
    assert keys[-1] == "head.weight"
    net = Net()
    state, live = net.state_dict(), net._state_tensors()
    for key, value in state.items():
        assert type(value) is Tensor and not value.requires_grad and value.grad_fn is None, key
        assert np.shares_memory(value._data, live[key]._data), f"{key}: state_dict values share storage"
        assert value.size() == value.shape == live[key].shape and value.dtype == live[key].dtype


def test_state_dict_snapshots_must_copy():
    """Values share storage (PyTorch's semantics): clone() or copy.deepcopy keeps a snapshot that training
    does not change; a plain reference follows the model."""
    import copy
    net = Net()
    live_view, cloned = net.state_dict(), {k: v.clone() for k, v in net.state_dict().items()}
    deep = copy.deepcopy(net.state_dict())
    before = net.gain._data.copy()
    net.gain.data += 1.0
    np.testing.assert_array_equal(live_view["gain"]._data, before + 1.0)
    np.testing.assert_array_equal(cloned["gain"]._data, before)
    np.testing.assert_array_equal(deep["gain"]._data, before)
    assert type(deep["gain"]) is Tensor and list(deep) == list(live_view)
    net.load_state_dict(deep)
    np.testing.assert_array_equal(net.gain._data, before)
    net.load_state_dict({k: v.numpy() + 0 for k, v in cloned.items()})          # arrays are accepted too
    np.testing.assert_array_equal(net.gain._data, before)


def test_non_persistent_buffer_is_not_saved():
    m = Module()
    m.register_buffer("cache", Tensor([1.0]), persistent=False)
    m.register_buffer("count", Tensor([2.0]))
    assert list(m.state_dict()) == ["count"]
    assert [n for n, _ in m.named_buffers()] == ["cache", "count"]


def test_reassigning_keeps_order_and_none_is_allowed():
    lin = Linear(2, 2)
    lin.weight = Parameter(np.zeros((2, 2), dtype=np.float32))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    assert list(lin.state_dict()) == ["weight"]
    assert lin(Tensor(np.ones((1, 2), dtype=np.float32))).shape == (1, 2)


def test_shared_parameter_listed_once():
    a, b = Linear(3, 3), Linear(3, 3)
    b.weight = a.weight
    model = Sequential(a, b)
    assert len(list(model.parameters())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_shared_module_listed_once_by_modules():
    shared = Linear(2, 2)
    model = Sequential(shared, shared)
    assert len(list(model.modules())) == 2
    assert len(list(model.parameters())) == 2


def test_train_eval_propagate_to_every_descendant():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.blocks.train()
    assert not net.training and all(m.training for m in net.blocks.modules())
    net.train(True)
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="True or False"):
        net.train("no")


def test_zero_grad_sets_none_or_zeros():
    lin = Linear(2, 3)
    for p in lin.parameters():
        p.grad = Tensor(np.ones(p.shape, dtype=np.float32))
    lin.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in lin.parameters())
    lin.zero_grad()
    assert all(p.grad is None for p in lin.parameters())


def test_requires_grad_and_apply():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 6


def test_forgetting_super_init_is_explained():
    class NoInit(Module):
        def __init__(self):
            self.fc = Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        NoInit()

    class NoInitParam(Module):
        def __init__(self):
            self.w = Parameter([1.0])

    with pytest.raises(AttributeError, match="NoInitParam"):
        NoInitParam()


def test_missing_forward_is_explained():
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(Tensor([1.0]))


def test_bad_registrations_are_refused():
    m = Module()
    with pytest.raises(TypeError, match="Parameter"):
        m.register_parameter("w", Tensor([1.0]))
    with pytest.raises(KeyError, match="'.'"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match=r"Linear\(\)"):
        m.add_module("fc", Linear)
    with pytest.raises(TypeError, match="Tensor"):
        m.register_buffer("b", np.zeros(2))
    m.fc = Linear(1, 1)
    with pytest.raises(TypeError, match="fc"):
        m.fc = "not a module"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        m.nothing


def test_plain_attributes_and_tensors_are_not_registered():
    m = Module()
    m.t = Tensor([1.0])
    m.lst = [Linear(1, 1)]
    assert list(m.parameters()) == [] and m.t.shape == (1,)


def test_delattr_unregisters():
    lin = Linear(2, 2)
    del lin.bias
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    seq = Sequential(Linear(1, 1), Identity())
    del seq._modules["1"]
    assert len(seq) == 1


def test_repr_is_nested_like_pytorch():
    model = Sequential(Flatten(), Linear(4, 2), Sequential(ReLU(), Dropout(0.5)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Flatten(start_dim=1, end_dim=-1)\n"
        "  (1): Linear(in_features=4, out_features=2, bias=True)\n"
        "  (2): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.5)\n"
        "  )\n"
        ")"
    )


def test_sequential_and_modulelist_containers():
    seq = Sequential(OrderedDict([("a", Linear(2, 3)), ("b", ReLU())]))
    assert seq.a is seq[0] and seq[-1] is seq.b and len(seq) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU"]
    seq.append(Linear(3, 1))
    assert list(seq.state_dict()) == ["a.weight", "a.bias", "2.weight", "2.bias"]
    seq[1] = Identity()
    assert isinstance(seq.b, Identity)
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    with pytest.raises(TypeError, match="Sequential argument 0"):
        Sequential("relu")
    ml = ModuleList([Linear(1, 1)]).extend([Linear(1, 1)])
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert isinstance(ml[1:], ModuleList) and len(ml[1:]) == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=6), st.booleans())
def test_random_mlps_name_every_parameter_once(widths, bias):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers += [Linear(a, b, bias=bias), ReLU()]
    model = Sequential(*layers)
    names = [n for n, _ in model.named_parameters()]
    expected = []
    for i in range(len(widths) - 1):
        expected += [f"{2 * i}.weight"] + ([f"{2 * i}.bias"] if bias else [])
    assert names == expected == list(model.state_dict())
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == sum(a * b + (b if bias else 0) for a, b in zip(widths, widths[1:]))
    x = Tensor(np.ones((2, widths[0]), dtype=np.float32))
    assert model(x).shape == (2, widths[-1])


def test_deepcopy_gives_an_independent_model():
    import copy
    model = Sequential(Linear(3, 2), ReLU(), Dropout(0.2))
    clone = copy.deepcopy(model)
    assert clone[0].weight is not model[0].weight and isinstance(clone[0].weight, Parameter)
    assert np.array_equal(clone[0].weight._data, model[0].weight._data)
    clone[0].weight._data[...] = 0
    assert model[0].weight._data.any()
    assert repr(clone) == repr(model)


def test_to_cpu_and_dtype():
    model = Sequential(Linear(3, 2), ReLU())
    assert model.to("cpu") is model and model.cpu() is model and model.to(device="cpu") is model
    with pytest.raises(ValueError, match="CPU only.*cuda"):
        model.to("cuda")
    weight = model[0].weight
    model.to(np.float64)
    assert model[0].weight is weight and weight.dtype == np.float64 and model[0].bias.dtype == np.float64
    assert model(Tensor(np.ones((1, 3)))).dtype == np.float64
    with pytest.raises(TypeError, match="floating"):
        model.to(dtype=np.int32)
