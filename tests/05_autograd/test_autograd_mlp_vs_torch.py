"""End to end: the gradients of Linear -> ReLU -> Linear -> cross_entropy match PyTorch's to 1e-5 in
float64, on random inputs. Needs modules 02 (activations), 03 (layers) and 04 (losses): skipped until
each is 'ready' in course.toml, and a hard failure after that if anything is missing or wrong."""
import importlib

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (installs the engine)
from tinytorch.core.tensor import Tensor
from tito.manifest import load

NEEDED = ("activations", "layers", "losses")


def _modules():
    course = load()
    pending = [course.module(slug) for slug in NEEDED if not course.module(slug).ready]
    if pending:
        pytest.skip("needs modules " + ", ".join(f"{m.tag} ({m.slug}, status '{m.status}')" for m in pending)
                    + " to be 'ready' in course.toml")
    return [importlib.import_module(course.module(slug).package_module) for slug in NEEDED]


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(5))
def test_linear_relu_cross_entropy_gradients_match_torch(seed):
    act, layers, losses = _modules()
    try:
        import torch
    except ImportError:
        pytest.skip("PyTorch is not installed: .venv/bin/pip install torch==2.13.0")
    rng = np.random.default_rng(seed)
    n, d_in, hidden, classes = 8, 5, 7, 3
    x = rng.standard_normal((n, d_in))
    target = rng.integers(0, classes, n)

    fc1 = layers.Linear(d_in, hidden, dtype=np.float64)
    fc2 = layers.Linear(hidden, classes, dtype=np.float64)
    tfc1 = torch.nn.Linear(d_in, hidden, dtype=torch.float64)
    tfc2 = torch.nn.Linear(hidden, classes, dtype=torch.float64)
    for mine, theirs in ((fc1, tfc1), (fc2, tfc2)):
        mine.weight._data[...] = rng.standard_normal(mine.weight.shape)
        mine.bias._data[...] = rng.standard_normal(mine.bias.shape)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(mine.weight._data))
            theirs.bias.copy_(torch.from_numpy(mine.bias._data))

    xt = Tensor(x.copy(), requires_grad=True)
    loss = losses.cross_entropy(fc2(act.relu(fc1(xt))), Tensor(target))
    loss.backward()

    xr = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(tfc2(torch.relu(tfc1(xr))), torch.from_numpy(target))
    ref.backward()

    np.testing.assert_allclose(loss.item(), ref.item(), rtol=1e-10)
    pairs = [("input", xt.grad, xr.grad), ("fc1.weight", fc1.weight.grad, tfc1.weight.grad),
             ("fc1.bias", fc1.bias.grad, tfc1.bias.grad), ("fc2.weight", fc2.weight.grad, tfc2.weight.grad),
             ("fc2.bias", fc2.bias.grad, tfc2.bias.grad)]
    for name, mine, theirs in pairs:
        assert mine is not None, f"{name} received no gradient"
        np.testing.assert_allclose(mine._data, theirs.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)
