"""Pruning without a mask: apply() zeros the weights only once, so they grow back in fine-tuning.
The original course's bug: a "sparse" model that is no longer sparse after training."""
CELL = "compression-pruner"
FIND = '''        for name, p in self.params.items():
            pruned = ~self.masks[name]'''
REPLACE = '''        if getattr(self, "_pruned_once", False):
            return
        self._pruned_once = True
        for name, p in self.params.items():
            pruned = ~self.masks[name]'''
