"""TinyTorch: a deep-learning framework built from scratch, one course module at a time.

This file is hand-written: it re-exports the PyTorch-shaped surface of the exported modules
(tinytorch.core.*), so `import tinytorch as torch`-style programs find familiar names.
"""
from .core.tensor import *  # noqa: F401,F403  (Tensor, tensor, zeros, randn, manual_seed, float32, ...)
from .core.tensor import __all__ as _tensor_all
from .core import autograd as _engine  # noqa: F401  installs the autograd engine into Tensor (declared hook)
from . import autograd  # noqa: E402  torch.autograd's names: the engine's, plus Function (custom ops), retain_grad
from .core.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import data, utils  # noqa: E402
from .core.activations import relu, sigmoid, softmax, log_softmax, tanh  # noqa: E402  (torch.relu, ...)
from .core.threads import get_num_threads, set_num_threads  # noqa: E402  (intra-op threads)

__version__ = "0.1.0"

# PyTorch's dtype aliases (torch.float is float32, torch.long is int64, ...). Defined here, not in
# core/tensor.py, because there the names float/int/bool would hide Python's builtins.
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
bool = bool_  # noqa: A001


class _Cuda:
    """torch.cuda as far as a CPU-only framework has it: `torch.cuda.is_available()` is False."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def device_count():
        return 0

    @staticmethod
    def manual_seed(seed):
        return None

    @staticmethod
    def manual_seed_all(seed):
        return None


cuda = _Cuda()

__all__ = list(_tensor_all) + [
    "autograd", "no_grad", "enable_grad", "is_grad_enabled", "set_grad_enabled", "nn", "optim", "data", "utils",
    "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "float", "double", "half", "long", "int", "bool", "cuda", "set_num_threads", "get_num_threads",
]
