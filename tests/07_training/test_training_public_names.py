"""Module 07: the names tinytorch.core.training promises exist."""


def test_public_names():
    import tinytorch.core.training as training
    for name in training.__all__:
        assert hasattr(training, name), name
    assert {"clip_grad_norm_", "Trainer", "EarlyStopping", "save_checkpoint", "load_checkpoint"} <= set(training.__all__)
