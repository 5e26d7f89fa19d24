"""tinytorch.nn: layers, activations and losses with PyTorch's names (hand-written re-exports)."""
from ..core.layers import (  # noqa: F401
    Dropout, Flatten, GELU, Identity, LeakyReLU, Linear, LogSoftmax, Module, ModuleList, Parameter,
    ReLU, Sequential, Sigmoid, Softmax, Tanh,
)
from ..core.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss  # noqa: F401
from ..core.spatial import AvgPool2d, Conv2d, MaxPool2d  # noqa: F401
from ..core.normalization import BatchNorm1d, BatchNorm2d  # noqa: F401
from ..text.embeddings import Embedding  # noqa: F401
from ..core.attention import MultiheadAttention  # noqa: F401
from ..models.transformer import LayerNorm  # noqa: F401
from . import functional, init, utils  # noqa: F401

__all__ = [
    "Module", "Parameter", "Linear", "Sequential", "ModuleList", "Dropout", "Flatten", "Identity",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d",
    "Embedding",
    "MultiheadAttention", "LayerNorm",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "functional", "init", "utils",
]
