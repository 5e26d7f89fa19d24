# %% [markdown]
"""
# Module 03: Layers

A neural network is a tree of small objects that each own some numbers (their *parameters*) and
know how to turn an input tensor into an output tensor. In this module you build the machinery
that makes such a tree behave like PyTorch's `torch.nn`: a `Module` base class that finds every
parameter by itself, the `Linear` layer, `Sequential`, dropout, and state dicts you can load safely.

**Learning Objectives:**
- Build a `Module` base class whose attribute assignment registers `Parameter`s and sub-modules,
  so `parameters()`, `named_parameters()`, `train()`/`eval()` and `state_dict()` work on any model
- Build `Linear` (`y = x @ W.T + b`) with PyTorch's weight layout and default initialisation
- Measure why initialisation matters: activation variance through 10 layers, naive vs Xavier/Kaiming
- Build `Sequential` and `Dropout` (inverted scaling, train vs eval), and `load_state_dict` with
  errors that name the broken parameter
- Count parameters, bytes and FLOPs, and measure what autograd's recorded graph keeps in memory
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

### The linear layer
A `Linear(in_features, out_features)` layer maps a batch `x` of shape `(B, in)` to `(B, out)`:

    y = x @ W.T + b        W: (out, in)      b: (out,)

`W` is stored as `(out, in)` -- one row per output unit -- exactly as PyTorch stores it, so a
PyTorch checkpoint's `weight` array loads without transposing. The bias broadcasts over the batch.
Any leading dimensions are allowed: `(B, T, in) -> (B, T, out)`.

**Cost.** Each of the `B * out` outputs is a dot product of length `in`: `in` multiplications and
`in` additions, so a forward pass costs `2 * B * in * out` floating-point operations (FLOPs). The layer
stores `in * out + out` numbers.

### Why initialisation matters
Let `x` have independent zero-mean entries with variance `Var(x)` and `W` independent zero-mean
entries with variance `Var(w)`. Then each output `y_j = sum_i W_ji x_i` has

    Var(y) = in * Var(w) * Var(x)

so every layer multiplies the signal's variance by `in * Var(w)`. After a ReLU only the positive half
survives, which halves the second moment. Through `L` layers the factor is raised to the power `L`:
anything other than 1 makes activations explode or vanish exponentially with depth.

| scheme | Var(w) | keeps variance for |
|---|---|---|
| Xavier/Glorot | `2 / (in + out)` | tanh / linear layers (factor 1 when in = out) |
| Kaiming/He | `2 / in` | ReLU layers (the 2 undoes ReLU's halving) |
| PyTorch's `Linear` default | `1 / (3 * in)` (uniform in `+-1/sqrt(in)`) | neither: it shrinks the signal |

A uniform distribution on `[-a, a]` has variance `a^2 / 3`, which is how a target variance becomes a
uniform bound. Later in this module you will *measure* these factors instead of trusting the table.

### Dropout
During training, dropout zeroes each element with probability `p` and multiplies the survivors by
`1 / (1 - p)`. The expected value of each element is then unchanged,
`E[mask * x] = (1 - p) * x / (1 - p) = x`, so at evaluation time dropout is simply the identity
("inverted" dropout: the scaling happens during training, inference pays nothing).

### A model is a tree
`model.fc1.weight` is a path in a tree of modules; its dotted name (`fc1.weight`, `0.bias`) is a stable
key for checkpoints and optimizers, the same key PyTorch uses.
"""

# %%
#| export
import math
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from tinytorch.core import activations as _act
from tinytorch.core.tensor import Tensor, default_generator
# Hand-written support code of this module (not taught): tinytorch/core/layers_support.py
from tinytorch.core.layers_support import (  # noqa: F401  (re-exported: torch.nn names)
    ActivationModuleSupport, ContainerSupport, FlattenSupport, IncompatibleKeys, ModuleSupport, check_size, calculate_gain, constant_, fan_in_and_fan_out,
    check_dropout_p, check_linear_input, indent, join_name, kaiming_normal_, kaiming_std, linear, load_state_dict_file, normal_, ones_, pad,
    save_state_dict, uniform_, xavier_normal_, zeros_,
)

__all__ = [
    "Parameter", "Module", "IncompatibleKeys", "save_state_dict", "load_state_dict_file",
    "calculate_gain", "fan_in_and_fan_out", "uniform_", "normal_", "constant_", "zeros_", "ones_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "Linear", "Sequential", "ModuleList", "Flatten", "Identity", "Dropout", "dropout", "linear", "pad",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
]

# %% [markdown]
"""
## Part 2: Parameters

A `Parameter` is a `Tensor` that says "I am learnable". It is an ordinary tensor in every other
respect (arithmetic on it returns plain `Tensor`s), but a `Module` recognises it when it is assigned
as an attribute and adds it to the module's list of parameters. It requires gradients by default.
Like PyTorch, wrapping a tensor or NumPy array does **not** copy it: the parameter shares the memory.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-parameter", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Parameter(Tensor):
    """A Tensor that a Module registers as learnable; requires_grad=True by default."""

    def __init__(self, data=None, requires_grad=True):
        """Wrap `data` (Tensor, ndarray or nested list; None gives an empty tensor) without copying it."""
        ### BEGIN SOLUTION
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        super().__init__(data._data if isinstance(data, Tensor) else data)
        self.requires_grad_(requires_grad)
        ### END SOLUTION

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


# %% [markdown]
"""
### Testing Parameter
A parameter is a tensor, requires gradients, shares memory with what it wraps, and refuses integer
data (only floating-point values can have gradients).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-parameter-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_parameter():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    p = Parameter(arr)
    assert isinstance(p, Tensor) and isinstance(p, Parameter)
    assert p.requires_grad is True
    assert p.shape == (2, 3) and p.dtype == np.float32
    arr[0, 0] = 42.0
    assert p._data[0, 0] == 42.0, "Parameter(ndarray) must share memory, as in PyTorch"
    t = Tensor([1.0, 2.0])
    assert Parameter(t)._data is t._data
    assert Parameter(t, requires_grad=False).requires_grad is False
    out = p * 2
    assert type(out) is Tensor, "arithmetic on a Parameter gives a plain Tensor"
    assert Parameter().shape == (0,)
    try:
        Parameter(np.arange(3))
    except TypeError as exc:
        assert "floating" in str(exc)
    else:
        raise AssertionError("an integer Parameter that requires grad must be refused")
    ### BEGIN HIDDEN TESTS
    assert Parameter([[1.0, 2.0]]).dtype == np.float32
    ### END HIDDEN TESTS
    print("Parameter: OK")


