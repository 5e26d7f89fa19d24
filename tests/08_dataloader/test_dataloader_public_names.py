"""Module 08: every name in tinytorch.data.loader.__all__ exists."""


def test_public_names_exist():
    import tinytorch.data.loader as loader
    missing = [name for name in loader.__all__ if not hasattr(loader, name)]
    assert not missing, f"__all__ lists names the module does not define: {missing}"
