"""The position embedding left out of the input: the model is a bag of tokens, and one token repeated gives
the same logits at every position (the positional-encoding bug the position probe is for)."""
CELL = "transformers-gpt"
FIND = '''        x = self.drop(self.tok_emb(idx) + self.pos_emb(t, start))'''
REPLACE = '''        x = self.drop(self.tok_emb(idx))'''
