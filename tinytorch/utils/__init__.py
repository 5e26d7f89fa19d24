"""tinytorch.utils: PyTorch's `torch.utils` namespace (only `data` exists)."""
from . import data  # noqa: F401
