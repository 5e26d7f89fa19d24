"""The fast trainer counts each distinct chunk once, ignoring how often it occurs in the corpus: merges then follow the vocabulary of distinct words, not the text."""
CELL = "tokenization-bpe"
FIND = '''            get_pair_counts(ids, counts, freq)'''
REPLACE = '''            get_pair_counts(ids, counts, 1)'''
