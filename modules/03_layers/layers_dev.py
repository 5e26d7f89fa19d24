# %% [markdown]
"""
# Module 03: Layers

A neural network is a tree of small objects that each own some numbers (their *parameters*) and
know how to turn an input tensor into an output tensor. In this module you build the machinery
that makes such a tree behave like PyTorch's `torch.nn`: a `Module` base class that finds every
parameter by itself, the `Linear` layer, containers, dropout, and checkpoints you can save and load.

**Learning Objectives:**
- Build a `Module` base class whose attribute assignment registers `Parameter`s and sub-modules,
  so `parameters()`, `named_parameters()`, `train()`/`eval()` and `state_dict()` work on any model
- Build `Linear` (`y = x @ W.T + b`) with PyTorch's weight layout and default initialisation
- Measure why initialisation matters: activation variance through 10 layers, naive vs Xavier/Kaiming
- Build `Sequential`, `Flatten`, `Identity` and `Dropout` (inverted scaling, train vs eval)
- Save and load models as `.npz` files (never pickle), with errors that name the broken parameter
- Count parameters, bytes and matmul FLOPs per layer, and measure them
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
`model.fc1.weight` is a path in a tree of modules. Naming every parameter by its dotted path
(`fc1.weight`, `0.bias`) gives a stable key for checkpoints and optimizers -- and because the names
follow PyTorch's rule, a state dict written by PyTorch has the same keys as ours.
"""

# %%
#| export
import math
import os
import tempfile
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from tinytorch.core import activations as _act
from tinytorch.core.tensor import Tensor, cat, default_generator, full, write_atomic

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
        super().__init__(data.data if isinstance(data, Tensor) else data)
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
    assert p.data[0, 0] == 42.0, "Parameter(ndarray) must share memory, as in PyTorch"
    t = Tensor([1.0, 2.0])
    assert Parameter(t).data is t.data
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
    assert repr(Parameter([1.0])).startswith("Parameter containing:")
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
- `state_dict()` copies every parameter and persistent buffer into an `OrderedDict` of NumPy arrays
  under those same names; `load_state_dict()` checks names and shapes **before** copying anything,
  and names every missing, unexpected or mis-shaped entry when it refuses.

One classic mistake is forgetting `super().__init__()` in a subclass: the dictionaries do not exist
yet when the first parameter is assigned. The error message says exactly that.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-module", "locked": false, "schema_version": 3, "solution": true}}
#| export
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

_CALL_INIT_FIRST = ("cannot assign {what} '{name}' before Module.__init__() has run: "
                    "call super().__init__() at the start of {cls}.__init__")


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _indent(text, spaces):
    """Indent every line of `text` but the first (used for nested reprs)."""
    lines = text.split("\n")
    return "\n".join(lines[:1] + [" " * spaces + line for line in lines[1:]])


