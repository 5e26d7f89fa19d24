"""A 3-class classifier trained in mini-batches (the "training loop" of every course): nn.Sequential with
nn.ReLU, F.cross_entropy / nn.CrossEntropyLoss, F.softmax / F.log_softmax, shuffling with a permutation,
model.eval() + torch.no_grad() evaluation, accuracy from argmax."""
import numpy as np


def classifier(torch, nn, F, x_np, y_np, perms, init):
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    model.load_state_dict({k: torch.tensor(v) for k, v in init.items()})
    loss_fn = nn.CrossEntropyLoss()
    x_all, y_all = torch.tensor(x_np), torch.tensor(y_np)
    batch_size, lr = 16, 0.1
    epoch_losses = []
    for perm in perms:
        model.train()
        running, batches = 0.0, 0
        order = torch.tensor(perm)
        for start in range(0, len(x_all), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = x_all[idx], y_all[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb) if batches % 2 == 0 else F.cross_entropy(logits, yb)
            model.zero_grad()
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p.data -= lr * p.grad.data
            running += loss.item()
            batches += 1
        epoch_losses.append(running / batches)
    model.eval()
    with torch.no_grad():
        logits = model(x_all)
        probs = F.softmax(logits, dim=1)
        log_probs = F.log_softmax(logits, dim=-1)
        nll = F.nll_loss(log_probs, y_all)
        predicted = torch.argmax(probs, dim=1)
        correct = (predicted == y_all).sum().item()
        confidence, _ = probs.max(dim=1)
    return {"epoch_losses": epoch_losses, "correct": correct, "accuracy": correct / len(y_all),
            "probs_sum": probs.sum(dim=1), "nll": nll, "confidence": confidence, "predicted": predicted,
            "weights": dict(model.named_parameters())}


def test_minibatch_softmax_classifier(both):
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    y = rng.integers(0, 3, 96)
    x = (centres[y] + 0.7 * rng.standard_normal((96, 2))).astype(np.float32)
    perms = [rng.permutation(96) for _ in range(6)]
    init = {"0.weight": rng.uniform(-0.5, 0.5, (16, 2)), "0.bias": rng.uniform(-0.5, 0.5, 16),
            "2.weight": rng.uniform(-0.25, 0.25, (3, 16)), "2.bias": rng.uniform(-0.25, 0.25, 3)}
    init = {k: v.astype(np.float32) for k, v in init.items()}
    result = both(classifier, x, y, perms, init, rtol=1e-4, atol=1e-5)
    assert result["accuracy"] > 0.8