test_unit_parameter()

# %% [markdown]
"""
## Part 3: The Module base class

Every layer and every model derives from `Module`. The trick that makes `model.parameters()` work
without the author listing anything is `__setattr__`: when you write `self.weight = Parameter(...)`
or `self.fc1 = Linear(...)` inside `__init__`, Python calls `Module.__setattr__`, which files the
value in one of three ordered dictionaries:

| dictionary | holds | example |
|---|---|---|
| `_parameters` | `Parameter`s (learnable) | `weight`, `bias` |
| `_buffers` | `Tensor`s saved in checkpoints but not learned | BatchNorm's running mean (module 09+) |
| `_modules` | child `Module`s | `fc1`, `0`, `encoder` |

Everything else (ints, strings, plain tensors) is a normal attribute. `__getattr__` looks in the
three dictionaries when normal lookup fails, so `self.weight` still reads naturally.

From the dictionaries everything else follows by walking the tree:
- `named_modules()` yields `("", self)` and then every descendant with its dotted path;
- `named_parameters()` yields each module's own parameters prefixed with that path
  (`fc1.weight`); a parameter shared by two modules is listed once;
- `train(mode)` sets the `training` flag on the whole tree (`eval()` is `train(False)`);
- `state_dict()` maps those same names to every parameter and persistent buffer, each as a detached
  Tensor that **shares storage** with it (`t.detach()`, as PyTorch does: no copy, no graph), so a
  snapshot to keep must be copied (`{k: v.clone() for k, v in state.items()}`); `load_state_dict()`
  accepts Tensors or arrays, checks names and shapes **before** copying anything in, and names every
  missing, unexpected or mis-shaped entry when it refuses.

One classic mistake is forgetting `super().__init__()` in a subclass: the dictionaries do not exist
yet when the first parameter is assigned. The error message says exactly that. The rest of
`torch.nn.Module`'s surface (`children()`, `buffers()`, `apply()`, `to()`, `zero_grad()`, `save()`,
printing) is given in the support file `tinytorch/core/layers_support.py` as the mixin `ModuleSupport`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-module", "locked": false, "schema_version": 3, "solution": true}}
#| export
_CALL_INIT_FIRST = ("cannot assign {what} '{name}' before Module.__init__() has run: "
                    "call super().__init__() at the start of {cls}.__init__")


class Module(ModuleSupport):
    """Base class of all layers and models. Subclasses assign parameters/sub-modules in __init__
    (after calling super().__init__()) and define forward(). The methods PyTorch adds around this core
    (children, buffers, apply, to, zero_grad, save/load, ...) come from ModuleSupport (support file)."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dictionaries to exist already
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ----- registration (register_parameter, register_buffer, add_module: given, ModuleSupport) --
    _parameter_class = Parameter            # what register_parameter accepts
    def __setattr__(self, name, value):
        """`self.x = value`: Parameters and Modules are registered, everything else stored normally.

        You write two branches, a Parameter value and a Module value. In each: if the registries do not
        exist yet (`params is None`: the subclass did not call `super().__init__()`), raise AttributeError
        with `_CALL_INIT_FIRST.format(what="parameter" or "module", name=name, cls=type(self).__name__)`;
        otherwise remove any older entry of that name with `self._forget(name, keep=<the dictionary
        the value goes into>)` and register the value with `self.register_parameter(name, value)` or
        `self.add_module(name, value)`. Any other value goes to `self._set_other` (given).
        """
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            ### BEGIN SOLUTION
            if params is None:
                raise AttributeError(_CALL_INIT_FIRST.format(what="parameter", name=name,
                                                             cls=type(self).__name__))
            self._forget(name, keep=params)
            self.register_parameter(name, value)
            ### END SOLUTION
        elif isinstance(value, Module):
            ### BEGIN SOLUTION
            if params is None:
                raise AttributeError(_CALL_INIT_FIRST.format(what="module", name=name,
                                                             cls=type(self).__name__))
            self._forget(name, keep=self._modules)
            self.add_module(name, value)
            ### END SOLUTION
        else:
            self._set_other(name, value)         # given (support file): None or a plain value

    # ----- walking the tree --------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield (dotted_name, module) for this module ('' or `prefix`) and every descendant, depth first."""
        ### BEGIN SOLUTION
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, join_name(prefix, name), remove_duplicate)
        ### END SOLUTION

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield (dotted_name, Parameter) in registration order: own parameters, then each child's."""
        ### BEGIN SOLUTION
        owners = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        seen = set()
        for owner_name, owner in owners:
            for name, param in owner._parameters.items():
                if param is None or (remove_duplicate and id(param) in seen):
                    continue
                seen.add(id(param))
                yield join_name(owner_name, name), param
        ### END SOLUTION

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # ----- modes and gradients ----------------------------------------------------------------
    def train(self, mode=True):
        """Set the training flag of this module and every descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) expects True or False, got {mode!r}")
        ### BEGIN SOLUTION
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self
        ### END SOLUTION

    def eval(self):
        """Evaluation mode (Dropout becomes the identity); same as train(False)."""
        return self.train(False)

    # ----- checkpoints (state_dict keys are the dotted names; _state_tensors is in ModuleSupport) --
    def state_dict(self):
        """OrderedDict of dotted name -> `t.detach()` of every parameter and persistent buffer `t`: a Tensor
        sharing its storage, with requires_grad False (PyTorch's state_dict; copy it to keep a snapshot)."""
        ### BEGIN SOLUTION
        return OrderedDict((key, t.detach()) for key, t in self._state_tensors().items())
        ### END SOLUTION

    def load_state_dict(self, state_dict, strict=True):
        """Copy the values of `state_dict` (Tensors or arrays) into this model's parameters and buffers, in place.

        `targets` (given) maps each key of this model to its live Tensor. Check every entry before
        copying anything; collect one message per problem, in this order and with these exact words:
        - when `strict` and keys of the model are absent:
          'Missing key(s) in state_dict: "k1", "k2".'   (model order, each key in double quotes)
        - when `strict` and the mapping has keys the model lacks:
          'Unexpected key(s) in state_dict: "k3".'     (mapping order)
        - for each present key, in model order, whose value is not numeric (dtype kind not in "biuf"):
          'value for "<key>" has non-numeric dtype <dtype>.'
        - for each present key whose shape differs:
          'size mismatch for <key>: copying a param with shape <shape> from checkpoint, the shape in
          current model is <shape>.'   (shapes as tuples, e.g. (4,) and (3,); one line in the message)
        If there is any message, raise RuntimeError(f"Error(s) in loading state_dict for <ClassName>:"
        followed by "\n\t" + each message) and change nothing. Otherwise copy each array into its
        tensor in place (`targets[key]._data[...] = array`: the Parameter objects stay the same) and
        return IncompatibleKeys(missing, unexpected), both lists (filled even when not strict).
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a mapping of name -> Tensor or array, got {type(state_dict).__name__}")
        targets = self._state_tensors()
        ### BEGIN SOLUTION
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        arrays = {}
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value._data if isinstance(value, Tensor) else value)
            if array.dtype.kind not in "biuf":
                errors.append(f'value for "{key}" has non-numeric dtype {array.dtype}.')
            elif array.shape != target.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {array.shape} from "
                              f"checkpoint, the shape in current model is {target.shape}.")
            else:
                arrays[key] = array
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, array in arrays.items():
            targets[key]._data[...] = array
        return IncompatibleKeys(missing, unexpected)
        ### END SOLUTION


# %% [markdown]
"""
### Testing Module
A two-level model checks registration order, dotted names, train/eval propagation, `state_dict`'s
order, and that `load_state_dict` refuses bad input by name without changing anything.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-module-test", "locked": true, "points": 8, "schema_version": 3, "solution": false}}
def test_unit_module():
    class Affine(Module):
        def __init__(self, n):
            super().__init__()
            self.scale = Parameter(np.ones(n, dtype=np.float32))
            self.shift = Parameter(np.zeros(n, dtype=np.float32))
            self.register_buffer("calls", Tensor(np.zeros((), dtype=np.int64)))
            self.note = "plain attribute"

        def forward(self, x):
            return x * self.scale + self.shift

    class Net(Module):
        def __init__(self):
            super().__init__()
            self.temperature = Parameter([1.0])
            self.first = Affine(3)
            self.second = Affine(3)

        def forward(self, x):
            return self.second(self.first(x)) * self.temperature

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["temperature", "first.scale", "first.shift", "second.scale", "second.shift"], names
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert [n for n, _ in net.named_modules()] == ["", "first", "second"]
    assert "note" not in net._parameters and net.first.note == "plain attribute"
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["temperature"]

    # shared parameter: listed once by parameters(), twice by state_dict (as in PyTorch)
    net.second.scale = net.first.scale
    assert len(list(net.parameters())) == 4
    assert "second.scale" in net.state_dict()

    # train / eval reach every descendant and return the model
    assert net.eval() is net and not any(m.training for m in net.modules())
    assert net.train() is net and all(m.training for m in net.modules())

    # state_dict: detached tensors sharing storage, PyTorch order (own params, own buffers, then children)
    state = net.state_dict()
    assert list(state) == ["temperature", "first.scale", "first.shift", "first.calls",
                           "second.scale", "second.shift", "second.calls"], list(state)
    value = state["temperature"]
    assert isinstance(value, Tensor) and not value.requires_grad and value.grad_fn is None, \
        "state_dict values are detached Tensors (t.detach())"
    assert np.shares_memory(value._data, net.temperature._data), "state_dict values share storage"
    saved = {k: v.clone() for k, v in state.items()}          # a snapshot to keep is copied
    saved["temperature"][0] = 5.0
    assert net.temperature._data[0] == 1.0, "a clone does not share storage"

    # load_state_dict: in place, and refusing by name
    keep = net.first.shift
    assert net.load_state_dict(saved) == IncompatibleKeys([], [])
    assert net.temperature._data[0] == 5.0 and net.first.shift is keep
    bad = net.state_dict()
    bad["first.shift"] = np.zeros(4, dtype=np.float32)
    del bad["second.calls"]
    bad["third.weight"] = np.zeros(1, dtype=np.float32)
    bad["temperature"] = np.array([9.0], dtype=np.float32)
    try:
        net.load_state_dict(bad)
    except RuntimeError as exc:
        msg = str(exc)
        assert "first.shift" in msg and "(4,)" in msg and "(3,)" in msg, msg
        assert '"second.calls"' in msg and '"third.weight"' in msg, msg
    else:
        raise AssertionError("a bad state dict must be refused")
    assert net.temperature._data[0] == 5.0, "a refused load must not change the model"
    bad["first.shift"] = np.zeros(3, dtype=np.float32)
    result = net.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["second.calls"] and result.unexpected_keys == ["third.weight"]

    # forgetting super().__init__() gets a helpful message
    class Broken(Module):
        def __init__(self):
            self.w = Parameter([1.0])
    try:
        Broken()
    except AttributeError as exc:
        assert "super().__init__()" in str(exc)
    else:
        raise AssertionError("assigning a Parameter before Module.__init__ must fail")

    ### BEGIN HIDDEN TESTS
    again = Net()
    again.temperature = Parameter([2.0])                 # re-assigning keeps the parameter's place
    assert [n for n, _ in again.named_parameters()][0] == "temperature" and again.temperature._data[0] == 2.0
    again.first = Parameter([0.0])                       # a parameter replaces a child module
    assert "first" not in again._modules and "first" in again._parameters
    fresh = Net()
    good = fresh.state_dict()
    wrong = dict(good, **{"first.scale": np.zeros((2, 3), np.float32), "extra": np.zeros(1)})
    del wrong["temperature"]
    try:
        fresh.load_state_dict(wrong)
    except RuntimeError as exc:
        msg = str(exc)
        assert msg.startswith("Error(s) in loading state_dict for Net:\n\t"), msg
        assert 'Missing key(s) in state_dict: "temperature".' in msg, msg
        assert 'Unexpected key(s) in state_dict: "extra".' in msg, msg
        assert ("size mismatch for first.scale: copying a param with shape (2, 3) from checkpoint, "
                "the shape in current model is (3,).") in msg, msg
    else:
        raise AssertionError("a state dict with missing, unexpected and mis-shaped keys must be refused")
    assert fresh.load_state_dict(good, strict=False) == IncompatibleKeys([], [])
    ### END HIDDEN TESTS
    print("Module: OK")


test_unit_module()

# %% [markdown]
"""
**Checkpoints on disk.** `model.save(path)` writes `state_dict()` as an `.npz` archive (named arrays,
read back with `allow_pickle=False`, so opening a file never runs code) and `model.load(path)` reads
it through your `load_state_dict`. The file format lives in the support file
`tinytorch/core/layers_support.py` (`save_state_dict`, `load_state_dict_file`): it is not taught here.
"""

# %% [markdown]
"""
## Part 4: Initialisation and the Linear layer

Initialisers fill a tensor in place (hence the trailing underscore, PyTorch's convention for in-place
functions) from tinytorch's seeded default generator, so `manual_seed(0)` makes a whole model repeat.

For a weight of shape `(out, in)`, `fan_in = in` and `fan_out = out`. Kaiming uses a `gain` that
depends on the nonlinearity that follows (`sqrt(2)` for ReLU; for a leaky ReLU with slope `a`,
`sqrt(2 / (1 + a^2))`). PyTorch's `Linear` default is `kaiming_uniform_(W, a=sqrt(5))`: the gain is
then `sqrt(1/3)`, and the uniform bound `gain * sqrt(3 / fan_in)` simplifies to `1 / sqrt(fan_in)`.
The bias is drawn from the same range.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-init", "locked": false, "schema_version": 3, "solution": true}}
#| export
# Given in the support file: calculate_gain, fan_in_and_fan_out, uniform_, normal_, zeros_, ...


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-bound, bound) with variance gain^2 * 2 / (fan_in + fan_out); fills `tensor` in place with
    `uniform_(tensor, -bound, bound, generator)` and returns it."""
    ### BEGIN SOLUTION
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with variance gain^2 / fan (He et al.); a is the leaky-ReLU slope.

    `kaiming_std(tensor, a, mode, nonlinearity)` (given) is gain / sqrt(fan)."""
    ### BEGIN SOLUTION
    bound = math.sqrt(3.0) * kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


# %% [markdown]
"""
### Testing the initialisers
The sample variance of a large initialised matrix must match the formula (for both modes and a
gain), and reseeding must reproduce the same numbers.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-init-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_init():
    from tinytorch.core.tensor import manual_seed
    w = Tensor(np.empty((400, 600), dtype=np.float32))
    assert fan_in_and_fan_out(w) == (600, 400)
    xavier_uniform_(w)
    assert abs(w._data.var() / (2.0 / 1000) - 1) < 0.05
    assert np.abs(w._data).max() <= math.sqrt(6.0 / 1000) + 1e-6
    kaiming_uniform_(w, nonlinearity="relu")
    assert abs(w._data.var() / (2.0 / 600) - 1) < 0.05
    kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w._data).max() <= 1 / math.sqrt(600) + 1e-6
    assert abs(w._data.var() / (1.0 / (3 * 600)) - 1) < 0.05
    kaiming_uniform_(w, nonlinearity="relu", mode="fan_out")
    assert abs(w._data.var() / (2.0 / 400) - 1) < 0.05
    assert xavier_uniform_(w, gain=2.0) is w and abs(w._data.var() / (4 * 2.0 / 1000) - 1) < 0.05
    manual_seed(3)
    first = kaiming_uniform_(Tensor(np.empty((4, 5), dtype=np.float32)))._data.copy()
    manual_seed(3)
    assert np.array_equal(first, kaiming_uniform_(Tensor(np.empty((4, 5), dtype=np.float32)))._data)
    print("Initialisers: OK")


