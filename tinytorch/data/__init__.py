"""tinytorch.data: datasets, transforms and the DataLoader (hand-written re-exports from module 08)."""
from .loader import *  # noqa: F401,F403
from .loader import __all__  # noqa: F401
