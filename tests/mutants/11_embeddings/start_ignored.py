"""Both positional encodings ignore `start` and always return positions 0..seq_len-1: a KV-cached model (module 17) would give every generated token position 0, the original course's cache bug."""
PATCHES = [
    ("embeddings-positional", '''        return Tensor(self.pe._data[lo:hi].copy())''',
     '''        return Tensor(self.pe._data[:hi - lo].copy())'''),
    ("embeddings-positional", '''        return embedding(np.arange(lo, hi, dtype=np.int64), self.weight)''',
     '''        return embedding(np.arange(0, hi - lo, dtype=np.int64), self.weight)'''),
]
