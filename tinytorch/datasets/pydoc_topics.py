"""CPython's help() topics as one text: the corpus of Part III (tokenizers, embeddings, milestone 05).

The file pydoc_topics.txt beside this module is a snapshot of the 79 topic texts of CPython 3.11.7's
`pydoc_data.topics` (what `help("assert")` prints), joined in sorted order of their keys with one blank
line between topics, stored verbatim as UTF-8 (465,048 characters, 466,195 bytes, 103 distinct characters,
a few of them non-ASCII: curly quotes, dashes, an ellipsis, "ß", "°"). It was made by
tools/make_pydoc_corpus.py; it is distributed under the PSF License Agreement (pydoc_topics_LICENSE.txt)
and PROVENANCE.md says where it comes from. A snapshot, because the text differs between Python versions.
Its sha256 is checked on every load (by files.read_verified, the package's one verified reader), so a damaged or replaced file is caught.
"""
from __future__ import annotations

from pathlib import Path

from .files import DatasetFileError, read_verified

PATH = Path(__file__).with_name("pydoc_topics.txt")
SHA256 = "2a95af4ac93f5b719944030ce3769070ddf827d847cba42192afa8da989e5dc4"
SPLITS = ("train", "valid", "all")
TRAIN_FRACTION = 0.9


def split_point(text: str) -> int:
    """Index where "valid" starts: just after the first newline at or after 90% of the characters.

    "train" is text[:split_point(text)] and "valid" the rest, so the two parts are disjoint, cover the whole
    text, and the cut never falls inside a line.
    """
    newline = text.find("\n", int(len(text) * TRAIN_FRACTION))
    return len(text) if newline < 0 else newline + 1


def load_pydoc_topics(split: str = "all", path: str | Path | None = None, sha256: str = SHA256) -> str:
    """Return the corpus (or its "train" 90% / "valid" 10% part, see split_point) as a str.

    Raises ValueError naming the allowed splits for an unknown split, and DatasetFileError naming the file
    when it is missing or its sha256 differs from the expected one (damaged or not this corpus).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = Path(path) if path is not None else PATH
    data = read_verified(path, sha256, " (the pydoc topics corpus is missing: reinstall tinytorch or rebuild "
                                       "it with tools/make_pydoc_corpus.py)")
    text = data.decode("utf-8")
    if split == "all":
        return text
    cut = split_point(text)
    return text[:cut] if split == "train" else text[cut:]
