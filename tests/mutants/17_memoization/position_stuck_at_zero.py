"""Every forward pass embeds its tokens from position 0: each decoded token gets the position embedding of position 0 (the original course's third KV-cache bug)."""
CELL = "memoization-forward"
FIND = '''model.pos_emb(t, start)'''
REPLACE = '''model.pos_emb(t, 0)'''
