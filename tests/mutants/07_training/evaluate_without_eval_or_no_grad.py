"""evaluate runs the model as in training: dropout stays on (a noisy, pessimistic validation score) and a
graph is recorded for every batch (memory and time for nothing). Scored full marks in the review."""
CELL = "training-epoch"
FIND = '''    was_training = model.training
    model.eval()
    totals = _new_totals()
    try:
        with no_grad():
            for batch in batches:
                x, y = _batch_tensors(batch)
                output = model(x)
                _tally(totals, output, y, loss_fn(output, y).item())
    finally:
        model.train(was_training)
    return _summary(totals)'''
REPLACE = '''    totals = _new_totals()
    for batch in batches:
        x, y = _batch_tensors(batch)
        output = model(x)
        _tally(totals, output, y, loss_fn(output, y).item())
    return _summary(totals)'''
