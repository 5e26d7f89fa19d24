"""CosineAnnealingLR.get_lr computes the closed form of the step instead of chaining from the current rate:
the sequence alone looks right, but a rate changed by hand or by a second scheduler is silently overwritten.
Scored full marks in the review."""
CELL = "optimizers-schedules"
FIND = '''        current = [group["lr"] for group in self.optimizer.param_groups]
        t, period, low = self.last_epoch, self.T_max, self.eta_min'''
REPLACE = '''        return self._get_closed_form_lr()
        current = [group["lr"] for group in self.optimizer.param_groups]
        t, period, low = self.last_epoch, self.T_max, self.eta_min'''
