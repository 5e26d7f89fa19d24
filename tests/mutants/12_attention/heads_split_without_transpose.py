"""Heads split by reshaping (N, L, 3E) straight to (3, N, H, L, d) instead of (N, L, 3, H, d) then permuting:
shapes are right, but each "head" mixes positions and features, so the layer is not multi-head attention."""
CELL = "attention-mha"
FIND = '''            qkv = qkv.reshape(n, L, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)'''
REPLACE = '''            qkv = qkv.reshape(3, n, self.num_heads, L, self.head_dim)'''
