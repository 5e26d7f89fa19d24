"""tinytorch.nn.utils: gradient clipping (hand-written re-export from module 07)."""
from ..core.training import clip_grad_norm_  # noqa: F401

__all__ = ["clip_grad_norm_"]