test_unit_init()

# %% [markdown]
"""
### Building Linear
`forward` is written only with Tensor operations (`@`, `.T`, `+`): autograd records them, so `Linear`
is trainable without a single extra line here. A given check first refuses a wrong `in_features`
(the most common shape bug, usually after a `Flatten`) with a message naming both sizes.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-linear", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Linear(Module):
    """y = x @ weight.T + bias, with weight (out_features, in_features) as in PyTorch."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = check_size(in_features, "in_features", "Linear")
        self.out_features = check_size(out_features, "out_features", "Linear")
        dtype = np.dtype(dtype or np.float32)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: weight and bias uniform in +-1/sqrt(in_features) (kaiming a=sqrt(5))."""
        ### BEGIN SOLUTION
        kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            uniform_(self.bias, -bound, bound)
        ### END SOLUTION

    def forward(self, x):
        """(..., in_features) -> (..., out_features), built from Tensor ops only (`@`, `.T`, `+`; never
        `._data`), so that the result carries a recorded graph (`grad_fn`) back to weight and bias."""
        check_linear_input(self, x)              # given: a message naming both sizes (support file)
        ### BEGIN SOLUTION
        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out
        ### END SOLUTION

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# %% [markdown]
"""
### Testing Linear
Shapes (including extra leading dimensions), the value against a NumPy reference, PyTorch's
initialisation range, reproducibility under `manual_seed`, and the mismatch message.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-linear-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_linear():
    from tinytorch.core.tensor import manual_seed
    layer = Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(4)
    assert np.abs(layer.weight._data).max() <= bound and np.abs(layer.bias._data).max() <= bound

    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    y = layer(x)
    assert isinstance(y, Tensor) and y.shape == (5, 3)
    assert np.allclose(y._data, x._data @ layer.weight._data.T + layer.bias._data, atol=1e-6)
    assert layer(Tensor(np.ones((2, 7, 4), dtype=np.float32))).shape == (2, 7, 3)
    assert layer(Tensor(np.ones(4, dtype=np.float32))).shape == (3,)

    no_bias = Linear(4, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert np.allclose(no_bias(x)._data, x._data @ no_bias.weight._data.T, atol=1e-6)

    manual_seed(7)
    a = Linear(6, 2)
    manual_seed(7)
    b = Linear(6, 2)
    assert np.array_equal(a.weight._data, b.weight._data) and np.array_equal(a.bias._data, b.bias._data)

    ### BEGIN HIDDEN TESTS
    out = layer(x)
    assert out.grad_fn is not None, "forward must use Tensor ops (not ._data) so that autograd records it"
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        for t in node.inputs:
            seen.add(id(t))
            if t.grad_fn is not None:
                stack.append(t.grad_fn)
    assert id(layer.weight) in seen and id(layer.bias) in seen, "the recorded graph must reach weight and bias"
    ### END HIDDEN TESTS
    print("Linear: OK")


test_unit_linear()

# %% [markdown]
"""
### Measuring why initialisation matters
Build -> Measure -> Understand. We push a batch of unit-variance inputs through 10 layers of
`Linear(512, 512)` followed by ReLU and print the variance of the activations after every layer,
for five ways of drawing the weights (biases zero, so only the weights matter). The last column is
the per-layer factor the formula `in * Var(w) / 2` predicts for ReLU layers, computed from each
scheme's weight variance; the measured ratio of consecutive variances should be close to it.
"""

# %%
def init_variance_experiment(depth=10, width=512, batch=1000, seed=0):
    """Print activation variance after each of `depth` Linear+ReLU layers, for five schemes."""
    from tinytorch.core.tensor import manual_seed
    schemes = [
        ("naive N(0, 1)", lambda w: normal_(w, 0.0, 1.0), 1.0),
        ("small N(0, 0.01^2)", lambda w: normal_(w, 0.0, 0.01), 0.01 ** 2),
        ("PyTorch default", lambda w: kaiming_uniform_(w, a=math.sqrt(5)), 1.0 / (3 * width)),
        ("Xavier uniform", xavier_uniform_, 2.0 / (width + width)),
        ("Kaiming uniform (relu)", lambda w: kaiming_uniform_(w, nonlinearity="relu"), 2.0 / width),
    ]
    header = f"{'scheme':<24}" + "".join(f"{'L' + str(i + 1):>9}" for i in range(depth))
    print(header + f"{'measured':>10}{'predicted':>10}")
    results = {}
    for name, init, var_w in schemes:
        manual_seed(seed)
        x0 = Tensor(np.random.default_rng(seed).standard_normal((batch, width)).astype(np.float32))
        x, variances = x0, []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(depth):
                layer = Linear(width, width)
                init(layer.weight)
                zeros_(layer.bias)
                x = _act.relu(layer(x))
                variances.append(float(x._data.astype(np.float64).var()))
        ratios = [b / a for a, b in zip(variances, variances[1:]) if a > 0 and np.isfinite(b)]
        measured = float(np.exp(np.mean(np.log(ratios)))) if ratios else float("nan")
        predicted = width * var_w / 2
        results[name] = variances
        print(f"{name:<24}" + "".join(f"{v:>9.1e}" for v in variances) + f"{measured:>10.3g}{predicted:>10.3g}")
    return results


variance_results = init_variance_experiment()

# %% [markdown]
"""
**Understand.** Read the table row by row. `N(0, 1)` multiplies the variance by a large factor per
layer (a few more layers would overflow float32); `N(0, 0.01^2)` makes the signal, and the gradients
flowing back, vanish. Xavier (derived without ReLU) loses half per ReLU layer, PyTorch's default
shrinks faster still, and Kaiming's `2 / in` keeps the row flat. The `measured` column (geometric mean
of consecutive ratios) should land close to `predicted` = `in * Var(w) / 2` for every scheme; with a
finite width each random weight matrix scales the signal by a factor that fluctuates around it.
"""

# %% [markdown]
"""
## Part 5: Sequential

`Sequential(m0, m1, ...)` registers its arguments as children named `"0"`, `"1"`, ... (or with the
names of an `OrderedDict`), so `Sequential(Linear(4, 8), ReLU(), Linear(8, 2)).state_dict()` has
PyTorch's keys `0.weight`, `0.bias`, `2.weight`, `2.bias`; its `forward` (yours) feeds each output into
the next module. `ModuleList` (no forward), `Flatten` (`(B, C, H, W) -> (B, C*H*W)`) and `Identity`
are given.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-sequential", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _need_module(obj, where):
    if isinstance(obj, Module):
        return obj
    if isinstance(obj, type) and issubclass(obj, Module):
        raise TypeError(f"{where} is the class {obj.__name__}, not a layer: write {obj.__name__}()")
    raise TypeError(f"{where} is a {type(obj).__name__}, not a Module")


class Sequential(ContainerSupport, Module):
    """Children called in order: Sequential(m0, m1, ...) or Sequential(OrderedDict(name=module)).
    Indexing, slicing, len, iteration, append and extend come from ContainerSupport (support file)."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, _need_module(module, f"Sequential entry '{name}'"))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), _need_module(module, f"Sequential argument {i}"))

    def forward(self, x):
        """Feed x through every child in order."""
        ### BEGIN SOLUTION
        for module in self._modules.values():
            x = module(x)
        return x
        ### END SOLUTION


class ModuleList(ContainerSupport, Module):
    """A list of registered modules (no forward): ModuleList([m0, m1, ...]). Indexing, len, iteration,
    append and extend come from ContainerSupport (support file)."""

    def __init__(self, modules=None):
        super().__init__()
        self.extend(modules or [])


class Flatten(FlattenSupport, Module):
    """Merge dimensions start_dim..end_dim into one: (B, C, H, W) -> (B, C*H*W) by default, with the
    Tensor op `flatten`, so autograd routes gradients back (given: FlattenSupport, support file)."""


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


# %% [markdown]
"""
### Testing Sequential
`Sequential` must call every child once, in order, feeding each output into the next, and name
its children like PyTorch.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-sequential-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_sequential():
    model = Sequential(Flatten(), Linear(12, 5), Identity(), Linear(5, 2))
    x = Tensor(np.random.default_rng(2).standard_normal((4, 3, 2, 2)).astype(np.float32))
    y = model(x)
    assert y.shape == (4, 2)
    ref = x._data.reshape(4, 12) @ model[1].weight._data.T + model[1].bias._data
    ref = ref @ model[3].weight._data.T + model[3].bias._data
    assert np.allclose(y._data, ref, atol=1e-5)
    assert list(model.state_dict()) == ["1.weight", "1.bias", "3.weight", "3.bias"]

    named = Sequential(OrderedDict([("fc", Linear(3, 3)), ("out", Linear(3, 1))]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    assert named.fc is named[0]

    t = Tensor([1.0])
    assert Identity(54, unused=1)(t) is t
    calls = []

    class Probe(Module):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def forward(self, x):
            calls.append(self.tag)
            return x * 2

    assert Sequential(Probe("a"), Probe("b"), Probe("c"))(t).item() == 8.0 and calls == ["a", "b", "c"]
    ### BEGIN HIDDEN TESTS
    assert Sequential()(t) is t
    ### END HIDDEN TESTS
    print("Sequential: OK")


test_unit_sequential()

# %% [markdown]
"""
## Part 6: Dropout

In training mode, `Dropout(p)` draws a mask that is `0` with probability `p` and `1/(1-p)` otherwise
and multiplies the input by it with a Tensor multiplication, so autograd sends the gradient through
the same mask; in evaluation mode it returns the input itself. `p = 0` keeps everything, `p = 1` drops
everything (zeros; the scale `1/(1-p)` is never formed).

You write the functional form `dropout(x, p, training)` (PyTorch's `F.dropout`); the module
`Dropout` only stores `p` and calls it with its own `training` flag, so both draw the same mask.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-dropout", "locked": false, "schema_version": 3, "solution": true}}
#| export
def dropout(x, p=0.5, training=True, inplace=False):
    """F.dropout: inverted dropout when `training`, else the input itself; nn.Dropout calls this.

    Draw the mask from `default_generator.rng` (so manual_seed repeats it) and multiply with a Tensor
    op (`x * Tensor(mask)`, never `._data`), so that autograd records it; keep x's dtype.

    `inplace=True` is accepted for PyTorch code and computed out of place (autograd records values).
    """
    p = check_dropout_p(p)                   # given (support file): a float in [0, 1]
    if not isinstance(x, Tensor):
        raise TypeError(f"Dropout expects a Tensor, got {type(x).__name__}")
    if not training or p == 0.0:
        return x
    ### BEGIN SOLUTION
    if p == 1.0:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = default_generator.rng.random(x.shape) >= p
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)
    return x * Tensor(mask)
    ### END SOLUTION


class Dropout(Module):
    """Zero each element with probability p during training and scale survivors by 1/(1-p)."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_dropout_p(p)

    def forward(self, x):
        """Inverted dropout in training mode; the identity in eval mode or when p == 0."""
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


# %% [markdown]
"""
### Testing Dropout
With a fixed seed: about a fraction `p` of the elements is zeroed, the survivors equal `x / (1-p)`,
the mean over many elements is preserved, eval mode returns the input, and the edge cases hold.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-dropout-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_dropout():
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    x = Tensor(np.full((200, 500), 2.0, dtype=np.float32))
    drop = Dropout(0.3)
    y = drop(x)
    zero_fraction = float((y._data == 0).mean())
    assert abs(zero_fraction - 0.3) < 0.01, zero_fraction
    assert np.allclose(y._data[y._data != 0], 2.0 / 0.7)
    assert abs(float(y._data.mean()) - 2.0) < 0.02, float(y._data.mean())
    assert y.dtype == np.float32
    drop.eval()
    assert drop(x) is x
    assert Dropout(0.0)(x) is x
    assert not Dropout(1.0)(x)._data.any()
    manual_seed(5)
    a = Dropout(0.5)(x)._data
    manual_seed(5)
    assert np.array_equal(a, Dropout(0.5)(x)._data), "masks must repeat under manual_seed"
    manual_seed(5)
    assert np.array_equal(a, dropout(x, 0.5)._data), "F.dropout draws the same mask as nn.Dropout"
    assert dropout(x, 0.5, training=False) is x
    model = Sequential(Linear(3, 3), Dropout(0.5))
    model.eval()
    assert model[1].training is False
    ### BEGIN HIDDEN TESTS
    model.train()
    assert model[1].training is True
    leaf = Tensor(np.ones((4, 4), dtype=np.float32), requires_grad=True)
    assert dropout(leaf, 0.5).grad_fn is not None, "dropout must multiply with a Tensor op (not ._data)"
    ### END HIDDEN TESTS
    print("Dropout: OK")


test_unit_dropout()

# %% [markdown]
"""
The functional forms `F.linear(x, weight, bias)` and `F.pad(x, pad, value=...)` are built from the same
recorded Tensor ops; they live in the support file `tinytorch/core/layers_support.py`.
"""

# %% [markdown]
"""
## Part 7: Activations as modules

Module 02 wrote the activations as plain classes. To put them in a `Sequential` they must be
`Module`s, so each inherits from both: `class ReLU(_ActivationModule, activations.ReLU)`, where
`_ActivationModule` is a `Module` holding the shared constructor. The `Module` side comes first, so
its `__call__` and `__repr__` win; `forward` and the settings come from module 02's class (`Module`
defines no `forward` to shadow it). The constructor runs `Module.__init__` first (the registries),
then module 02's `__init__` (the settings).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-activation-modules", "locked": false, "schema_version": 3, "solution": true}}
#| export
class _ActivationModule(ActivationModuleSupport, Module):
    """Shared constructor of the nn activations: Module's registries first, then the settings.
    `_activation_class()` and `extra_repr()` (given) come from ActivationModuleSupport."""

    def __init__(self, *args, **kwargs):
        """Run Module.__init__ and then the activation class's own __init__ (from module 02)."""
        ### BEGIN SOLUTION
        Module.__init__(self)
        self._activation_class().__init__(self, *args, **kwargs)
        ### END SOLUTION


class ReLU(_ActivationModule, _act.ReLU):
    """nn.ReLU: max(0, x) as a Module. `inplace` is accepted for PyTorch programs; the result is
    always computed out of place (same values, the input is left unchanged)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)


class LeakyReLU(_ActivationModule, _act.LeakyReLU):
    """nn.LeakyReLU(negative_slope=0.01) as a Module; `inplace` as for ReLU."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(negative_slope)
        self.inplace = bool(inplace)


class Sigmoid(_ActivationModule, _act.Sigmoid):
    """nn.Sigmoid as a Module."""


class Tanh(_ActivationModule, _act.Tanh):
    """nn.Tanh as a Module."""


class GELU(_ActivationModule, _act.GELU):
    """nn.GELU as a Module."""


class Softmax(_ActivationModule, _act.Softmax):
    """nn.Softmax(dim) as a Module."""


class LogSoftmax(_ActivationModule, _act.LogSoftmax):
    """nn.LogSoftmax(dim) as a Module."""


# %% [markdown]
"""
### Testing activation modules
Each is a `Module` and an instance of module 02's class, gives the same values as the module 02
function, keeps its settings, and follows `train()`/`eval()` inside a `Sequential`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-activation-modules-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_activation_modules():
    x = Tensor(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    pairs = [(ReLU(), _act.relu), (Sigmoid(), _act.sigmoid), (Tanh(), _act.tanh), (GELU(), _act.gelu)]
    for module, fn in pairs:
        assert isinstance(module, Module) and isinstance(module, module._activation_class())
        assert np.allclose(module(x)._data, fn(x)._data)
        assert list(module.parameters()) == [] and module.state_dict() == OrderedDict()
    leaky = LeakyReLU(0.2)
    assert leaky.negative_slope == 0.2
    assert np.allclose(leaky(x)._data, _act.leaky_relu(x, 0.2)._data)
    soft = Softmax(dim=1)
    assert soft.dim == 1 and np.allclose(soft(x)._data.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(LogSoftmax(dim=1)(x)._data, _act.log_softmax(x, dim=1)._data, atol=1e-6)
    assert Sequential(Linear(4, 4), ReLU(), Linear(4, 2), LogSoftmax(dim=-1))(x).shape == (3, 2)
    print("Activation modules: OK")


test_unit_activation_modules()

# %% [markdown]
"""
## Systems Analysis

### Computational Complexity
For a `Linear(in, out)` layer on a batch of `B` examples:

| quantity | cost | what it means |
|---|---|---|
| forward FLOPs | `2 * B * in * out` | one multiply and one add per weight per example |
| parameters | `in * out + out` | memory that lives as long as the model |
| activation memory | `B * out` numbers | memory that scales with the batch size |
| backward FLOPs (module 05) | about `2x` forward | `dX = dY @ W` and `dW = dY.T @ X` |

Parameters are paid once; activations are paid per batch, and training keeps every op's output
alive until the backward pass. The cell below asserts the parameter count against its formula.
"""

# %% [markdown]
"""
### Memory profiling
`tracemalloc` sees NumPy's allocations. Every op hands its result to `record_op`, and autograd
(module 05, installed by `import tinytorch`) **records** an op whose inputs require gradients,
keeping its output alive until backward. Parameters require gradients, so a plain forward pass
records. We measure two things per batch size:

- the **peak with gradients off** (`model.requires_grad_(False)`: no input requires a gradient, so
  nothing is recorded, as under module 05's `no_grad()`): each intermediate is freed once read,
  so the peak is about two of the widest intermediates, `2 * B * 256 * 4` bytes here;
- the memory **kept by the recorded graph** after a normal forward pass: every op's output, that is
  per example two outputs of `(out,)` per `Linear` (the matmul and the bias add) and one per `ReLU`:
  `B * (3*256 + 3*128 + 2*10) * 4` bytes.
"""

# %%
def profile_memory(batches=(64, 256, 1024)):
    import tracemalloc
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    built = tracemalloc.get_traced_memory()[0] - before
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10)
    assert sum(p._data.nbytes for p in model.parameters()) == 4 * n_params
    flops = 2 * (784 * 256 + 256 * 128 + 128 * 10)
    print(f"parameters: {n_params:,} values = {4 * n_params / 1024:.1f} KiB (tracemalloc measured "
          f"{built / 1024:.1f} KiB while building the model); forward: {flops:,} FLOPs per example")
    print(f"{'batch':>6}{'no-graph peak':>14}{'predicted':>11}{'graph keeps':>13}{'predicted':>11}")
    for batch in batches:
        x = Tensor(np.zeros((batch, 784), dtype=np.float32))
        model.requires_grad_(False)                      # nothing records: no graph
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        model(x)
        peak = tracemalloc.get_traced_memory()[1] - start
        model.requires_grad_(True)
        start = tracemalloc.get_traced_memory()[0]
        out = model(x)
        kept = tracemalloc.get_traced_memory()[0] - start
        peak_pred, kept_pred = 2 * batch * 256 * 4, batch * (3 * 256 + 3 * 128 + 2 * 10) * 4
        print(f"{batch:>6}{peak / 1024:>10.1f} KiB{peak_pred / 1024:>7.1f} KiB"
              f"{kept / 1024:>9.1f} KiB{kept_pred / 1024:>7.1f} KiB")
        del out
    tracemalloc.stop()


profile_memory()

# %% [markdown]
"""
Compare the columns this run printed: the no-graph peak should sit close to its prediction (plus a
small constant that does not grow with the batch), and the recorded graph should keep about the sum of all the ops'
outputs, which grows linearly with the batch. That second column, not the parameters, is what
training pays per batch; module 05 measures the graph in detail.

### Timing the matmul
We time `Linear.forward` with `time.perf_counter` at a few sizes (best of several repeats, BLAS pinned
to one thread), convert to GFLOP/s with `2 * B * in * out`, and compare with a bare NumPy matmul of
the same shape to see what our Tensor wrapper costs.
"""

# %%
def time_linear(sizes=((16, 64, 64), (128, 512, 256), (256, 784, 512)), repeats=9):
    import time
    from tinytorch.utils.timing import pinned_blas_threads
    with pinned_blas_threads(1) as blas_note:
        print(blas_note)
        print(f"{'B x in x out':<20}{'Linear ms':>11}{'GFLOP/s':>9}{'numpy ms':>10}{'overhead':>10}")
        for batch, n_in, n_out in sizes:
            layer = Linear(n_in, n_out)
            x = Tensor(np.random.default_rng(0).standard_normal((batch, n_in)).astype(np.float32))
            w_t, b = layer.weight._data.T, layer.bias._data
            layer(x)                                  # warm-up
            best_layer = best_numpy = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                layer(x)
                best_layer = min(best_layer, time.perf_counter() - t0)
                t0 = time.perf_counter()
                x._data @ w_t + b
                best_numpy = min(best_numpy, time.perf_counter() - t0)
            print(f"{f'{batch}x{n_in}x{n_out}':<20}{best_layer * 1e3:>11.3f}"
                  f"{2 * batch * n_in * n_out / best_layer / 1e9:>9.1f}{best_numpy * 1e3:>10.3f}"
                  f"{(best_layer - best_numpy) * 1e6:>8.0f}us")


time_linear()

# %% [markdown]
"""
**Understand.** The `overhead` column is what this run measured our Tensor wrapper adding to a bare
NumPy matmul per call (input checks, the transpose view, wrapping and recording results). Is it a
fixed cost per call, or does it grow with the layer? Read it against the `Linear ms` column: if it is
fixed, one big matmul amortises it where many small ones pay it again and again. On a shared machine
single timings fluctuate; the FLOP counts do not.

## Production Context

- **PyTorch's `nn.Module`** works the same way (`__setattr__` fills `_parameters`, `_buffers`,
  `_modules`; `state_dict()` keys are the dotted paths), plus hooks, `to(device)` and
  `_load_from_state_dict` overrides for version upgrades.
- **Linear** in PyTorch calls one fused BLAS routine (`addmm`: multiply and add the bias in one
  kernel) on CPU, cuBLAS on GPUs; its default initialisation is the `kaiming_uniform_(a=sqrt(5))`
  you implemented, kept for backward compatibility even though, as you measured, it shrinks activations.
- **Dropout** on GPUs generates the mask inside a fused kernel from a counter-based random number
  generator (Philox), so the mask never has to be stored; it is regenerated for backward.
- **Checkpoints**: `torch.save` pickles, which can run code when loading; hence `torch.load`'s
  `weights_only=True` default and formats like safetensors that store only named arrays, like our `.npz`.
"""

# %%
def run_all_tests():
    test_unit_parameter()
    test_unit_module()
    test_unit_init()
    test_unit_linear()
    test_unit_sequential()
    test_unit_dropout()
    test_unit_activation_modules()
    print("All module 03 tests passed.")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## ML Systems Thinking

1. Our `Module.__setattr__` runs on *every* attribute assignment, including `self.step = 0` in a
   training loop. What does that cost, and why does PyTorch accept that cost?
2. The variance experiment showed PyTorch's default `Linear` initialisation shrinking activations.
   Why can a framework not simply change its default, and what do practitioners do instead?
3. Dropout's mask is as large as the activation it multiplies. During training it must be kept for
   the backward pass; how could you avoid storing it (hint: what if you could regenerate it)?
4. Compare the two memory columns your run printed (recorded graph against the no-graph peak).
   Which ops' outputs could a framework avoid keeping, and what would it recompute instead?
5. `load_state_dict` checks every entry before copying any. What could go wrong in a long training
   job if it copied entries one by one and failed halfway?
"""

# %% [markdown]
"""
## Module Summary

You built the layer system every later module stands on:
- `Parameter` marks learnable tensors; `Module.__setattr__` registers them and sub-modules, so
  `named_parameters()` (PyTorch's dotted names), `train()`/`eval()` and `state_dict()` work on any
  model, and `load_state_dict` validates every name and shape first and names whatever is wrong;
- `Linear` stores and initialises its weights like PyTorch and is made only of Tensor operations,
  so autograd differentiates it for free;
- you measured that activation variance is multiplied by `in * Var(w) / 2` per ReLU layer (why
  Kaiming initialisation keeps deep ReLU networks alive), and what the recorded graph keeps.

Next, module 04 turns model outputs into a single number to minimise: the loss.
"""
