"""tinytorch.text: tokenizers (module 10) and embeddings (module 11) for language models (hand-written re-exports)."""
from .tokenization import BPETokenizer, CharTokenizer  # noqa: F401

__all__ = ["CharTokenizer", "BPETokenizer"]
