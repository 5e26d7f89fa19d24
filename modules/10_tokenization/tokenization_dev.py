# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 10: Tokenization

A language model never sees text. It sees a sequence of integers, one per **token**, and looks each one
up in an embedding table (module 11). The **tokenizer** decides what a token is: one character, one byte,
a whole word, or something in between. That choice fixes two numbers that the rest of the model lives
with: the **vocabulary size** `V` (rows of the embedding table and columns of the output layer) and the
**sequence length** `T` of a given text (attention costs grow as `T^2`). Small tokens give a small table
and long sequences; big tokens give short sequences and a big table.

In this module you build the two tokenizers that matter for learning: a character tokenizer, then
**byte-level byte-pair encoding** (BPE), the scheme of GPT-2, GPT-4 and LLaMA 3, trained on the course
corpus, the help text of Python itself.

**Learning Objectives:**
- Map text to ids and back with a character vocabulary, with special tokens and a clear error for an
  unknown character.
- Explain why byte-level BPE can encode *every* string (UTF-8 bytes 0..255 are the base vocabulary) and
  why `decode(encode(x)) == x` must hold exactly, for "", whitespace runs, accents and emoji.
- Count adjacent pairs (repeats included: "aaaa" holds three "aa" pairs), merge the most frequent pair,
  and train BPE: first on one sequence, then fast, on the unique chunks of a corpus with incremental
  pair counts.
- Encode with the learned merges in rank order, decode by joining bytes *before* UTF-8 decoding, and
  save/load a tokenizer as JSON (never pickle).
- Measure on the corpus: vocabulary size against sequence length and embedding-table memory, and the
  encode throughput of a naive merge loop against the cached one the package uses.

**How this module works.** Each step is a code cell to complete (between the solution markers, inside
functions whose signatures and docstrings are given), followed at once by a graded test. Cells that
start with `#| export` become `tinytorch/text/tokenization.py` when you run `tito export 10`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Text is bytes.** Python's `str` is a sequence of Unicode code points (about 150,000 are assigned). UTF-8
writes each code point as 1 to 4 bytes: ASCII as one byte (`"a"` is 97), `"é"` as two, `"€"` as three, an
emoji as four. So any string becomes a sequence of integers in 0..255, and those 256 values are a
vocabulary that can spell *everything*: nothing is ever "unknown".

**Byte-pair encoding.** Start with the byte sequence. Count every adjacent pair; replace every occurrence
of the most frequent pair `(a, b)` by a new id `256 + k` (the k-th merge) and remember `(a, b) -> 256 + k`.
Repeat. After `M` merges the vocabulary has `256 + M` entries, each standing for a byte string
(`vocab[256 + k] = vocab[a] + vocab[b]`), and frequent words become single tokens.

**Counting pairs, repeats included.** In `"aaaa"` the pairs are `(a,a)` at positions 0-1, 1-2 and 2-3:
three occurrences, even though they overlap. Counting each distinct pair once per word would make
`"aaaa"` look as rare as `"xa"`; the original course of this kind did exactly that.

**Merging** replaces non-overlapping occurrences from left to right: `"aaa"` with the merge `aa -> Z`
becomes `"Za"`.

**Encoding** new text applies the learned merges *in the order they were learned* (their rank): at each
step find, among the adjacent pairs present, the one with the lowest rank, and merge it; stop when no
present pair was learned. **Decoding** concatenates the bytes of every id and then decodes UTF-8 once.
Decoding each token separately breaks a multi-byte character that a merge boundary split.

The cell below shows the bytes of a few characters and counts the pairs of a small example.
"""

# %%
for ch in ["a", "é", "€", "🙂", " "]:
    print(f"{ch!r:6} code point U+{ord(ch):04X}  UTF-8 bytes {list(ch.encode('utf-8'))}")

example = list("aaabdaaabac".encode("utf-8"))
pairs = {}
for a, b in zip(example, example[1:]):
    pairs[(a, b)] = pairs.get((a, b), 0) + 1
print("pairs of 'aaabdaaabac':", {bytes(p).decode(): n for p, n in sorted(pairs.items(), key=lambda kv: -kv[1])})

# %% [markdown]
"""
## Part 2: Building the tokenizers

### Setup (given)