class Module:
    """Base class of all layers and models. Subclasses assign parameters/sub-modules in __init__
    (after calling super().__init__()) and define forward()."""

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dictionaries to exist already
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ----- registration ------------------------------------------------------------------------
    def _check_new_name(self, name, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(_CALL_INIT_FIRST.format(what=what, name=name, cls=type(self).__name__))
        if not isinstance(name, str):
            raise TypeError(f"{what} name must be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{what} name must be non-empty and contain no '.', got {name!r}")

    def register_parameter(self, name, param):
        """Add `param` (a Parameter, or None for an absent one such as bias=False) under `name`."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register a {type(param).__name__} as parameter '{name}' of "
                            f"{type(self).__name__}: wrap it as Parameter(...) (or pass None)")
        if name not in self._parameters and hasattr(self, name):
            raise KeyError(f"{type(self).__name__} already has an attribute '{name}'")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a non-learnable Tensor (or None) that is saved in state_dict when `persistent`."""
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer '{name}' of {type(self).__name__} must be a Tensor or None, "
                            f"got {type(tensor).__name__}")
        if name not in self._buffers and hasattr(self, name):
            raise KeyError(f"{type(self).__name__} already has an attribute '{name}'")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under `name`; it becomes part of the tree."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            hint = (f"; {module.__name__} is a class: write {module.__name__}()"
                    if isinstance(module, type) else "")
            raise TypeError(f"cannot add a {type(module).__name__} as module '{name}' of "
                            f"{type(self).__name__}: it is not a Module{hint}")
        if name not in self._modules and hasattr(self, name):
            raise KeyError(f"{type(self).__name__} already has an attribute '{name}'")
        self._modules[name] = module

    register_module = add_module

    def _forget(self, name, keep):
        """Remove `name` from the instance dict and from every registry except `keep` (where it
        is about to be stored: re-assigning a parameter keeps its place in the order)."""
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __setattr__(self, name, value):
        """`self.x = value`: Parameters and Modules are registered, everything else stored normally.

        You write two branches, a Parameter value and a Module value. In each: if the registries do not
        exist yet (`params is None`: the subclass did not call `super().__init__()`), raise AttributeError
        with `_CALL_INIT_FIRST.format(what="parameter" or "module", name=name, cls=type(self).__name__)`;
        otherwise remove any older entry of that name with `self._forget(name, keep=<the dictionary
        the value goes into>)` and register the value with `self.register_parameter(name, value)` or
        `self.add_module(name, value)`. The other branches (given) handle None or a plain value
        assigned to a name that is already registered.
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
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to parameter '{name}' of "
                                f"{type(self).__name__}: expected a Parameter or None")
            params[name] = None
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to child module '{name}' of "
                                f"{type(self).__name__}: expected a Module or None")
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer '{name}' of "
                                f"{type(self).__name__}: expected a Tensor or None")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when normal lookup failed: look in the three registries
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        hint = ("" if "_parameters" in d else
                f" (did {type(self).__name__}.__init__ call super().__init__()?)")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'{hint}")

    def __delattr__(self, name):
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # ----- calling -------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        forward = getattr(self, "forward", None)
        if forward is None:
            raise NotImplementedError(f"{type(self).__name__} is a Module without a forward() method: "
                                      "define forward(self, x) in the class")
        return forward(*args, **kwargs)

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
                yield from child.named_modules(memo, _join(prefix, name), remove_duplicate)
        ### END SOLUTION

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield (name, child) for the direct children (each child once)."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

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
                yield _join(owner_name, name), param
        ### END SOLUTION

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        owners = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        seen = set()
        for owner_name, owner in owners:
            for name, buf in owner._buffers.items():
                if buf is not None and id(buf) not in seen:
                    seen.add(id(buf))
                    yield _join(owner_name, name), buf

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call fn(module) on every child (recursively) and then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

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

    def to(self, *args, **kwargs):
        """PyTorch's model.to(device / dtype): tinytorch runs on the CPU, so a device other than
        'cpu' is refused; a floating dtype converts every floating parameter and buffer in place."""
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword argument(s) {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, str) or type(arg).__name__ == "device":
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"tinytorch runs on the CPU only; got device {str(device)!r}")
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to() only converts to floating dtypes, got {dtype}")
            for tensor in list(self.parameters()) + list(self.buffers()):
                if tensor.dtype.kind == "f":
                    tensor.data = tensor.data.astype(dtype)
        return self

    def cpu(self):
        return self

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget accumulated gradients: .grad becomes None (or zeros with set_to_none=False)."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif isinstance(param.grad, Tensor):
                param.grad.data[...] = 0
            else:
                param.grad[...] = 0

    # ----- checkpoints ----------------------------------------------------------------------------
    def _state_tensors(self):
        """OrderedDict state-dict key -> the live Tensor (parameter or persistent buffer) it names."""
        out = OrderedDict()
        for owner_name, owner in self.named_modules(remove_duplicate=False):
            for name, param in owner._parameters.items():
                if param is not None:
                    out[_join(owner_name, name)] = param
            for name, buf in owner._buffers.items():
                if buf is not None and name not in owner._non_persistent_buffers:
                    out[_join(owner_name, name)] = buf
        return out

    def state_dict(self):
        """OrderedDict of dotted name -> NumPy copy of every parameter and persistent buffer."""
        ### BEGIN SOLUTION
        return OrderedDict((key, t.data.copy()) for key, t in self._state_tensors().items())
        ### END SOLUTION

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from `state_dict` into this model's parameters and buffers, in place.

        Every entry is checked before anything is copied: a shape mismatch is always an error;
        missing or unexpected keys are errors when `strict`. Returns IncompatibleKeys.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict expects a mapping of name -> array, got {type(state_dict).__name__}")
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
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
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
            targets[key].data[...] = array
        return IncompatibleKeys(missing, unexpected)
        ### END SOLUTION

    def save(self, path):
        """Write state_dict() to `path` as an .npz archive (see save_state_dict); returns the path."""
        return save_state_dict(self.state_dict(), path)

    def load(self, path, strict=True):
        """Read an .npz checkpoint written by save() into this model (see load_state_dict)."""
        state = load_state_dict_file(path)
        try:
            return self.load_state_dict(state, strict=strict)
        except RuntimeError as exc:
            raise RuntimeError(f"checkpoint {os.fspath(path)}: {exc}") from None

    # ----- printing ------------------------------------------------------------------------------
    def extra_repr(self):
        """The settings shown between the parentheses of repr(); layers override it."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        lines += [f"({name}): " + _indent(repr(child), 2) for name, child in self._modules.items()]
        name = type(self).__name__
        if not self._modules and len(lines) <= 1:
            return f"{name}({extra})"
        return name + "(\n  " + "\n  ".join(lines) + "\n)"


# %% [markdown]
"""
### Testing Module
A small two-level model checks registration order, PyTorch's dotted names, train/eval propagation,
`zero_grad`, buffers, the nested repr, and that `load_state_dict` refuses bad input by name without
changing anything.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-module-test", "locked": true, "points": 6, "schema_version": 3, "solution": false}}
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
    assert [n for n, _ in net.named_children()] == ["first", "second"]
    assert [n for n, _ in net.named_modules()] == ["", "first", "second"]
    assert [n for n, _ in net.named_buffers()] == ["first.calls", "second.calls"]
    assert "note" not in net._parameters and net.first.note == "plain attribute"
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["temperature"]

    # shared parameter: listed once by parameters(), twice by state_dict (as in PyTorch)
    net.second.scale = net.first.scale
    assert len(list(net.parameters())) == 4
    assert "second.scale" in net.state_dict()

    # train / eval reach every descendant and return the model
    assert net.eval() is net and not any(m.training for m in net.modules())
    assert net.train() is net and all(m.training for m in net.modules())

    # forward via __call__
    out = net(Tensor([1.0, 2.0, 3.0]))
    assert np.allclose(out.data, [1.0, 2.0, 3.0])

    # zero_grad sets .grad to None
    for p in net.parameters():
        p.grad = Tensor(np.ones(p.shape, dtype=np.float32))
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())

    # state_dict: copies, PyTorch order (own params, own buffers, then children)
    state = net.state_dict()
    assert list(state) == ["temperature", "first.scale", "first.shift", "first.calls",
                           "second.scale", "second.shift", "second.calls"], list(state)
    state["temperature"][0] = 5.0
    assert net.temperature.data[0] == 1.0, "state_dict must hold copies"

    # load_state_dict: in place, and refusing by name
    keep = net.first.shift
    assert net.load_state_dict(state) == IncompatibleKeys([], [])
    assert net.temperature.data[0] == 5.0 and net.first.shift is keep
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
    assert net.temperature.data[0] == 5.0, "a refused load must not change the model"
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

    # a non-Parameter cannot replace a parameter by accident
    try:
        net.temperature = Tensor([1.0])
    except TypeError as exc:
        assert "temperature" in str(exc)
    else:
        raise AssertionError("assigning a Tensor to a parameter name must fail")

    assert repr(net).startswith("Net(\n  (first): Affine()\n  (second): Affine()\n)")
    ### BEGIN HIDDEN TESTS
    del net.second
    assert [n for n, _ in net.named_children()] == ["first"]
    try:
        Net()(1, 2, 3)
    except TypeError:
        pass
    ### END HIDDEN TESTS
    print("Module: OK")


test_unit_module()

# %% [markdown]
"""
## Part 4: Checkpoints as `.npz` files

