"""tinytorch.models: complete models built from the course's layers (module 13: tinytorch.models.transformer)."""
