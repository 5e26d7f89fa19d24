"""The epoch order drawn lazily (a generator function): the seeded shuffle then depends on when the first
batch is taken, so interleaved or restarted iterators, and checkpoints saved after iter(), see other orders."""
CELL = "dataloader-loader"
FIND = '''        order = self._epoch_order()
        size = self.batch_size
        stop = len(self) * size if self.drop_last else len(order)
        return (self._fetch(order[start:start + size]) for start in range(0, stop, size))'''
REPLACE = '''        size = self.batch_size

        def batches():
            order = self._epoch_order()
            stop = len(self) * size if self.drop_last else len(order)
            for start in range(0, stop, size):
                yield self._fetch(order[start:start + size])
        return batches()'''
