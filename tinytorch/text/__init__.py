"""tinytorch.text: tokenizers (module 10) and embeddings (module 11) for language models (hand-written re-exports)."""
from .tokenization import BPETokenizer, CharTokenizer  # noqa: F401
from .embeddings import (  # noqa: F401
    Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding, embedding, sinusoidal_table,
)

__all__ = ["CharTokenizer", "BPETokenizer", "Embedding", "embedding", "SinusoidalPositionalEncoding",
           "LearnedPositionalEmbedding", "sinusoidal_table"]