A state dict is just named arrays, and NumPy already has a file format for named arrays: the `.npz`
archive (a zip file with one `.npy` file per entry), written by `np.savez` and read by `np.load`.
We load with `allow_pickle=False`, so a checkpoint can only contain numbers: opening a file never
runs code hidden in it (pickle files can). The file is written to a temporary name and renamed into
place with module 01's `write_atomic(path, write)`, so a crash mid-write never leaves half a checkpoint
over a good one.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-checkpoint", "locked": false, "schema_version": 3, "solution": true}}
#| export
_SAVEZ_RESERVED = ("file", "allow_pickle")       # names np.savez takes for its own arguments


def save_state_dict(state_dict, path):
    """Write a mapping name -> array/Tensor to `path` (exactly that path) as an .npz archive.

    The checks below build `arrays` (name -> numeric ndarray). Your part: write them with `np.savez`
    through module 01's `write_atomic(path, write)`, which calls `write(file)` on a temporary file and
    renames it into place; return the path.
    """
    path = os.fspath(path)
    arrays = OrderedDict()
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"state dict keys must be strings, got {key!r}")
        if key in _SAVEZ_RESERVED:
            raise ValueError(f"cannot save an entry named '{key}': np.savez reserves that name")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"state dict entry '{key}' has dtype {array.dtype}: only numbers can be "
                            "saved (no pickled objects)")
        arrays[key] = array
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save checkpoint {path}: folder {folder} does not exist")
    ### BEGIN SOLUTION
    return write_atomic(path, lambda fh: np.savez(fh, **arrays))
    ### END SOLUTION


def load_state_dict_file(path):
    """Read an .npz checkpoint into an OrderedDict name -> ndarray, refusing pickled data."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        raise ValueError(f"{path} is not an .npz checkpoint (not a zip archive); TinyTorch checkpoints "
                         "are written by Module.save() or save_state_dict()")
    state = OrderedDict()
    ### BEGIN SOLUTION
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ValueError(f"checkpoint {path} is damaged: {type(exc).__name__}: {exc}") from None
    with archive:
        for key in archive.files:
            try:
                state[key] = archive[key]
            except ValueError as exc:
                raise ValueError(f"checkpoint {path}: entry '{key}' cannot be read without unpickling "
                                 f"Python objects, which TinyTorch never does ({exc})") from None
            except Exception as exc:
                raise ValueError(f"checkpoint {path}: entry '{key}' is damaged: "
                                 f"{type(exc).__name__}: {exc}") from None
    return state
    ### END SOLUTION


# %% [markdown]
"""
### Testing checkpoints
A save/load round trip through a real file must reproduce every parameter bit for bit; a file that
holds pickled objects, or is not an archive at all, must be refused with a message naming the file.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-checkpoint-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_checkpoint():
    class Tiny(Module):
        def __init__(self):
            super().__init__()
            self.w = Parameter(np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32))
            self.register_buffer("steps", Tensor(np.array(7, dtype=np.int64)))

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tiny.npz")
        a = Tiny()
        assert a.save(path) == path and os.path.isfile(path)
        assert [f for f in os.listdir(folder)] == ["tiny.npz"], "no temporary file may be left behind"
        b = Tiny()
        b.w.data[...] = 0
        b.steps.data[...] = 0
        b.load(path)
        assert np.array_equal(a.w.data, b.w.data) and b.w.dtype == np.float32
        assert int(b.steps.data) == 7
        loaded = load_state_dict_file(path)
        assert list(loaded) == ["w", "steps"]

        pickled = os.path.join(folder, "pickled.npz")
        np.savez(pickled, w=np.array([{"evil": 1}], dtype=object))
        try:
            load_state_dict_file(pickled)
        except ValueError as exc:
            assert "pickled.npz" in str(exc) and "'w'" in str(exc)
        else:
            raise AssertionError("object arrays must not be loaded")

        text = os.path.join(folder, "notes.txt")
        with open(text, "w") as fh:
            fh.write("hello")
        try:
            load_state_dict_file(text)
        except ValueError as exc:
            assert "notes.txt" in str(exc)
        else:
            raise AssertionError("a non-archive must be refused")

        try:
            save_state_dict({"x": np.array([object()], dtype=object)}, os.path.join(folder, "x.npz"))
        except TypeError as exc:
            assert "'x'" in str(exc)
        else:
            raise AssertionError("object arrays must not be saved")
    ### BEGIN HIDDEN TESTS
    try:
        load_state_dict_file("/no/such/checkpoint.npz")
    except FileNotFoundError as exc:
        assert "checkpoint.npz" in str(exc)
    ### END HIDDEN TESTS
    print("Checkpoints: OK")


test_unit_checkpoint()

# %% [markdown]
"""
## Part 5: Initialisation and the Linear layer

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
def _rng(generator):
    return (generator or default_generator).rng


def _fill(tensor, values):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"initialisers fill a Tensor in place, got {type(tensor).__name__}")
    tensor.data[...] = values
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The factor by which an initialiser scales its standard deviation for `nonlinearity`."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}: use linear, sigmoid, tanh, relu, "
                     "leaky_relu or selu")


def fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"initialisers fill a Tensor in place, got {type(tensor).__name__}")
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-bound, bound) with variance gain^2 * 2 / (fan_in + fan_out)."""
    ### BEGIN SOLUTION
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with variance gain^2 / fan (He et al.); a is the leaky-ReLU slope."""
    ### BEGIN SOLUTION
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


# %% [markdown]
"""
### Testing the initialisers
The sample variance of a large initialised matrix must match the formula, and reseeding must
reproduce the same numbers.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-init-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_init():
    from tinytorch.core.tensor import manual_seed
    w = Tensor(np.empty((400, 600), dtype=np.float32))
    assert fan_in_and_fan_out(w) == (600, 400)
    xavier_uniform_(w)
    assert abs(w.data.var() / (2.0 / 1000) - 1) < 0.05
    assert np.abs(w.data).max() <= math.sqrt(6.0 / 1000) + 1e-6
    kaiming_uniform_(w, nonlinearity="relu")
    assert abs(w.data.var() / (2.0 / 600) - 1) < 0.05
    kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.data.var() / (2.0 / 600) - 1) < 0.05
    kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.data).max() <= 1 / math.sqrt(600) + 1e-6
    assert abs(w.data.var() / (1.0 / (3 * 600)) - 1) < 0.05
    assert zeros_(w) is w and not w.data.any()
    manual_seed(3)
    first = normal_(Tensor(np.empty(5, dtype=np.float32))).data.copy()
    manual_seed(3)
    assert np.array_equal(first, normal_(Tensor(np.empty(5, dtype=np.float32))).data)
    assert abs(calculate_gain("leaky_relu", math.sqrt(5)) - math.sqrt(1 / 3)) < 1e-12
    try:
        xavier_uniform_(Tensor(np.empty(3, dtype=np.float32)))
    except ValueError as exc:
        assert "(3,)" in str(exc)
    else:
        raise AssertionError("fans of a 1-D tensor are undefined")
    print("Initialisers: OK")


