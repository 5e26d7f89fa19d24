"""tinytorch.autograd: torch.autograd's names (hand-written re-exports).

Module 05's engine and grad-mode switches (tinytorch.core.autograd), plus Function for custom ops from its
support file (tinytorch.core.autograd_function)."""
from .core.autograd import *  # noqa: F401,F403
from .core.autograd import __all__ as _engine_all
from .core.autograd_function import Function, FunctionCtx  # noqa: F401

__all__ = list(_engine_all) + ["Function", "FunctionCtx"]
