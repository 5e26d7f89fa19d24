"""tinytorch.optim.lr_scheduler: learning-rate schedules (hand-written re-exports from module 06)."""
from ..core.optimizers import (  # noqa: F401
    CosineAnnealingLR, LambdaLR, LinearLR, LRScheduler, SequentialLR, StepLR,
)
from .extras import ExponentialLR, MultiStepLR, ReduceLROnPlateau  # noqa: F401

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "LinearLR", "CosineAnnealingLR", "SequentialLR",
           "MultiStepLR", "ExponentialLR", "ReduceLROnPlateau"]
