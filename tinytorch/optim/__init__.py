"""tinytorch.optim: optimizers and learning-rate schedules (hand-written re-exports from module 06)."""
from ..core.optimizers import SGD, Adam, AdamW, Optimizer  # noqa: F401
from .extras import Adagrad, RMSprop  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
