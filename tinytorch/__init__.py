"""TinyTorch: a deep-learning framework built from scratch, one course module at a time.

This file is hand-written: it re-exports the PyTorch-shaped surface of the exported modules
(tinytorch.core.*), so `import tinytorch as torch`-style programs find familiar names.
"""
from .core.tensor import *  # noqa: F401,F403  (Tensor, tensor, zeros, randn, manual_seed, float32, ...)
from .core.tensor import __all__ as _tensor_all
from .core import autograd as autograd  # installs the autograd engine into Tensor (declared hook)
from .core.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from . import nn  # noqa: E402
from .core.activations import relu, sigmoid, softmax, log_softmax, tanh  # noqa: E402  (torch.relu, ...)

__version__ = "0.1.0"

__all__ = list(_tensor_all) + [
    "autograd", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled", "nn",
    "relu", "sigmoid", "tanh", "softmax", "log_softmax",
]