The package file needs only the standard library (and module 01's atomic file writer for `save`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tokenization-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import json
import re
from collections import Counter
from pathlib import Path

from tinytorch.core.tensor import write_atomic

__all__ = [
    "CharTokenizer", "BPETokenizer", "get_pair_counts", "merge", "train_bpe", "bpe_encode", "bpe_decode",
    "SPLIT_PATTERN",
]

# %% [markdown]
"""
### Step 1: A character tokenizer

The simplest tokenizer: one id per distinct character. `from_text` builds the vocabulary from a corpus:
the special tokens first (ids 0, 1, ...), then the distinct characters in sorted order, so the same text
always gives the same ids. A special token (for example `"<eos>"`, end of sequence) is a string that
`encode` maps to its own single id wherever it appears in the text.

*Given:* the constructor (it checks the vocabulary) and `vocab_size`.

**Your task:** `from_text`, `encode` and `decode`. For an unknown character `encode` raises `ValueError`
whose message contains the character (its `repr`) and its position in the text.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tokenization-char", "locked": false, "schema_version": 3, "solution": true}}
#| export
class CharTokenizer:
    """One token per character (and per special token). ids are positions in `vocab`."""

    def __init__(self, vocab, special_tokens=()):
        vocab = list(vocab)
        special_tokens = list(special_tokens)
        for s in special_tokens:
            if not isinstance(s, str) or len(s) < 2:
                raise ValueError(f"CharTokenizer: a special token must be a string of 2 or more characters, "
                                 f"got {s!r}")
            if s not in vocab:
                raise ValueError(f"CharTokenizer: special token {s!r} is not in the vocabulary")
        for tok in vocab:
            if not isinstance(tok, str) or (len(tok) != 1 and tok not in special_tokens):
                raise ValueError(f"CharTokenizer: vocabulary entries must be single characters or special "
                                 f"tokens, got {tok!r}")
        if len(set(vocab)) != len(vocab):
            raise ValueError("CharTokenizer: the vocabulary has duplicate entries")
        self.vocab = vocab
        self.special_tokens = special_tokens
        self.stoi = {tok: i for i, tok in enumerate(vocab)}
        # longest first, so that "<eos>" wins over a shorter special token that is its prefix
        self._special_re = (re.compile("|".join(re.escape(s) for s in sorted(special_tokens, key=len, reverse=True)))
                            if special_tokens else None)

    @property
    def vocab_size(self):
        return len(self.vocab)

    def __repr__(self):
        return f"CharTokenizer(vocab_size={self.vocab_size}, special_tokens={self.special_tokens})"

    # ---- your part ----------------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text, special_tokens=()):
        """A tokenizer whose vocabulary is list(special_tokens) followed by sorted(set(text))."""
        ### BEGIN SOLUTION
        return cls(list(special_tokens) + sorted(set(text)), special_tokens)
        ### END SOLUTION

    def encode(self, text):
        """The list of ids of `text`: each special token that occurs is one id; every other character its own.

        Raise ValueError naming the character (repr) and its position when a character is not in the vocab.
        """
        ### BEGIN SOLUTION
        ids, start = [], 0
        pieces = self._special_re.finditer(text) if self._special_re else ()
        for m in list(pieces) + [None]:
            end = m.start() if m else len(text)
            for pos in range(start, end):
                ch = text[pos]
                if ch not in self.stoi:
                    raise ValueError(f"CharTokenizer.encode: character {ch!r} at position {pos} is not in the "
                                     f"vocabulary of {self.vocab_size} tokens")
                ids.append(self.stoi[ch])
            if m:
                ids.append(self.stoi[m.group()])
                start = m.end()
        return ids
        ### END SOLUTION

    def decode(self, ids):
        """The text of a sequence of ids (special tokens written out). An id outside 0..vocab_size-1 raises
        ValueError naming the id and the vocabulary size."""
        ### BEGIN SOLUTION
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < self.vocab_size:
                raise ValueError(f"CharTokenizer.decode: id {i} is outside the vocabulary 0..{self.vocab_size - 1}")
            out.append(self.vocab[i])
        return "".join(out)
        ### END SOLUTION

# %% [markdown]
"""
### Testing `CharTokenizer`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tokenization-char-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_char_tokenizer():
    tok = CharTokenizer.from_text("hello world")
    assert tok.vocab == [" ", "d", "e", "h", "l", "o", "r", "w"] and tok.vocab_size == 8
    ids = tok.encode("hello")
    assert ids == [3, 2, 4, 4, 5], ids
    assert tok.decode(ids) == "hello" and tok.encode("") == [] and tok.decode([]) == ""
    special = CharTokenizer.from_text("ab", special_tokens=["<eos>", "<pad>"])
    assert special.vocab[:2] == ["<eos>", "<pad>"] and special.vocab_size == 4
    assert special.encode("ab<eos>ba<pad>") == [2, 3, 0, 3, 2, 1]
    assert special.decode(special.encode("a<eos>b")) == "a<eos>b"
    try:
        tok.encode("hi!")
        raise AssertionError("an unknown character must raise ValueError")
    except ValueError as exc:
        assert "'i'" in str(exc) and "1" in str(exc), f"name the character and its position: {exc}"
    ### BEGIN HIDDEN TESTS
    uni = CharTokenizer.from_text("naïve 🙂 café\n\t")
    for s in ["", "🙂🙂", "café naïve", "\n\t  "]:
        assert uni.decode(uni.encode(s)) == s
    assert len(uni.encode("🙂")) == 1, "one emoji is one character"
    try:
        special.decode([4])
        raise AssertionError("an id outside the vocabulary must raise ValueError")
    except ValueError as exc:
        assert "4" in str(exc)
    ### END HIDDEN TESTS
    print("✅ CharTokenizer: one id per character, special tokens, clear errors")


test_unit_char_tokenizer()

# %% [markdown]
"""
### Step 2: Counting pairs and merging

The two primitives of BPE, on a list of ids.

`get_pair_counts(ids, counts=None, weight=1)` adds `weight` to `counts[(a, b)]` for every adjacent pair
`(ids[i], ids[i+1])`: **every occurrence counts**, overlapping ones too (`"aaaa"` gives `{(97, 97): 3}`).
It updates and returns `counts` (a new dict when None), so the counts of many sequences can be summed;
`weight` lets one count stand for a chunk that occurs `weight` times in a corpus.

`merge(ids, pair, new_id)` returns a new list where each occurrence of `pair`, scanned from left to
right without overlap, is replaced by `new_id`.

**Your task:** both functions.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tokenization-pairs", "locked": false, "schema_version": 3, "solution": true}}
#| export
def get_pair_counts(ids, counts=None, weight=1):
    """Add `weight` to counts[(a, b)] for every adjacent pair of `ids` (each occurrence, overlapping ones
    included: [97, 97, 97, 97] adds 3 to (97, 97)). Returns `counts` (a new dict when None)."""
    ### BEGIN SOLUTION
    counts = {} if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + weight
    return counts
    ### END SOLUTION


def merge(ids, pair, new_id):
    """A new list: every occurrence of `pair` in `ids`, left to right without overlap, replaced by new_id."""
    ### BEGIN SOLUTION
    out, i, n = [], 0, len(ids)
    a, b = pair
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    ### END SOLUTION

# %% [markdown]
"""
### Testing the pair counts and `merge`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tokenization-pairs-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_pairs_and_merge():
    assert get_pair_counts([97, 97, 97, 97]) == {(97, 97): 3}, "overlapping pairs count: 'aaaa' has 3 'aa'"
    counts = get_pair_counts(list(b"aaabdaaabac"))
    assert counts[(97, 97)] == 4 and counts[(97, 98)] == 2 and counts[(98, 100)] == 1
    assert get_pair_counts([1]) == {} and get_pair_counts([]) == {}
    total = get_pair_counts([1, 2, 1, 2], weight=3)
    assert total == {(1, 2): 6, (2, 1): 3}, "weight multiplies each occurrence"
    assert get_pair_counts([1, 2], counts=total) is total and total[(1, 2)] == 7, "updates the dict given"
    assert merge([97, 97, 97], (97, 97), 256) == [256, 97], "left to right, no overlap"
    assert merge([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert merge([1, 2], (2, 1), 9) == [1, 2] and merge([], (1, 2), 9) == []
    ### BEGIN HIDDEN TESTS
    assert get_pair_counts([5, 5, 5, 5, 5, 5], weight=2) == {(5, 5): 10}
    assert get_pair_counts([1, 2, 1, 2, 1]) == {(1, 2): 2, (2, 1): 2}
    assert merge([7, 7, 7, 7], (7, 7), 8) == [8, 8]
    ids = [1, 2]
    merge(ids, (1, 2), 3)
    assert ids == [1, 2], "merge returns a new list and leaves its input alone"
    ### END HIDDEN TESTS
    print("✅ pairs are counted with repeats, and merges scan left to right")


test_unit_pairs_and_merge()

# %% [markdown]
"""
### Step 3: BPE on one sequence

The whole algorithm in three small functions, on the UTF-8 bytes of one text:

- `train_bpe(text, num_merges)`: `ids = list(text.encode("utf-8"))`; repeat `num_merges` times (stop early
  when fewer than 2 ids are left): count the pairs, pick the most frequent one, give it the next id
  (256, 257, ...), record it in `merges` and merge it in `ids`. **Ties** go to the larger pair compared as a
  tuple, `max(counts, key=lambda p: (counts[p], p))`, so the result never depends on dict order. Returns
  `merges`, a dict `{(a, b): new_id}` in the order learned.
- `bpe_encode(text, merges)`: start from the bytes; while at least two ids remain, find among the present
  pairs the one with the lowest new id in `merges` (the earliest learned); stop when none was learned;
  else merge it.
- `bpe_decode(ids, merges)`: build `vocab` (id -> bytes: `bytes([i])` for 0..255, then
  `vocab[a] + vocab[b]` for each merge in order), join the bytes of all ids, then decode UTF-8 **once**
  with `errors="replace"` (an id sequence that did not come from `encode` may end inside a character; it
  decodes to the replacement character U+FFFD there instead of crashing). Decoding each token on its
  own would break characters that a token boundary splits.

The classic check (Karpathy's minbpe): 3 merges on `"aaabdaaabac"` learn `aa -> 256`, `(256, a) -> 257`,
`(257, b) -> 258`, and encode it as `[258, 100, 258, 97, 99]` ("XdXac").
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tokenization-bpe-basic", "locked": false, "schema_version": 3, "solution": true}}
#| export
def train_bpe(text, num_merges):
    """Learn up to `num_merges` merges on the UTF-8 bytes of `text`: {(a, b): new_id} in the order learned,
    new ids 256, 257, ...; the most frequent pair first, ties to the larger pair (max by (count, pair))."""
    ### BEGIN SOLUTION
    ids = list(text.encode("utf-8"))
    merges = {}
    for k in range(num_merges):
        if len(ids) < 2:
            break
        counts = get_pair_counts(ids)
        pair = max(counts, key=lambda p: (counts[p], p))
        merges[pair] = 256 + k
        ids = merge(ids, pair, 256 + k)
    return merges
    ### END SOLUTION


def bpe_encode(text, merges):
    """The ids of `text`: its UTF-8 bytes, then repeatedly merge the present pair with the lowest id in
    `merges` until no present pair is in `merges`."""
    ### BEGIN SOLUTION
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        counts = get_pair_counts(ids)
        pair = min(counts, key=lambda p: merges.get(p, float("inf")))
        if pair not in merges:
            break
        ids = merge(ids, pair, merges[pair])
    return ids
    ### END SOLUTION


def bpe_decode(ids, merges):
    """The text of `ids`: the bytes of every id joined, then decoded as UTF-8 once (errors="replace")."""
    ### BEGIN SOLUTION
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in merges.items():
        vocab[new_id] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
    ### END SOLUTION

# %% [markdown]
"""
### Testing BPE on one sequence

The minbpe check, a round trip through multi-byte characters, and a merge that splits a character: in
`"aéaèaê"` the three accented letters share their first UTF-8 byte (0xC3) but not their second, so the
most frequent pair is `a` followed by 0xC3, and a token ends in the middle of a character.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tokenization-bpe-basic-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_bpe_basic():
    merges = train_bpe("aaabdaaabac", 3)
    assert merges == {(97, 97): 256, (256, 97): 257, (257, 98): 258}, merges
    assert bpe_encode("aaabdaaabac", merges) == [258, 100, 258, 97, 99], "minbpe's check"
    assert bpe_decode([258, 100, 258, 97, 99], merges) == "aaabdaaabac"
    assert train_bpe("aaaa", 1) == {(97, 97): 256}, "'aaaa' has 3 'aa' pairs: they must win over others"
    assert train_bpe("xaxbaaaa", 1) == {(97, 97): 256}, "the 3 overlapping 'aa' pairs beat every pair seen once"
    assert train_bpe("a", 5) == {} and bpe_encode("", merges) == [] and bpe_decode([], merges) == ""

    split = train_bpe("aéaèaê", 1)
    assert split == {(97, 0xC3): 256}, "'a' + the first byte shared by é, è, ê is the top pair"
    ids = bpe_encode("aé", split)
    assert len(ids) == 2 and bpe_decode(ids, split) == "aé", "a token may end inside a character"
    for text in ["naïve café 🙂🙂", "  \n\t  ", "日本語のテキスト"]:
        m = train_bpe(text, 10)
        assert bpe_decode(bpe_encode(text, m), m) == text, f"round trip failed for {text!r}"
    ### BEGIN HIDDEN TESTS
    m = train_bpe("🙂x🙂y🙂", 4)
    for text in ["🙂", "x🙂", "🙂🙂y", ""]:
        assert bpe_decode(bpe_encode(text, m), m) == text
    assert bpe_decode([240], {}) == "\ufffd", "a lone lead byte decodes to U+FFFD"
    assert train_bpe("abab", 2) == {(97, 98): 256, (256, 256): 257}
    assert train_bpe("abcabd", 1) == {(97, 98): 256}
    ### END HIDDEN TESTS
    print("✅ BPE on one sequence: minbpe's [258, 100, 258, 97, 99], and exact round trips")


test_unit_bpe_basic()

# %% [markdown]
"""
### Step 4: The tokenizer the package uses

`train_bpe` recounts every pair of the whole text for every merge: `O(N)` Python steps per merge for `N`
bytes (the Systems Analysis times it on the training text). Two standard changes make it fast:

1. **Chunks.** Split the text first with a regular expression, `SPLIT_PATTERN` (given; a simplified form
   of GPT-2's): words with their leading space, runs of punctuation, runs of whitespace. Merges never
   cross a chunk boundary, so a token never glues the end of one word to the start of the next, and the
   chunks together are exactly the text. Natural text repeats its words, so training works on the
   **distinct** chunks, each with its frequency as the `weight` of its pair counts (the Systems
   Analysis prints how many chunks and distinct chunks the corpus has).
2. **Incremental counts.** A merge changes only the chunks that contain the merged pair. Keep the total
   `counts` and, for each pair, the set of chunks `where` it occurs; after choosing the best pair, for each
   chunk in `where[pair]`: subtract its old pair counts (weight `-freq`), merge, add its new pair counts,
   and record the new pairs in `where`. Delete pairs whose count reaches 0.

`BPETokenizer` (byte-level, minbpe-style ids: 0..255 are the bytes, merges from 256, then the special
tokens) has `train(text, vocab_size, special_tokens=())`, where `vocab_size = 256 + merges + specials`.
`encode` splits off the special tokens, splits the rest into chunks and encodes each chunk with the
rank-order loop of `bpe_encode`, keeping a **cache** of chunks already encoded (text repeats its words).
`decode` joins the bytes of all ids (a special token's bytes are its UTF-8 text) and decodes once.

*Given:* the constructor, `vocab_size`, `_encode_ordinary` (chunks and cache, calling your
`_encode_chunk`), `decode`, and `save`/`load` (JSON: the merges, the vocabulary as hex bytes, the special
tokens; `load` rebuilds the vocabulary from the merges and refuses a file whose stored vocabulary
disagrees, naming the file).

**Your task:** `train`, `_encode_chunk` and `encode`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tokenization-bpe", "locked": false, "schema_version": 3, "solution": true}}
#| export
# Words with their leading space, runs of other symbols, whitespace runs (the last space of a run goes with
# the next word). Every character matches one branch, so the chunks of a text join back to the text.
SPLIT_PATTERN = r" ?\w+| ?[^\w\s]+|\s+(?!\S)|\s+"
FORMAT = "tinytorch-bpe"


class BPETokenizer:
    """Byte-level BPE: ids 0..255 are bytes, 256.. the merges in the order learned, then special tokens."""

    def __init__(self, merges=None, special_tokens=None, pattern=SPLIT_PATTERN):
        self.merges = dict(merges or {})                      # (a, b) -> new id, in the order learned
        self.pattern = pattern
        self._split = re.compile(pattern)
        self.vocab = {i: bytes([i]) for i in range(256)}
        for (a, b), new_id in self.merges.items():
            if new_id != len(self.vocab) or a not in self.vocab or b not in self.vocab:
                raise ValueError(f"BPETokenizer: merge ({a}, {b}) -> {new_id} does not follow the merges before it")
            self.vocab[new_id] = self.vocab[a] + self.vocab[b]
        self.special_tokens = {}                              # text -> id, after the merges
        for text in (special_tokens or ()):
            if not isinstance(text, str) or not text:
                raise ValueError(f"BPETokenizer: a special token must be a non-empty string, got {text!r}")
            self.special_tokens[text] = len(self.vocab) + len(self.special_tokens)
        self.inverse_special = {i: s for s, i in self.special_tokens.items()}
        self._special_re = (re.compile("(" + "|".join(re.escape(s) for s in sorted(self.special_tokens, key=len,
                                                                                 reverse=True)) + ")")
                            if self.special_tokens else None)
        self._cache = {}

    @property
    def vocab_size(self):
        return len(self.vocab) + len(self.special_tokens)

    def __repr__(self):
        return (f"BPETokenizer(vocab_size={self.vocab_size}, merges={len(self.merges)}, "
                f"special_tokens={list(self.special_tokens)})")

    def _encode_ordinary(self, text, use_cache=True):
        """Given: the ids of text without special tokens: chunks, each encoded once and cached."""
        ids = []
        for chunk in self._split.findall(text):
            cached = self._cache.get(chunk) if use_cache else None
            if cached is None:
                cached = self._encode_chunk(chunk)
                if use_cache:
                    self._cache[chunk] = cached
            ids.extend(cached)
        return ids

    def decode(self, ids):
        """Given: the bytes of every id joined (a special token's bytes are its UTF-8 text), decoded once as
        UTF-8 with errors="replace". An unknown id raises ValueError naming it and the vocabulary size."""
        parts = []
        for i in ids:
            i = int(i)
            if i in self.vocab:
                parts.append(self.vocab[i])
            elif i in self.inverse_special:
                parts.append(self.inverse_special[i].encode("utf-8"))
            else:
                raise ValueError(f"BPETokenizer.decode: id {i} is outside the vocabulary 0..{self.vocab_size - 1}")
        return b"".join(parts).decode("utf-8", errors="replace")

    def save(self, path):
        """Given: write the tokenizer as JSON (atomically). Returns the path."""
        state = {"format": FORMAT, "version": 1, "pattern": self.pattern,
                 "merges": [[a, b, i] for (a, b), i in self.merges.items()],
                 "vocab": {str(i): self.vocab[i].hex() for i in sorted(self.vocab)},
                 "special_tokens": self.special_tokens}
        data = json.dumps(state, indent=1).encode("utf-8")
        write_atomic(path, lambda fh: fh.write(data))
        return Path(path)

    @classmethod
    def load(cls, path):
        """Given: the tokenizer saved in `path`. A file that is not such JSON, or whose stored vocabulary
        differs from the one its merges build, raises ValueError naming the file."""
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
            if state.get("format") != FORMAT:
                raise ValueError(f"its format is {state.get('format')!r}, expected {FORMAT!r}")
            tok = cls({(a, b): i for a, b, i in state["merges"]}, list(state["special_tokens"]), state["pattern"])
            vocab = {int(i): bytes.fromhex(h) for i, h in state["vocab"].items()}
            if vocab != tok.vocab or state["special_tokens"] != tok.special_tokens:
                raise ValueError("its stored vocabulary or special-token ids differ from the ones its merges give")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"BPETokenizer.load: {path} is not a valid tokenizer file: {exc}") from None
        return tok

    # ---- your part ----------------------------------------------------------------------------------
    def train(self, text, vocab_size, special_tokens=()):
        """Learn vocab_size - 256 - len(special_tokens) merges on the chunks of `text`; returns self.

        Replaces the merges, vocabulary and special tokens (special tokens get the ids after the merges).
        Same choice rule as train_bpe (most frequent pair, ties to the larger pair), counted over the
        distinct chunks weighted by their frequency, with incremental updates (see the markdown above).
        Stops early when no pair is left. ValueError when vocab_size < 256 + len(special_tokens).
        """
        ### BEGIN SOLUTION
        num_merges = vocab_size - 256 - len(special_tokens)
        if num_merges < 0:
            raise ValueError(f"BPETokenizer.train: vocab_size {vocab_size} is smaller than the 256 byte tokens "
                             f"plus {len(special_tokens)} special tokens")
        chunk_counts = Counter(self._split.findall(text))
        words = [list(chunk.encode("utf-8")) for chunk in chunk_counts]
        freqs = list(chunk_counts.values())
        counts, where = {}, {}
        for w, (ids, freq) in enumerate(zip(words, freqs)):
            get_pair_counts(ids, counts, freq)
            for pair in zip(ids, ids[1:]):
                where.setdefault(pair, set()).add(w)
        merges = {}
        for k in range(num_merges):
            if not counts:
                break
            pair = max(counts, key=lambda p: (counts[p], p))
            new_id = 256 + k
            merges[pair] = new_id
            for w in where.pop(pair):
                old = words[w]
                new = merge(old, pair, new_id)
                if len(new) == len(old):
                    continue                             # stale entry: the pair left this chunk earlier
                changes = get_pair_counts(old, None, -freqs[w])
                get_pair_counts(new, changes, freqs[w])
                for p, delta in changes.items():
                    if delta:
                        total = counts.get(p, 0) + delta
                        if total:
                            counts[p] = total
                        else:
                            counts.pop(p, None)
                for p in zip(new, new[1:]):
                    if p != pair:
                        where.setdefault(p, set()).add(w)
                words[w] = new
            counts.pop(pair, None)
        self.__init__(merges, special_tokens, self.pattern)
        return self
        ### END SOLUTION

    def _encode_chunk(self, chunk):
        """The ids of one chunk (no special tokens): bpe_encode's loop with self.merges."""
        ### BEGIN SOLUTION
        return bpe_encode(chunk, self.merges)
        ### END SOLUTION

    def encode(self, text):
        """The ids of `text`: each occurrence of a special token is its one id; the text between them goes
        through self._encode_ordinary. decode(encode(text)) == text for every string."""
        ### BEGIN SOLUTION
        if self._special_re is None:
            return self._encode_ordinary(text)
        ids = []
        for k, part in enumerate(self._special_re.split(text)):
            if k % 2:                       # re.split with a group puts the separators at odd positions
                ids.append(self.special_tokens[part])
            elif part:
                ids.extend(self._encode_ordinary(part))
        return ids
        ### END SOLUTION

# %% [markdown]
"""
### Testing `BPETokenizer`

The minbpe check through the class, the fast trainer against `train_bpe` on text that is one chunk, round
trips with special tokens and emoji, and save/load.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tokenization-bpe-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_bpe_tokenizer():
    import os
    import tempfile

    tok = BPETokenizer().train("aaabdaaabac", 256 + 3)
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99], "minbpe's check"
    assert tok.vocab_size == 259 and tok.vocab[258] == b"aaab"
    assert BPETokenizer().train("xy ab ab ab", 256 + 1).merges == {(97, 98): 256}, \
        "a chunk that occurs 3 times counts its pairs 3 times (weight = its frequency)"
    for word in ["aaaa", "abababab", "xaxbaaaa", "zzzzzzzzqzq"]:
        fast = BPETokenizer().train(word, 256 + 4).merges
        assert fast == train_bpe(word, 4), f"train on one chunk must equal train_bpe for {word!r}"

    text = "the cat sat on the mat. the hat, the bat; 🙂 naïve café\n\n  the end"
    tok = BPETokenizer().train(text * 3, 256 + 30 + 1, special_tokens=["<|endoftext|>"])
    assert tok.vocab_size == 256 + 30 + 1 and tok.special_tokens == {"<|endoftext|>": 286}
    ids = tok.encode("the cat<|endoftext|>the hat")
    assert ids.count(286) == 1 and len(ids) < len("the cat the hat"), "merges shorten the text"
    for s in ["", " ", "   \n\t ", "the 🙂🙂 café", "unseen wörds ß 日本", "<|endoftext|><|endoftext|>", text]:
        assert tok.decode(tok.encode(s)) == s, f"round trip failed for {s!r}"

    path = os.path.join(tempfile.mkdtemp(), "tok.json")
    tok.save(path)
    again = BPETokenizer.load(path)
    assert again.merges == tok.merges and again.encode(text) == tok.encode(text)
    with open(path, "w") as fh:
        fh.write("{}")
    try:
        BPETokenizer.load(path)
        raise AssertionError("a file that is not a tokenizer must raise ValueError")
    except ValueError as exc:
        assert "tok.json" in str(exc), f"name the file: {exc}"
    ### BEGIN HIDDEN TESTS
    rep = BPETokenizer().train("aaaa xy xy", 256 + 2)
    assert list(rep.merges)[0] == (97, 97), "repeated pairs inside a chunk count: 'aa' x3 beats ' x', 'xy' x2"
    corpus = "low lower lowest newer newest wider " * 5
    slow = {}
    for chunk, n in Counter(re.findall(SPLIT_PATTERN, corpus)).items():
        get_pair_counts(list(chunk.encode()), slow, n)
    fast = BPETokenizer().train(corpus, 256 + 1)
    assert list(fast.merges)[0] == max(slow, key=lambda p: (slow[p], p))
    big = BPETokenizer().train(corpus, 256 + 25)
    for s in ["lowest newest", "🙂 low", "\u00e9\u0301"]:
        assert big.decode(big.encode(s)) == s
    try:
        BPETokenizer().train("abc", 257, special_tokens=["<a>", "<b>"])
        raise AssertionError("vocab_size below 256 + specials must raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print("✅ BPETokenizer: minbpe's check, fast training, special tokens, round trips, JSON save/load")


test_unit_bpe_tokenizer()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For `N` bytes of training text, `U` distinct chunks of average length `L` (`U*L` much smaller than `N` on
natural text), `M` merges and `P` distinct pairs:

| step | time | memory |
|---|---|---|
| `train_bpe` (one sequence) | `O(M*N)` Python steps: every merge recounts all pairs | `O(N)` ids + `O(P)` counts |
| `BPETokenizer.train` | `O(N)` to split and count chunks once, then per merge `O(P)` to find the best pair plus the work on the chunks that contain it | `O(U*L)` ids, `O(P)` counts and `where` sets |
| encode one chunk (rank-order loop) | `O(L^2)`: up to `L` merges, each recounting `L` pairs | `O(L)` |
| encode with the cache | each distinct chunk once; repeats are a dict lookup | the cache: one list per distinct chunk |
| decode | `O(T)` lookups and one UTF-8 decode | the bytes of the text |

The vocabulary size `V = 256 + M + specials` sets the embedding table, `V * d` parameters (module 11),
and the output layer of a language model, another `d * V` unless tied. More merges shorten the sequence
`T`, and attention costs `O(T^2)` per layer (module 12).
"""

# %% [markdown]
"""
### Vocabulary size against sequence length and table memory, on the course corpus

**Build -> Measure -> Understand.** Merges are learned one after another and never revised, so the
tokenizer with the first `m` merges of a run is exactly the tokenizer trained with `m` merges. We train
once on the training part of the corpus, then encode the held-out part with the first `m` merges for
several `m`, and compare with characters and bytes. The embedding table of a `d = 256` model in float32
costs `V * d * 4` bytes; the assertion checks a real allocated table against that formula.
"""

# %% [code]
import time
import tracemalloc

import numpy as np

from tinytorch.datasets import load_pydoc_topics

train_text, valid_text = load_pydoc_topics("train"), load_pydoc_topics("valid")
chunks = re.findall(SPLIT_PATTERN, train_text)
assert "".join(chunks) == train_text, "the chunks are exactly the text"
print(f"training text: {len(train_text):,} characters, {len(train_text.encode('utf-8')):,} bytes, "
      f"{len(chunks):,} chunks, {len(set(chunks)):,} distinct chunks")

start = time.perf_counter()
train_bpe(train_text, 2)
naive_per_merge = (time.perf_counter() - start) / 2
start = time.perf_counter()
big_tok = BPETokenizer().train(train_text, 256 + 512)
train_seconds = time.perf_counter() - start
assert len(big_tok.merges) == 512
print(f"this run: train_bpe (recount everything) {naive_per_merge:.2f} s per merge, so about "
      f"{naive_per_merge * 512 / 60:.0f} min for 512 merges; BPETokenizer.train did all 512 in {train_seconds:.1f} s")

d_model = 256
char_tok = CharTokenizer.from_text(load_pydoc_topics("all"))
rows = [("characters", char_tok.vocab_size, len(char_tok.encode(valid_text))),
        ("bytes (0 merges)", 256, len(valid_text.encode("utf-8")))]
for m in (64, 128, 256, 512):
    sub = BPETokenizer(dict(list(big_tok.merges.items())[:m]))
    assert sub.vocab_size == 256 + m, "V = 256 bytes + merges"
    rows.append((f"BPE, {m} merges", sub.vocab_size, len(sub.encode(valid_text))))
print(f"\nheld-out part: {len(valid_text):,} characters")
print(f"{'tokenizer':18s} {'vocab V':>8s} {'tokens T':>9s} {'chars/token':>12s} {'table V*d*4 (d=256)':>20s}")
for name, vocab, n_tokens in rows:
    print(f"{name:18s} {vocab:8d} {n_tokens:9,d} {len(valid_text) / n_tokens:12.2f} {vocab * d_model * 4 / 1024:17.0f} KiB")

# A real table, allocated and measured, against the formula V * d * itemsize
tracemalloc.start()
table = np.zeros((big_tok.vocab_size, d_model), dtype=np.float32)
table[:] = 1.0
allocated = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
assert table.nbytes == big_tok.vocab_size * d_model * 4 and allocated >= table.nbytes
print(f"\nallocated table for V={big_tok.vocab_size}: {table.nbytes:,} bytes = V*d*4 (tracemalloc peak {allocated:,})")
print("first 10 merges:", [big_tok.vocab[256 + k].decode("utf-8", "replace") for k in range(10)])
lengths = [n for _, _, n in rows[1:]]
print("tokens saved by each step of merges:",
      [f"{1 - b / a:.0%}" for a, b in zip(lengths, lengths[1:])])
assert all(a > b for a, b in zip(lengths, lengths[1:])), "each step of merges must shorten the sequence"
del table

# %% [markdown]
"""
**Understand.** The table printed above is this corpus's trade-off. Bytes and characters give the
smallest tables and the longest sequences (the help text is English and code, so its characters and bytes
are almost equal in number). The first 64 merges save the most tokens: the frequent pairs shown above, runs of spaces and dashes
from the indented examples and rule lines, then `" t"`, `" a"`, `"in"`, `"he"`. After that, each doubling
of the merges saves a roughly constant share of the tokens (the percentages above) while the rows added
to the table double each time, so the table grows linearly with `V`. Where to stop depends on what a
row costs (`d`) against what a token costs (attention over `T`), which is the question of module 12.
"""

# %% [markdown]
"""
### Encode throughput: the naive merge loop against the cached encoder

Two encoders that give the same ids: the naive rank-order loop on every chunk (`use_cache=False`), and
the package's encoder, which encodes each distinct chunk once. Timed with `time.perf_counter`, best of
repeats, on the same held-out text; the ids must agree. (Pure Python, one thread: BLAS plays no part.)
"""

# %% [code]
from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread


sample = valid_text[:20000]
encoder = BPETokenizer(big_tok.merges)
naive_ids = encoder._encode_ordinary(sample, use_cache=False)
cached_ids = encoder.encode(sample)
assert naive_ids == cached_ids, "both encoders must give the same ids"
t_naive = best_time(lambda: encoder._encode_ordinary(sample, use_cache=False), repeats=2)


def encode_cold():
    encoder._cache.clear()
    return encoder.encode(sample)


t_cold = best_time(encode_cold)
t_warm = best_time(lambda: encoder.encode(sample))
print(f"encoding {len(sample):,} characters with 512 merges ({len(cached_ids):,} tokens), this run:")
for name, t in (("naive loop, no cache", t_naive), ("cache, empty at start", t_cold), ("cache, warm", t_warm)):
    print(f"  {name:24s} {t * 1e3:9.1f} ms  {len(sample) / t:12,.0f} chars/s  {t_naive / t:6.1f}x")
distinct = len(set(encoder._split.findall(sample)))
print(f"  {len(encoder._split.findall(sample)):,} chunks, {distinct:,} distinct: the cache encodes only those")

# %% [markdown]
"""
**Understand.** Both encoders run the same merge loop; the cache only avoids repeating it for a chunk
already seen, and in this text most chunks are repeats (the count of distinct chunks above). The first
pass of the cached encoder pays for every distinct chunk once; a warm cache pays for almost nothing but
the regular-expression split and list copies. The loop itself is `O(L^2)` per chunk; production encoders
replace it with a priority queue of pair ranks (`O(L log L)`) in a compiled language.
"""

# %% [markdown]
"""
## Production Context

**tiktoken** (OpenAI) is a byte-level BPE encoder written in Rust: GPT-2's vocabulary has 50,257 tokens
(50,000 merges, 256 bytes, one special `<|endoftext|>`), `cl100k_base` (GPT-4) about 100,000. Its
split pattern is a longer regular expression than ours (contractions, digit groups of up to three,
Unicode letter classes through the `regex` module). By default `encode` *refuses* text containing a
special token unless told which are allowed: a user's text must not inject `<|endoftext|>`. Ours always
maps them, which is simpler and unsafe for untrusted input.

**Hugging Face `tokenizers`** (Rust) trains BPE, WordPiece (BERT) and Unigram models with the same two
ideas you used: count distinct words once with their frequency, and update pair counts incrementally with
a priority queue. **SentencePiece** (Google; T5, LLaMA 1 and 2) works on raw text with spaces as `▁`,
offers BPE and the Unigram model, and falls back to bytes for unknown characters. PyTorch itself has no
tokenizer in its core: `torchtext` wrapped these, and today models load theirs from the Hugging Face hub.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/10_tokenization/tokenization_dev.py`) runs every test above
once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_char_tokenizer()
    test_unit_pairs_and_merge()
    test_unit_bpe_basic()
    test_unit_bpe_tokenizer()
    print("🎉 All Tokenization tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. In your table, how many characters does a token cover at 512 merges, and by how much would the
   attention score matrix of a 1,024-character snippet shrink compared with characters?
2. Going from 256 to 512 merges adds 256 rows to the embedding table. How many held-out tokens did that
   save, and at what vocabulary size would the extra rows of a `d = 768` model cost more memory than the
   activations they save for one batch of 32 sequences?
3. Why must `decode` join the bytes before decoding UTF-8? Construct a two-token sequence from your
   corpus tokenizer that decodes wrongly when each token is decoded on its own.
4. The cache made encoding faster on help text. What text would make it useless, and how large can the
   cache grow on a stream of user input?
5. Merges never cross chunk boundaries. What would a tokenizer trained without the split learn from
   this corpus that you might not want (hint: look at spaces and punctuation)?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the tokenizers of a language model:
- `CharTokenizer`: one id per character, special tokens, errors that name the unknown character;
- `get_pair_counts` and `merge`, with overlapping pairs counted;
- BPE on one sequence (`train_bpe`, `bpe_encode`, `bpe_decode`), passing minbpe's
  `[258, 100, 258, 97, 99]` check;
- `BPETokenizer`: training on distinct chunks with incremental pair counts, special tokens, a cached
  encoder, byte-exact round trips for every string, and JSON save/load.

You measured on Python's help text how the vocabulary size trades table memory for sequence length, and
how much the cache speeds up encoding.

**Next:** `tito export 10`, then module 11 turns these ids into vectors with an embedding table.
"""