test_unit_init()

# %% [markdown]
"""
### Building Linear
`forward` is written only with Tensor operations (`@`, `.T`, `+`). That is a design decision with a
payoff: when module 05 teaches those operations their gradients, `Linear` becomes trainable without
a single extra line here. Before multiplying, `forward` checks the input's last dimension, because
a wrong `in_features` (usually after a `Flatten`) is the most common shape bug in the course and
NumPy's own message does not say which layer failed.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-linear", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _check_size(value, what, layer):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: {what} must be a positive integer, got {value!r}")
    return int(value)


class Linear(Module):
    """y = x @ weight.T + bias, with weight (out_features, in_features) as in PyTorch."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features = _check_size(in_features, "in_features", "Linear")
        self.out_features = _check_size(out_features, "out_features", "Linear")
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

    def _check_input(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"{self!r} expects a Tensor, got {type(x).__name__}: wrap data with Tensor(...)")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            last = x.shape[-1] if x.ndim else "none (a 0-d tensor)"
            raise ValueError(
                f"Linear(in_features={self.in_features}, out_features={self.out_features}) got input "
                f"of shape {tuple(x.shape)} with last dimension {last}, expected {self.in_features}. "
                f"The input has {last} features per example; if it comes from a Flatten, "
                f"in_features must be the flattened size of the conv/pool output (C*H*W), so use "
                f"Linear({last}, {self.out_features}) or change the layers before it."
            )
        if x.dtype != self.weight.dtype:
            raise TypeError(f"{self!r} has {self.weight.dtype} weights but got a {x.dtype} input: "
                            f"convert the input (x.float() for float32) as PyTorch requires")

    def forward(self, x):
        """(..., in_features) -> (..., out_features), built from Tensor ops only."""
        self._check_input(x)
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

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-linear-test", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_linear():
    from tinytorch.core.tensor import manual_seed
    layer = Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(4)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound

    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    y = layer(x)
    assert isinstance(y, Tensor) and y.shape == (5, 3)
    assert np.allclose(y.data, x.data @ layer.weight.data.T + layer.bias.data, atol=1e-6)
    assert layer(Tensor(np.ones((2, 7, 4), dtype=np.float32))).shape == (2, 7, 3)
    assert layer(Tensor(np.ones(4, dtype=np.float32))).shape == (3,)

    no_bias = Linear(4, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert np.allclose(no_bias(x).data, x.data @ no_bias.weight.data.T, atol=1e-6)
    assert repr(no_bias) == "Linear(in_features=4, out_features=3, bias=False)"

    manual_seed(7)
    a = Linear(6, 2)
    manual_seed(7)
    b = Linear(6, 2)
    assert np.array_equal(a.weight.data, b.weight.data) and np.array_equal(a.bias.data, b.bias.data)

    try:
        Linear(400, 10)(Tensor(np.zeros((2, 576), dtype=np.float32)))
    except ValueError as exc:
        assert "400" in str(exc) and "576" in str(exc) and "Flatten" in str(exc)
    else:
        raise AssertionError("a last-dimension mismatch must raise")
    for bad in (0, -3, 2.5, "4"):
        try:
            Linear(bad, 3)
        except ValueError as exc:
            assert "in_features" in str(exc)
        else:
            raise AssertionError(f"Linear({bad!r}, 3) must be refused")
    ### BEGIN HIDDEN TESTS
    try:
        layer(Tensor(np.zeros((2, 4), dtype=np.float64)))
    except TypeError as exc:
        assert "float64" in str(exc)
    else:
        raise AssertionError("dtype mismatch must raise")
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
                variances.append(float(x.data.astype(np.float64).var()))
        ratios = [b / a for a, b in zip(variances, variances[1:]) if a > 0 and np.isfinite(b)]
        measured = float(np.exp(np.mean(np.log(ratios)))) if ratios else float("nan")
        predicted = width * var_w / 2
        results[name] = variances
        print(f"{name:<24}" + "".join(f"{v:>9.1e}" for v in variances) + f"{measured:>10.3g}{predicted:>10.3g}")
    return results


variance_results = init_variance_experiment()

# %% [markdown]
"""
**Understand.** Read the table above row by row. `N(0, 1)` multiplies the variance by a large
factor every layer, so after 10 layers the activations are astronomically large (in float32 a few
more layers overflow to `inf`). `N(0, 0.01^2)` shrinks it by a large factor: the signal vanishes,
and so would the gradients flowing back. Xavier was derived for layers without ReLU; with ReLU it
loses half the variance per layer. PyTorch's default shrinks the signal faster still -- deep PyTorch
models stay trainable because they either set an initialiser explicitly or use normalisation layers.
Kaiming's `2 / in` is the one scheme whose factor is 1 for ReLU, and its row stays flat.
The `measured` column (geometric mean of the ratios of consecutive variances) lands close to the
`predicted` column `in * Var(w) / 2` for every scheme: the formula of Part 1 is not folklore, you
just measured it. It is not exact, because with a finite width each layer's random weight matrix
scales the signal by a factor that fluctuates around the prediction.
"""

# %% [markdown]
"""
## Part 6: Containers, Flatten, Identity

`Sequential(m0, m1, ...)` registers its arguments as children named `"0"`, `"1"`, ... (or with the
names of an `OrderedDict`) and its `forward` feeds each output into the next module. Because the
children are registered, `Sequential(Linear(4, 8), ReLU(), Linear(8, 2)).state_dict()` has exactly
PyTorch's keys: `0.weight`, `0.bias`, `2.weight`, `2.bias`. `ModuleList` registers a list of modules
without a forward (for models that loop over their layers themselves).

`Flatten(start_dim=1, end_dim=-1)` merges dimensions `start_dim..end_dim` into one, keeping the batch
dimension: `(B, C, H, W) -> (B, C*H*W)`. `Identity` returns its input (a placeholder that keeps
layer indices and checkpoint keys stable when a layer is switched off).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-sequential", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _need_module(obj, where):
    if isinstance(obj, Module):
        return obj
    if isinstance(obj, type) and issubclass(obj, Module):
        raise TypeError(f"{where} is the class {obj.__name__}, not a layer: write {obj.__name__}()")
    raise TypeError(f"{where} is a {type(obj).__name__}, not a Module")


class Sequential(Module):
    """Children called in order: Sequential(m0, m1, ...) or Sequential(OrderedDict(name=module))."""

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

    def _index(self, idx):
        n = len(self._modules)
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
            raise TypeError(f"Sequential indices must be integers or slices, got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for a Sequential of {n} modules")
        return int(idx) % n

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[self._index(idx)][1]

    def __setitem__(self, idx, module):
        name = list(self._modules)[self._index(idx)]
        self._modules[name] = _need_module(module, f"Sequential item {idx}")

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add `module` at the end (named by its position); returns self."""
        self.add_module(str(len(self._modules)), _need_module(module, "Sequential.append argument"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self


class ModuleList(Module):
    """A list of registered modules (no forward): ModuleList([m0, m1, ...])."""

    def __init__(self, modules=None):
        super().__init__()
        for module in modules or []:
            self.append(module)

    def append(self, module):
        self.add_module(str(len(self._modules)), _need_module(module, "ModuleList item"))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, idx):
        items = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(items[idx])
        return items[idx]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (B, C, H, W) -> (B, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        for name, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
                raise TypeError(f"Flatten: {name} must be an int, got {type(dim).__name__} {dim!r}")
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        """Reshape (a Tensor op) so autograd can route gradients back to the original shape."""
        if not isinstance(x, Tensor):
            raise TypeError(f"Flatten expects a Tensor, got {type(x).__name__}")
        for dim in (self.start_dim, self.end_dim):
            if not -x.ndim <= dim < x.ndim:
                raise ValueError(f"{self!r} cannot flatten an input of shape {tuple(x.shape)}: it has "
                                 f"{x.ndim} dimension(s), so dim {dim} does not exist")
        ### BEGIN SOLUTION
        return x.flatten(self.start_dim, self.end_dim)
        ### END SOLUTION

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged; accepts and ignores any constructor arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


# %% [markdown]
"""
### Testing containers, Flatten and Identity
`Sequential` must chain, index, slice, iterate and name its children like PyTorch; `Flatten` must
produce `(B, C*H*W)`; a `Flatten -> Linear` stack with the wrong `in_features` must say both sizes.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-sequential-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_sequential():
    model = Sequential(Flatten(), Linear(12, 5), Identity(), Linear(5, 2))
    x = Tensor(np.random.default_rng(2).standard_normal((4, 3, 2, 2)).astype(np.float32))
    y = model(x)
    assert y.shape == (4, 2)
    ref = x.data.reshape(4, 12) @ model[1].weight.data.T + model[1].bias.data
    ref = ref @ model[3].weight.data.T + model[3].bias.data
    assert np.allclose(y.data, ref, atol=1e-5)
    assert list(model.state_dict()) == ["1.weight", "1.bias", "3.weight", "3.bias"]
    assert len(model) == 4 and isinstance(model[-1], Linear) and model[1] is list(model)[1]
    head = model[1:3]
    assert isinstance(head, Sequential) and [n for n, _ in head.named_children()] == ["1", "2"]
    assert model.append(Identity()) is model and len(model) == 5

    named = Sequential(OrderedDict([("fc", Linear(3, 3)), ("out", Linear(3, 1))]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    assert named.fc is named[0]

    assert Flatten()(Tensor(np.zeros((2, 3, 4, 5), dtype=np.float32))).shape == (2, 60)
    assert Flatten(0, -1)(Tensor(np.zeros((2, 3), dtype=np.float32))).shape == (6,)
    assert Flatten(1, 2)(Tensor(np.zeros((2, 3, 4, 5), dtype=np.float32))).shape == (2, 12, 5)
    t = Tensor([1.0])
    assert Identity(54, unused=1)(t) is t

    bad = Sequential(Flatten(), Linear(400, 10))
    try:
        bad(Tensor(np.zeros((2, 16, 6, 6), dtype=np.float32)))
    except ValueError as exc:
        assert "400" in str(exc) and "576" in str(exc)
    else:
        raise AssertionError("Flatten -> Linear size mismatch must raise")
    try:
        Sequential(Linear(2, 2), Linear)
    except TypeError as exc:
        assert "Linear()" in str(exc) or "class Linear" in str(exc)
    else:
        raise AssertionError("a class instead of an instance must be refused")

    layers = ModuleList([Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    assert repr(Sequential(Linear(1, 2), Sequential(Identity()))) == (
        "Sequential(\n  (0): Linear(in_features=1, out_features=2, bias=True)\n"
        "  (1): Sequential(\n    (0): Identity()\n  )\n)")
    ### BEGIN HIDDEN TESTS
    assert Sequential()(t) is t
    ### END HIDDEN TESTS
    print("Sequential, ModuleList, Flatten, Identity: OK")


test_unit_sequential()

# %% [markdown]
"""
## Part 7: Dropout

In training mode, `Dropout(p)` draws a mask that is `0` with probability `p` and `1/(1-p)` otherwise,
and multiplies the input by it with a Tensor multiplication -- so autograd (module 05) sends the
gradient through the same mask. In evaluation mode it returns the input itself. The edge cases follow
from the definition: `p = 0` keeps everything (identity), `p = 1` drops everything (zeros; the scale
`1/(1-p)` is never formed).

You write the functional form `dropout(x, p, training)` (PyTorch's `F.dropout`); the module
`Dropout` only stores `p` and calls it with its own `training` flag, so both draw the same mask.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-dropout", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _check_dropout_p(p):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def dropout(x, p=0.5, training=True, inplace=False):
    """F.dropout: inverted dropout when `training`, else the input itself; nn.Dropout calls this.

    `inplace=True` is accepted for PyTorch code and computed out of place (autograd records values).
    """
    p = _check_dropout_p(p)
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
        self.p = _check_dropout_p(p)

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

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-dropout-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_dropout():
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    x = Tensor(np.full((200, 500), 2.0, dtype=np.float32))
    drop = Dropout(0.3)
    y = drop(x)
    zero_fraction = float((y.data == 0).mean())
    assert abs(zero_fraction - 0.3) < 0.01, zero_fraction
    assert np.allclose(y.data[y.data != 0], 2.0 / 0.7)
    assert abs(float(y.data.mean()) - 2.0) < 0.02, float(y.data.mean())
    assert y.dtype == np.float32
    drop.eval()
    assert drop(x) is x
    assert Dropout(0.0)(x) is x
    assert not Dropout(1.0)(x).data.any()
    manual_seed(5)
    a = Dropout(0.5)(x).data
    manual_seed(5)
    assert np.array_equal(a, Dropout(0.5)(x).data), "masks must repeat under manual_seed"
    for bad in (-0.1, 1.5, "0.5", None):
        try:
            Dropout(bad)
        except ValueError as exc:
            assert "between 0 and 1" in str(exc)
        else:
            raise AssertionError(f"Dropout({bad!r}) must be refused")
    manual_seed(5)
    assert np.array_equal(a, dropout(x, 0.5).data), "F.dropout draws the same mask as nn.Dropout"
    assert dropout(x, 0.5, training=False) is x
    model = Sequential(Linear(3, 3), Dropout(0.5))
    model.eval()
    assert model[1].training is False
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"
    ### BEGIN HIDDEN TESTS
    model.train()
    assert model[1].training is True
    ### END HIDDEN TESTS
    print("Dropout: OK")


test_unit_dropout()

# %% [markdown]
"""
### Functional forms (given): `F.linear` and `F.pad`

PyTorch programs also call layers as functions: `F.linear(x, weight, bias)` is `x @ weight.T + bias`
with the weight laid out `(out_features, in_features)` as in `Linear`, and `F.pad(x, pad, value=v)`
surrounds the last dimensions with a constant. `pad` lists (before, after) pairs starting from the
LAST dimension: `(1, 2)` pads the last dimension, `(1, 2, 0, 3)` also the one before it; a negative
amount crops instead. Both are built from recorded Tensor ops (matmul and add; getitem and cat), so
autograd differentiates them with no rule of their own: padding's gradient is the slice of `g` where
the input went.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-functional", "locked": true, "schema_version": 3, "solution": false}}
#| export
def linear(input, weight, bias=None):
    """F.linear: input @ weight.T + bias, with weight of shape (out_features, in_features)."""
    for name, t in (("input", input), ("weight", weight)) + ((("bias", bias),) if bias is not None else ()):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear(): {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear(): input of shape {tuple(input.shape)} and weight of shape {tuple(weight.shape)} "
                         "do not fit: the weight must be (out_features, in_features) with in_features equal to "
                         "the input's last dimension")
    if input.dtype != weight.dtype:
        raise TypeError(f"linear(): input dtype {input.dtype} and weight dtype {weight.dtype} differ; "
                        "convert the input (x.float() for float32)")
    out = input @ weight.T
    return out if bias is None else out + bias


def pad(input, pad, mode="constant", value=None):
    """F.pad in constant mode: (before, after) amounts per dimension, last dimension first."""
    if mode != "constant":
        raise NotImplementedError(f"pad(): only mode='constant' is implemented, got mode={mode!r}")
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): input must be a Tensor, got {type(input).__name__}")
    amounts = tuple(pad)
    if len(amounts) % 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in amounts):
        raise ValueError(f"pad(): pad must be an even-length sequence of ints (before, after, ...), got {pad!r}")
    if len(amounts) // 2 > input.ndim:
        raise ValueError(f"pad(): {len(amounts)} pad values cover {len(amounts) // 2} dimensions, but the input "
                         f"of shape {tuple(input.shape)} has only {input.ndim}")
    out = input
    for i in range(len(amounts) // 2):
        d = input.ndim - 1 - i
        before, after = int(amounts[2 * i]), int(amounts[2 * i + 1])
        size = out.shape[d]
        if size + before + after < 0:
            raise ValueError(f"pad(): dimension {d} of size {size} padded by ({before}, {after}) would have a "
                             "negative size")
        if before < 0 or after < 0:                  # negative amounts crop
            keep = slice(max(-before, 0), size - max(-after, 0))
            out = out[(slice(None),) * d + (keep,)]
        def block(amount):
            shape = out.shape[:d] + (amount,) + out.shape[d + 1:]
            return [full(shape, 0 if value is None else value, dtype=out.dtype)] if amount > 0 else []
        pieces = block(before) + [out] + block(after)
        if len(pieces) > 1:
            out = cat(pieces, d)
    return out

# %% [markdown]
"""
### Testing F.linear and F.pad
Against `Linear` itself and against `np.pad`: one and two padded dimensions, a crop, an int tensor,
and the messages for a bad `pad`, an unsupported mode and a weight that does not fit.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-functional-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_functional():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    layer = Linear(3, 2)
    np.testing.assert_allclose(linear(x, layer.weight, layer.bias).data, layer(x).data, rtol=1e-6)
    np.testing.assert_allclose(linear(x, layer.weight).data, x.data @ layer.weight.data.T, rtol=1e-6)
    padded = pad(x, (1, 2), value=-1.0)
    np.testing.assert_array_equal(padded.data, np.pad(x.data, ((0, 0), (1, 2)), constant_values=-1.0))
    both = pad(x, (0, 1, 2, 0))
    np.testing.assert_array_equal(both.data, np.pad(x.data, ((2, 0), (0, 1))))
    assert both.dtype == np.float32 and pad(Tensor([1, 2]), (1, 1)).tolist() == [0, 1, 2, 0]
    np.testing.assert_array_equal(pad(x, (-1, 1)).data, np.pad(x.data[:, 1:], ((0, 0), (0, 1))))
    for call, kind, expected in [(lambda: pad(x, (1,)), ValueError, "even-length"),
                                 (lambda: pad(x, (1, 1, 1, 1, 1, 1)), ValueError, "only 2"),
                                 (lambda: pad(x, (1, 1), mode="reflect"), NotImplementedError, "constant"),
                                 (lambda: linear(x, Tensor(np.ones((2, 4), np.float32))), ValueError, "in_features")]:
        try:
            call()
        except kind as exc:
            assert expected in str(exc), f"the message should contain {expected!r}: {exc}"
        else:
            raise AssertionError(f"a bad call must raise {kind.__name__}")
    print("F.linear and F.pad: OK")


test_unit_functional()

# %% [markdown]
"""
## Part 8: Activations as modules

Module 02 wrote the activations as plain classes. To put them in a `Sequential` they must be
`Module`s, so each layer version inherits from both: `class ReLU(_ActivationModule, activations.ReLU)`,
where `_ActivationModule` is a `Module` holding the constructor the seven classes share. The
`Module` side comes first in the bases, so its `__call__` and `__repr__` win; `forward` and the
settings (`negative_slope`, `dim`, ...) come from module 02's class, which `Module` does not shadow
because `Module` deliberately defines no `forward` of its own. The constructor runs `Module.__init__`
first (to create the registries) and then module 02's `__init__` (to store the settings).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "layers-activation-modules", "locked": false, "schema_version": 3, "solution": true}}
#| export
class _ActivationModule(Module):
    """Shared constructor of the nn activations: Module's registries first, then the settings."""

    def __init__(self, *args, **kwargs):
        """Run Module.__init__ and then the activation class's own __init__ (from module 02)."""
        ### BEGIN SOLUTION
        Module.__init__(self)
        self._activation_class().__init__(self, *args, **kwargs)
        ### END SOLUTION

    @classmethod
    def _activation_class(cls):
        """The module-02 class among the bases (the first base that is not a Module)."""
        for klass in cls.__mro__:
            if not issubclass(klass, Module) and klass is not object:
                return klass
        raise TypeError(f"{cls.__name__} has no activation base class")

    def extra_repr(self):
        """Module 02's description of the settings (Module's empty default would hide it)."""
        own = self._activation_class().extra_repr(self)
        if getattr(self, "inplace", False):
            return f"{own}, inplace=True" if own else "inplace=True"
        return own


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

# %% [code] {"nbgrader": {"grade": true, "grade_id": "layers-activation-modules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_activation_modules():
    x = Tensor(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    pairs = [(ReLU(), _act.relu), (Sigmoid(), _act.sigmoid), (Tanh(), _act.tanh), (GELU(), _act.gelu)]
    for module, fn in pairs:
        assert isinstance(module, Module) and isinstance(module, module._activation_class())
        assert np.allclose(module(x).data, fn(x).data)
        assert list(module.parameters()) == [] and module.state_dict() == OrderedDict()
    leaky = LeakyReLU(0.2)
    assert leaky.negative_slope == 0.2
    assert np.allclose(leaky(x).data, _act.leaky_relu(x, 0.2).data)
    soft = Softmax(dim=1)
    assert soft.dim == 1 and np.allclose(soft(x).data.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(LogSoftmax(dim=1)(x).data, _act.log_softmax(x, dim=1).data, atol=1e-6)
    model = Sequential(Linear(4, 4), ReLU(), Dropout(0.5), Linear(4, 2), LogSoftmax(dim=-1))
    model.eval()
    assert not any(m.training for m in model.modules())
    assert model(x).shape == (3, 2)
    assert repr(model[1]) == "ReLU()" and repr(ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
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

Parameters are paid once; activations are paid per batch, and training keeps every layer's output
alive until the backward pass. The weight matrix dominates: the bias is `1/in` of the layer.
Below we print these numbers for a digit classifier and then measure them.
"""

# %%
def parameter_table(model, batch=64, input_shape=(784,)):
    """Print parameters, float32 bytes and forward FLOPs of every Linear layer, computed from the model."""
    x = Tensor(np.zeros((batch, *input_shape), dtype=np.float32))
    print(f"{'layer':<8}{'shape':<22}{'params':>10}{'KiB':>10}{'MFLOPs (B=' + str(batch) + ')':>18}")
    total_params = total_flops = 0
    for name, module in model.named_children():
        y = module(x)
        if isinstance(module, Linear):
            params = sum(p.numel() for p in module.parameters())
            nbytes = sum(p.data.nbytes for p in module.parameters())
            flops = 2 * int(np.prod(x.shape[:-1])) * module.in_features * module.out_features
            total_params += params
            total_flops += flops
            shape = f"{module.in_features} -> {module.out_features}"
            print(f"{name:<8}{shape:<22}{params:>10,}{nbytes / 1024:>10.1f}{flops / 1e6:>18.2f}")
        x = y
    print(f"{'total':<30}{total_params:>10,}{total_params * 4 / 1024:>10.1f}{total_flops / 1e6:>18.2f}")
    return total_params, total_flops


mlp = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
mlp_params, mlp_flops = parameter_table(mlp)
assert mlp_params == sum(p.numel() for p in mlp.parameters())

# %% [markdown]
"""
### Memory profiling
`tracemalloc` sees NumPy's allocations. We measure the memory of building the model (parameters)
and the peak memory of one forward pass for growing batch sizes, and compare each with the
prediction `4 bytes * (number of values)`. The activations' share grows linearly with the batch.
"""

# %%
def profile_memory(batches=(64, 256, 1024)):
    import tracemalloc
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    model = Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
    built = tracemalloc.get_traced_memory()[0] - before
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params:,} values, predicted {n_params * 4 / 1024:.1f} KiB, "
          f"measured {built / 1024:.1f} KiB")
    print(f"{'batch':>6}{'activations (pred.)':>22}{'forward peak (meas.)':>24}")
    for batch in batches:
        x = Tensor(np.zeros((batch, 784), dtype=np.float32))
        outputs = batch * (256 + 256 + 128 + 128 + 10)       # the output of each of the 5 layers
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        model(x)
        peak = tracemalloc.get_traced_memory()[1] - start
        print(f"{batch:>6}{outputs * 4 / 1024:>19.1f} KiB{peak / 1024:>21.1f} KiB")
    tracemalloc.stop()


profile_memory()

# %% [markdown]
"""
The measured parameter memory matches the prediction (plus a little Python object overhead). The
forward peak is lower than the sum of all intermediates because a plain forward pass frees each
output once the next layer has consumed it; module 05's autograd keeps them alive for backward, and
then the activation column is what training pays per batch.

### Timing the matmul
How fast does the machine multiply? We time `Linear.forward` with `time.perf_counter` at a few
sizes, convert to GFLOP/s with `2 * B * in * out`, and compare with a bare NumPy matmul of the same
shape to see what our Tensor wrapper costs.
"""

# %%
def time_linear(sizes=((16, 64, 64), (128, 512, 256), (256, 784, 512)), repeats=9):
    import time
    print(f"{'B x in x out':<20}{'Linear ms':>11}{'GFLOP/s':>9}{'numpy ms':>10}{'overhead':>10}{'share':>8}")
    for batch, n_in, n_out in sizes:
        layer = Linear(n_in, n_out)
        x = Tensor(np.random.default_rng(0).standard_normal((batch, n_in)).astype(np.float32))
        w_t, b = layer.weight.data.T, layer.bias.data
        layer(x)                                  # warm-up
        best_layer = best_numpy = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            layer(x)
            best_layer = min(best_layer, time.perf_counter() - t0)
            t0 = time.perf_counter()
            x.data @ w_t + b
            best_numpy = min(best_numpy, time.perf_counter() - t0)
        flops = 2 * batch * n_in * n_out
        print(f"{f'{batch}x{n_in}x{n_out}':<20}{best_layer * 1e3:>11.3f}{flops / best_layer / 1e9:>9.1f}"
              f"{best_numpy * 1e3:>10.3f}{(best_layer - best_numpy) * 1e6:>8.0f}us"
              f"{(best_layer - best_numpy) / best_layer:>8.1%}")


time_linear()

# %% [markdown]
"""
**Understand.** The `overhead` column is what our Tensor wrapper adds to a bare NumPy matmul per
call (input checks, the transpose view, wrapping results), and `share` is that overhead as a fraction
of the layer's time. It is a fixed cost per call, so its share is large for the small layer and small
for the large one, where BLAS arithmetic dominates. That is one reason frameworks batch work: one big
matmul amortises per-call costs that many small ones pay again and again. (Timings on a shared
machine fluctuate; the FLOP counts do not.)

## Production Context

- **PyTorch's `nn.Module`** works the same way: `__setattr__` files `Parameter`s, buffers and
  sub-modules into `_parameters`, `_buffers` and `_modules`, and `state_dict()` keys are the dotted
  paths you built here -- which is why a PyTorch checkpoint's keys match ours. PyTorch adds forward
  and backward hooks, `to(device)`, and `_load_from_state_dict` overrides for version upgrades.
- **Linear** in PyTorch calls one fused BLAS routine (`addmm`: multiply and add the bias in one
  kernel) on CPU, cuBLAS on GPUs; its default initialisation is the `kaiming_uniform_(a=sqrt(5))`
  you implemented, kept for backward compatibility even though, as you measured, it shrinks activations.
- **Dropout** on GPUs generates the mask inside a fused kernel from a counter-based random number
  generator (Philox), so the mask never has to be stored; it is regenerated for backward.
- **Checkpoints**: `torch.save` uses pickle, which can run arbitrary code when loading; that is why
  `torch.load` now defaults to `weights_only=True`, and why formats such as safetensors store only
  named arrays -- the same decision as our `.npz` files. TensorFlow/Keras store weights in HDF5 or
  its own `.keras` zip format for the same reason.
"""

# %%
def run_all_tests():
    test_unit_parameter()
    test_unit_module()
    test_unit_checkpoint()
    test_unit_init()
    test_unit_linear()
    test_unit_sequential()
    test_unit_dropout()
    test_unit_functional()
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
3. A 7-billion-parameter model in float32 needs how many gigabytes just for its weights, and
   how many more does training with Adam (two extra values per parameter) need?
4. Dropout's mask is as large as the activation it multiplies. During training it must be kept for
   the backward pass; how could you avoid storing it (hint: what if you could regenerate it)?
5. Why is loading a checkpoint with pickle a security problem, and which of our design choices
   removes the problem?
6. `load_state_dict` checks every entry before copying any. What could go wrong in a long training
   job if it copied entries one by one and failed halfway?
"""

# %% [markdown]
"""
## Module Summary

You built the layer system every later module stands on:
- `Parameter` marks learnable tensors; `Module.__setattr__` registers them and sub-modules, so
  `parameters()`, `named_parameters()` (with PyTorch's dotted names), `train()`/`eval()`,
  `zero_grad()` and `state_dict()` work on any model without the author listing anything;
- checkpoints are `.npz` archives read with `allow_pickle=False`, and loading validates names and
  shapes first and names whatever is wrong;
- `Linear` stores `(out, in)` weights like PyTorch, initialises them like PyTorch, and is made only
  of Tensor operations, so autograd will differentiate it for free;
- you measured that activation variance is multiplied by `in * Var(w) / 2` per ReLU layer, which
  is why Kaiming initialisation keeps deep ReLU networks alive;
- `Sequential`, `ModuleList`, `Flatten`, `Identity`, `Dropout` and the seven activation modules
  complete the toolkit, and you counted parameters, bytes and FLOPs and measured them.

Next, module 04 turns model outputs into a single number to minimise: the loss.
"""
