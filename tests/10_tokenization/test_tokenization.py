"""Module 10: tokenizers. Round trips for every string (hypothesis), minbpe's check, repeated pairs, the
fast trainer against a plain recount, special tokens, JSON save/load."""
import json
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.datasets import load_pydoc_topics
from tinytorch.text import BPETokenizer, CharTokenizer
from tinytorch.text.tokenization import SPLIT_PATTERN, bpe_decode, bpe_encode, get_pair_counts, merge, train_bpe

# Every string Python can write as UTF-8: any code point except the lone surrogates.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
EDGES = ["", " ", "  ", "\n", "\t\t  \n", "a  b", "🙂", "👩‍👩‍👧", "e\u0301", "日本語", "\x00", "\U0010FFFF",
         "<|endoftext|>", "<|endoftext|<|endoftext|>>"]


@pytest.fixture(scope="module")
def corpus_tok():
    return BPETokenizer().train(load_pydoc_topics("train")[:100_000], 256 + 200 + 1, special_tokens=["<|endoftext|>"])


def test_minbpe_check():
    assert bpe_encode("aaabdaaabac", train_bpe("aaabdaaabac", 3)) == [258, 100, 258, 97, 99]
    tok = BPETokenizer().train("aaabdaaabac", 256 + 3)
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.decode([258, 100, 258, 97, 99]) == "aaabdaaabac"


def test_repeated_pairs_are_counted():
    assert get_pair_counts(list(b"aaaa")) == {(97, 97): 3}
    assert get_pair_counts([1, 1, 1], weight=5) == {(1, 1): 10}
    assert merge([1, 1, 1], (1, 1), 7) == [7, 1]
    # 'aa' three times in one word beats two words with 'xy'
    assert next(iter(BPETokenizer().train("aaaa xy xy", 257).merges)) == (97, 97)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_split_pattern_covers_every_string(text):
    assert "".join(re.findall(SPLIT_PATTERN, text)) == text


@pytest.mark.parametrize("text", EDGES)
def test_round_trip_edges(corpus_tok, text):
    assert corpus_tok.decode(corpus_tok.encode(text)) == text
    assert bpe_decode(bpe_encode(text, corpus_tok.merges), corpus_tok.merges) == text


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_round_trip_every_string(corpus_tok, text):
    ids = corpus_tok.encode(text)
    assert all(0 <= i < corpus_tok.vocab_size for i in ids)
    assert corpus_tok.decode(ids) == text


@given(TEXT, TEXT)
@settings(max_examples=100, deadline=None)
def test_round_trip_with_special_tokens_between(corpus_tok, a, b):
    text = a + "<|endoftext|>" + b
    ids = corpus_tok.encode(text)
    assert corpus_tok.special_tokens["<|endoftext|>"] in ids
    assert corpus_tok.decode(ids) == text


@given(TEXT.filter(lambda t: len(t) > 1), st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_tokenizer_trained_on_any_text_round_trips(text, merges):
    tok = BPETokenizer().train(text, 256 + merges)
    assert tok.decode(tok.encode(text)) == text
    m = train_bpe(text, merges)
    assert bpe_decode(bpe_encode(text, m), m) == text


def _recount_train(text, num_merges):
    """The plain algorithm on distinct chunks: recount everything for every merge."""
    chunks = Counter(re.findall(SPLIT_PATTERN, text))
    words = {c: list(c.encode("utf-8")) for c in chunks}
    merges = {}
    for k in range(num_merges):
        counts = {}
        for c, n in chunks.items():
            get_pair_counts(words[c], counts, n)
        if not counts:
            break
        pair = max(counts, key=lambda p: (counts[p], p))
        merges[pair] = 256 + k
        words = {c: merge(w, pair, 256 + k) for c, w in words.items()}
    return merges


def test_incremental_trainer_equals_plain_recount():
    text = load_pydoc_topics("valid")[:20_000]
    assert BPETokenizer().train(text, 256 + 60).merges == _recount_train(text, 60)


@given(st.text(alphabet="ab c\n🙂é", max_size=80), st.integers(1, 15))
@settings(max_examples=60, deadline=None)
def test_incremental_trainer_equals_plain_recount_property(text, merges):
    assert BPETokenizer().train(text, 256 + merges).merges == _recount_train(text, merges)


def test_corpus_tokenizer_is_deterministic_and_shortens_text(corpus_tok):
    again = BPETokenizer().train(load_pydoc_topics("train")[:100_000], 256 + 200 + 1, special_tokens=["<|endoftext|>"])
    assert again.merges == corpus_tok.merges
    valid = load_pydoc_topics("valid")[:10_000]
    assert len(corpus_tok.encode(valid)) < 0.6 * len(valid.encode("utf-8"))
    assert corpus_tok.vocab_size == 256 + 200 + 1


def test_save_load_json(tmp_path, corpus_tok):
    path = corpus_tok.save(tmp_path / "tok.json")
    state = json.loads(path.read_text(encoding="utf-8"))        # plain JSON, never pickle
    assert state["format"] == "tinytorch-bpe" and len(state["merges"]) == 200
    again = BPETokenizer.load(path)
    text = "def f(x):\n    return x ** 2  # 🙂<|endoftext|>"
    assert again.encode(text) == corpus_tok.encode(text) and again.decode(again.encode(text)) == text
    state["vocab"]["300"] = "00"
    path.write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(ValueError, match=r"tok\.json is not a valid tokenizer file"):
        BPETokenizer.load(path)
    with pytest.raises(ValueError, match=r"missing\.json"):
        BPETokenizer.load(tmp_path / "missing.json")


def test_bpe_errors():
    tok = BPETokenizer().train("abcabc", 256 + 2)
    with pytest.raises(ValueError, match="258"):
        tok.decode([258])
    with pytest.raises(ValueError, match="vocab_size 257"):
        BPETokenizer().train("abc", 257, special_tokens=["<a>", "<b>"])
    assert tok.decode([0xE2, 0x82]) == "\ufffd", "an unfinished character decodes to U+FFFD, as tiktoken does"


def test_char_tokenizer():
    text = load_pydoc_topics()
    tok = CharTokenizer.from_text(text, special_tokens=["<eos>"])
    assert tok.vocab_size == 103 + 1 and tok.vocab[0] == "<eos>"
    sample = text[:5000]
    assert tok.decode(tok.encode(sample)) == sample
    assert tok.encode("ab<eos>") == tok.encode("ab") + [0]
    with pytest.raises(ValueError, match=r"'🙂' at position 2"):
        tok.encode("ab🙂")
    with pytest.raises(ValueError, match="special token"):
        CharTokenizer(["a"], special_tokens=["<x>"])


@given(TEXT)
@settings(max_examples=200, deadline=None)
def test_char_round_trip_every_string(text):
    tok = CharTokenizer.from_text(text)
    assert tok.decode(tok.encode(text)) == text
