"""A bag-of-embeddings text classifier written for PyTorch: nn.Embedding(padding_idx=0) loaded from a
state_dict, a padding mask from `ids != 0`, mean pooling, nn.Linear, F.cross_entropy, optim.SGD; and
F.embedding on the same weight. The padding row must stay zero through training."""
import numpy as np


def bag_classifier(torch, nn, F, ids_np, labels_np, emb_w, lin_w, lin_b):
    emb = nn.Embedding(12, 6, padding_idx=0)
    emb.load_state_dict({"weight": torch.tensor(emb_w)})
    lin = nn.Linear(6, 3)
    lin.load_state_dict({"weight": torch.tensor(lin_w), "bias": torch.tensor(lin_b)})
    ids, y = torch.tensor(ids_np), torch.tensor(labels_np)
    opt = torch.optim.SGD(list(emb.parameters()) + list(lin.parameters()), lr=0.5)
    history = []
    for step in range(15):
        x = emb(ids)                                        # (batch, time, 6)
        mask = (ids != 0).float().unsqueeze(-1)             # (batch, time, 1)
        pooled = (x * mask).sum(dim=1) / mask.sum(dim=1)
        loss = F.cross_entropy(lin(pooled), y)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            first_grad = emb.weight.grad.clone()
        opt.step()
        history.append(loss.item())
    functional = F.embedding(ids, emb.weight, padding_idx=0)
    return {"history": history, "weight": emb.weight, "first_grad": first_grad, "pad_row": emb.weight[0],
            "functional": functional, "same": bool(torch.equal(functional, emb(ids)))}


def test_bag_of_embeddings_classifier(both):
    rng = np.random.default_rng(11)
    ids = rng.integers(1, 12, size=(9, 7))
    ids[:, 5:] = 0                                          # padded tails, ids repeat within rows
    ids[::2, 3:] = 0
    labels = rng.integers(0, 3, size=9)
    emb_w = rng.standard_normal((12, 6)).astype(np.float32)
    emb_w[0] = 0
    lin_w = (rng.standard_normal((3, 6)) * 0.3).astype(np.float32)
    result = both(bag_classifier, ids, labels, emb_w, lin_w, np.zeros(3, np.float32))
    assert result["history"][-1] < result["history"][0]
    assert result["same"]
