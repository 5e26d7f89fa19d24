"""StepLR.get_lr as a closed form (base_lr * gamma ** (t // step_size)): two schedulers on one optimizer no
longer compose, and a hand change of the rate is undone at the next step."""
CELL = "optimizers-schedules"
FIND = '''        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return current
        return [lr * self.gamma for lr in current]'''
REPLACE = '''        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]'''
