"""tinytorch.utils.data: PyTorch's spelling of the data API (hand-written re-exports from module 08)."""
from ..data.loader import (  # noqa: F401
    DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split,
)

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate"]
