"""tinytorch.nn.init: parameter initialisers (hand-written re-exports from module 03)."""
from ..core.layers import (  # noqa: F401
    calculate_gain, constant_, kaiming_normal_, kaiming_uniform_, normal_, ones_, uniform_,
    xavier_normal_, xavier_uniform_, zeros_,
)

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]
