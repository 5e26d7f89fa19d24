"""F.linear, F.dropout, F.one_hot and F.pad as PyTorch programs use them: a functional MLP whose weights
live in plain tensors, one-hot targets for an MSE classifier, padding variable-length sequences into a
batch and zero-padding an image, with gradients through all of it."""
import numpy as np


def functional_mlp(torch, nn, F, x_np, w1_np, b1_np, w2_np, labels_np):
    x = torch.tensor(x_np)                                        # (4, 3)
    w1 = torch.tensor(w1_np, requires_grad=True)                  # (5, 3)
    b1 = torch.tensor(b1_np, requires_grad=True)
    w2 = torch.tensor(w2_np, requires_grad=True)                  # (3, 5)
    out = {}
    hidden = F.relu(F.linear(x, w1, b1))
    hidden = F.dropout(hidden, p=0.5, training=False)             # evaluation: the identity
    hidden = F.dropout(hidden, p=0.0)                             # p = 0: the identity too
    logits = F.linear(hidden, w2)                                 # no bias
    out["logits"] = logits
    target = F.one_hot(torch.tensor(labels_np), num_classes=3)
    out["one_hot"], out["one_hot_dtype"] = target, target.dtype
    out["inferred"] = F.one_hot(torch.tensor([[0, 2], [1, 1]]))
    loss = F.mse_loss(F.softmax(logits, dim=1), target.float())
    out["loss"] = loss
    loss.backward()
    out["grads"] = [w1.grad, b1.grad, w2.grad]
    layer = nn.Linear(3, 5)
    out["same_as_module"] = bool(torch.allclose(F.linear(x, layer.weight, layer.bias), layer(x)))
    return out


def test_functional_mlp(both):
    rng = np.random.default_rng(5)
    f32 = np.float32
    result = both(functional_mlp, rng.standard_normal((4, 3)).astype(f32), rng.standard_normal((5, 3)).astype(f32),
                  rng.standard_normal(5).astype(f32), rng.standard_normal((3, 5)).astype(f32), np.array([2, 0, 1, 2]))
    assert result["same_as_module"]


def dropout_statistics(torch, nn, F, x_np):
    x = torch.tensor(x_np, requires_grad=True)                    # (100, 200) of 3.0
    torch.manual_seed(0)
    y = F.dropout(x, p=0.25)                                      # training=True is F.dropout's default
    kept = y != 0
    y.sum().backward()
    return {"zero_fraction_ok": bool(abs(1 - kept.float().mean().item() - 0.25) < 0.01),
            "survivors_scaled": bool(torch.allclose(y[kept], torch.full_like(y[kept], 4.0))),
            "grad_is_mask": bool(torch.equal(x.grad, kept.float() / 0.75)),
            "shape": list(y.shape), "dtype": y.dtype}


def test_dropout_statistics(both):
    # The two frameworks draw different masks; everything the program returns is mask-independent.
    both(dropout_statistics, np.full((100, 200), 3.0, np.float32))


def pad_sequences(torch, nn, F, seqs_np, image_np):
    seqs = [torch.tensor(s, requires_grad=True) for s in seqs_np]  # lengths 2, 5, 3; 4 features each
    longest = max(s.shape[0] for s in seqs)
    batch = torch.stack([F.pad(s, (0, 0, 0, longest - s.shape[0])) for s in seqs])
    out = {"batch": batch}
    image = torch.tensor(image_np, requires_grad=True)            # (2, 1, 3, 3)
    out["padded_image"] = F.pad(image, (1, 1, 1, 1))
    out["value_pad"] = F.pad(image, (2, 0), value=-1.5)
    out["crop"] = F.pad(image, (-1, 0, 0, -1))
    out["ints"] = F.pad(torch.tensor([[1, 2], [3, 4]]), (1, 0), value=9)
    loss = (batch * torch.arange(4.0)).sum() + (out["padded_image"] ** 2).sum() + out["crop"].sum()
    loss.backward()
    out["seq_grads"] = [s.grad for s in seqs]
    out["image_grad"] = image.grad
    return out


def test_pad_sequences_and_images(both):
    rng = np.random.default_rng(6)
    seqs = [rng.standard_normal((n, 4)).astype(np.float32) for n in (2, 5, 3)]
    both(pad_sequences, seqs, rng.standard_normal((2, 1, 3, 3)).astype(np.float32))
