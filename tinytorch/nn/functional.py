"""tinytorch.nn.functional: the functional forms of activations, layers and losses (hand-written re-exports)."""
from ..core.activations import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh  # noqa: F401
from ..core.spatial import avg_pool2d, conv2d, max_pool2d  # noqa: F401
from ..core.normalization import batch_norm  # noqa: F401
from ..text.embeddings import embedding  # noqa: F401
from ..core.attention import scaled_dot_product_attention  # noqa: F401
from ..models.transformer import layer_norm  # noqa: F401
from ..core.layers import dropout, linear, pad  # noqa: F401
from ..core.losses import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss, one_hot,
)

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax",
    "conv2d", "max_pool2d", "avg_pool2d", "batch_norm",
    "embedding",
    "scaled_dot_product_attention", "layer_norm",
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "linear", "dropout", "pad", "one_hot",
]
