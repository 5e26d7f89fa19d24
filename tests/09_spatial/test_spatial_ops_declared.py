"""Module 09 declares its ops and registers their gradient rules itself."""


def test_ops_and_gradient_rules_are_declared_by_module_09():
    import tinytorch.core.spatial  # noqa: F401  (declares the ops)
    from tinytorch.core.autograd import GRADIENTS
    from tinytorch.core.tensor import OPS
    for op in ("conv2d", "max_pool2d", "avg_pool2d"):
        assert OPS[op] == "09_spatial", op
        assert GRADIENTS[op].__module__ == "tinytorch.core.spatial", f"{op}'s rule must come from module 09"
