"""Linear.forward computed on raw numpy arrays and wrapped at the end: the values are right but no graph is recorded, so backward never reaches weight and bias (the model cannot train)."""
CELL = "layers-linear"
FIND = '''        out = x @ self.weight.T
        if self.bias is not None:
            out = out + self.bias
        return out'''
REPLACE = '''        out = x._data @ self.weight._data.T
        if self.bias is not None:
            out = out + self.bias._data
        return Tensor(out)'''
