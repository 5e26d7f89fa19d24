"""len(loader) ignores drop_last (always ceil(n / B)): the epoch length reported to schedulers and progress
bars is one batch too long whenever B does not divide n."""
CELL = "dataloader-loader"
FIND = '''        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)'''
REPLACE = '''        return -(-n // self.batch_size)'''
