"""minibatches draws its shuffle only when the first batch is taken: a checkpoint saved right after the
call holds the generator state before this epoch's shuffle, so a resumed run reshuffles differently."""
CELL = "training-minibatches"
FIND = '''    order = (generator or default_generator).rng.permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n

    def batches():
        for start in range(0, stop, batch_size):'''
REPLACE = '''    stop = n - n % batch_size if drop_last else n

    def batches():
        order = (generator or default_generator).rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, stop, batch_size):'''
