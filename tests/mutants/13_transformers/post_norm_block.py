"""A post-norm block, x = LN(x + attn(x)), x = LN(x + mlp(x)), instead of pre-norm: the residual path is no
longer the identity (harder to train deep, and not the GPT-2 block the milestone and bench expect)."""
CELL = "transformers-block"
FIND = '''        x = x + self.drop(self.attn(self.ln1(x), start))
        return x + self.mlp(self.ln2(x))'''
REPLACE = '''        x = self.ln1(x + self.drop(self.attn(x, start)))
        return self.ln2(x + self.mlp(x))'''
