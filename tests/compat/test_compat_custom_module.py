"""A custom nn.Module with submodules whose forward uses view/reshape/cat/stack/indexing/transpose,
trained with nn.CrossEntropyLoss and a hand-written SGD step over model.parameters()."""
import numpy as np




def make_model(torch, nn, F):
    class TwoTower(nn.Module):
        def __init__(self):
            super().__init__()
            self.left = nn.Linear(3, 5)
            self.right = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
            self.head = nn.Linear(9, 3)

        def forward(self, x):                     # x: (batch, 2, 3)
            a = F.relu(self.left(x[:, 0]))        # (batch, 5)
            b = self.right(x[:, 1, :])            # (batch, 5)
            pair = torch.stack([a, b], dim=1)     # (batch, 2, 5)
            pooled = pair.transpose(1, 2).reshape(x.size(0), -1)[:, ::5]   # (batch, 2)
            summary = torch.cat([a.mean(dim=1, keepdim=True), b.max(dim=1).values.unsqueeze(1)], dim=1)
            features = torch.cat([a + b, pooled, summary.view(-1, 2)], dim=1)
            return self.head(features)

    return TwoTower()


def weights(model_keys_shapes, seed=3):
    rng = np.random.default_rng(seed)
    return {k: (0.4 * rng.standard_normal(s)).astype(np.float32) for k, s in model_keys_shapes}


def train(torch, nn, F, x_np, y_np, init):
    model = make_model(torch, nn, F)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(init[name]))
    names = [name for name, _ in model.named_parameters()]
    criterion = nn.CrossEntropyLoss()
    x, y = torch.tensor(x_np), torch.tensor(y_np, dtype=torch.long)
    losses = []
    model.train()
    for epoch in range(12):
        model.zero_grad()
        logits = model(x)
        loss = criterion(logits, y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-0.2)
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(x)
        preds = logits.argmax(dim=1)
        accuracy = (preds == y).float().mean().item()
        probs = F.softmax(logits, dim=1)
    n_params = sum(p.numel() for p in model.parameters())
    return {"names": names, "losses": losses, "preds": preds, "accuracy": accuracy, "probs": probs,
            "n_params": n_params, "params": dict(model.named_parameters()),
            "state_keys": list(model.state_dict().keys()),
            "logits_requires_grad": logits.requires_grad}


def test_custom_module_trains_like_pytorch(both):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 2, 3)).astype(np.float32)
    y = rng.integers(0, 3, 20)
    import tinytorch as tt
    shapes = [(k, tuple(p.shape)) for k, p in make_model(tt, tt.nn, tt.nn.functional).named_parameters()]
    result = both(train, x, y, weights(shapes))
    assert result["losses"][-1] < result["losses"][0]
