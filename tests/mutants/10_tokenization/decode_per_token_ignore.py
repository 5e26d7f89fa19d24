"""Decode each token's bytes on its own with errors="ignore" instead of joining the bytes first. Loses every character that a token boundary splits, so decode(encode(x)) != x (the original course's decode)."""
CELL = "tokenization-bpe-basic"
FIND = '''    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")'''
REPLACE = '''    return "".join(vocab[i].decode("utf-8", errors="ignore") for i in ids)'''
