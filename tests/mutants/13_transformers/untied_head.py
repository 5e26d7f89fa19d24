"""The head keeps its own weight instead of sharing tok_emb.weight: V*d extra parameters, and not the GPT
the parameter formula and PyTorch's tied models describe."""
CELL = "transformers-gpt"
FIND = '''        self.head.weight = self.tok_emb.weight
'''
REPLACE = '''        self.head.weight._data[...] = self.tok_emb.weight._data
'''
