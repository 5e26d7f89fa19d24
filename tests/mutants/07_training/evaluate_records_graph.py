"""evaluate in eval mode but without no_grad(): the numbers are right, yet every batch records a graph that
is never used (the memory of a training step spent on validation)."""
CELL = "training-epoch"
FIND = '''        with no_grad():
            for batch in batches:
                x, y = _batch_tensors(batch)
                output = model(x)
                _tally(totals, output, y, loss_fn(output, y).item())'''
REPLACE = '''        for batch in batches:
            x, y = _batch_tensors(batch)
            output = model(x)
            _tally(totals, output, y, loss_fn(output, y).item())'''
