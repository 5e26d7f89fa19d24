"""Pair counts ignore repeats: each distinct pair counted once per word. The original course's BPE bug: "aaaa" looks as rare as "xa", so the merges learned are wrong."""
CELL = "tokenization-pairs"
FIND = '''    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + weight'''
REPLACE = '''    for pair in set(zip(ids, ids[1:])):
        counts[pair] = counts.get(pair, 0) + weight'''
