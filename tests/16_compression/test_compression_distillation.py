"""distillation_loss against PyTorch's kl_div (batchmean) times T^2, in float64: value and gradient."""
import numpy as np
import pytest

from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import distillation_loss

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 4.0, 10.0])
@pytest.mark.parametrize("shape", [(1, 3), (8, 10), (5, 2)])
def test_matches_torch_kl_div_forward_and_gradient(temperature, shape):
    rng = np.random.default_rng(int(temperature * 10) + shape[1])
    s_np, t_np = rng.standard_normal(shape) * 4, rng.standard_normal(shape) * 4
    student = Tensor(s_np.copy(), requires_grad=True)
    loss = distillation_loss(student, Tensor(t_np.copy()), temperature)
    loss.backward()

    s_t = torch.tensor(s_np, dtype=torch.float64, requires_grad=True)
    t_t = torch.tensor(t_np, dtype=torch.float64)
    ref = F.kl_div(F.log_softmax(s_t / temperature, dim=1), F.softmax(t_t / temperature, dim=1),
                   reduction="batchmean") * temperature ** 2
    ref.backward()
    assert loss.dtype == np.float64
    assert np.isclose(loss.item(), ref.item(), rtol=1e-10, atol=1e-12)
    assert np.allclose(student.grad._data, s_t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_direction_is_teacher_first():
    """KL(teacher || student) differs from KL(student || teacher) on these logits: the test can tell."""
    s_np, t_np = np.array([[4.0, 0.0, -2.0]]), np.array([[0.0, 1.0, 0.5]])
    ours = distillation_loss(Tensor(s_np), Tensor(t_np), 1.0).item()
    s_t, t_t = torch.tensor(s_np), torch.tensor(t_np)
    right = F.kl_div(F.log_softmax(s_t, 1), F.softmax(t_t, 1), reduction="batchmean").item()
    reversed_ = F.kl_div(F.log_softmax(t_t, 1), F.softmax(s_t, 1), reduction="batchmean").item()
    assert abs(right - reversed_) > 0.1
    assert np.isclose(ours, right)


def test_teacher_gets_no_gradient_and_float32_works():
    rng = np.random.default_rng(0)
    s = Tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    t = Tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    loss = distillation_loss(s, t, 3.0)
    loss.backward()
    assert t.grad is None and s.grad is not None and s.grad.dtype == np.float32


@pytest.mark.parametrize("call, words", [
    (lambda: distillation_loss(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))), ["(2, 3)", "(2, 4)"]),
    (lambda: distillation_loss(Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 3))), -1.0), ["temperature", "-1.0"]),
    (lambda: distillation_loss(np.zeros((2, 3)), Tensor(np.zeros((2, 3)))), ["Tensor"]),
])
def test_errors_name_the_problem(call, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
