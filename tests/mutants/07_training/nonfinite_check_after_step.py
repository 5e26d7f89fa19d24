"""The non-finite loss is detected only after optimizer.step(): the error is raised, but the parameters and
Adam's moments are already nan, so the run cannot be inspected or resumed."""
PATCHES = [
    ("training-epoch", '''        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"the loss is {loss_value} at batch {totals['batches'] + 1}: training has "
                                     "diverged; lower the learning rate or clip gradients (max_grad_norm)")
        t1 = time.perf_counter()''', '''        t1 = time.perf_counter()'''),
    ("training-epoch", '''        step_s += t3 - t2
        _tally''', '''        step_s += t3 - t2
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"the loss is {loss_value} at batch {totals['batches'] + 1}: training has "
                                     "diverged; lower the learning rate or clip gradients (max_grad_norm)")
        _tally'''),
]
