"""Logistic regression on two Gaussian blobs: nn.Linear(2, 1), nn.BCEWithLogitsLoss, manual SGD, and the
accuracy idiom `((torch.sigmoid(logits) > 0.5).float() == y).float().mean()`."""
import numpy as np


def logistic(torch, nn, F, x_np, y_np, w_np, b_np):
    x = torch.tensor(x_np, dtype=torch.float32)
    y = torch.tensor(y_np, dtype=torch.float32).unsqueeze(1)
    model = nn.Linear(2, 1)
    model.load_state_dict({"weight": torch.tensor(w_np), "bias": torch.tensor(b_np)})
    criterion = nn.BCEWithLogitsLoss()
    history = []
    for epoch in range(30):
        logits = model(x)
        loss = criterion(logits, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
        if epoch % 5 == 0:
            history.append(loss.item())
    with torch.no_grad():
        probs = torch.sigmoid(model(x))
        predicted = (probs > 0.5).float()
        accuracy = (predicted == y).float().mean().item()
        functional = F.binary_cross_entropy_with_logits(model(x), y, reduction="sum")
        manual = -(y * torch.log(probs) + (1 - y) * torch.log(1 - probs)).sum()
    return {"history": history, "weight": model.weight, "bias": model.bias, "accuracy": accuracy,
            "probs": probs, "sum_loss": functional, "manual": manual, "predicted_dtype": predicted.dtype}


def test_logistic_regression(both):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(-1.0, 0.8, (25, 2)), rng.normal(1.0, 0.8, (25, 2))])
    y = np.array([0] * 25 + [1] * 25)
    result = both(logistic, x, y, np.array([[0.1, -0.2]], np.float32), np.array([0.05], np.float32))
    assert result["accuracy"] > 0.85
