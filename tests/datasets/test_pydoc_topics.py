import hashlib
import sys

import pytest

from tinytorch.datasets import DatasetFileError, load_pydoc_topics
from tinytorch.datasets import pydoc_topics


def test_snapshot_size_and_splits():
    text = load_pydoc_topics()
    assert len(text) == 465_048 and len(text.encode("utf-8")) == 466_195
    assert text.startswith('The "assert" statement\n')
    train, valid = load_pydoc_topics("train"), load_pydoc_topics("valid")
    assert train + valid == text
    assert train.endswith("\n")
    assert 0.09 < len(valid) / len(text) < 0.11
    assert load_pydoc_topics("train") == train  # deterministic


def test_licence_and_provenance_ship_beside_the_corpus():
    licence = pydoc_topics.PATH.with_name("pydoc_topics_LICENSE.txt").read_text(encoding="utf-8")
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in licence
    assert "Python Software Foundation; All Rights Reserved" in licence
    provenance = pydoc_topics.PATH.with_name("PROVENANCE.md").read_text(encoding="utf-8")
    assert pydoc_topics.SHA256 in provenance
    assert hashlib.sha256(pydoc_topics.PATH.read_bytes()).hexdigest() == pydoc_topics.SHA256


@pytest.mark.skipif(sys.version_info[:3] != (3, 11, 7), reason="the snapshot was made from Python 3.11.7")
def test_snapshot_equals_this_pythons_topics():
    import pydoc_data.topics as t
    sys.path.insert(0, str(pydoc_topics.PATH.parents[2] / "tools"))
    try:
        from make_pydoc_corpus import corpus_text
    finally:
        sys.path.pop(0)
    assert corpus_text(t.topics) == load_pydoc_topics()


def test_damaged_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "pydoc_topics.txt"
    data = bytearray(pydoc_topics.PATH.read_bytes())
    data[1000] ^= 0x01
    bad.write_bytes(bytes(data))
    with pytest.raises(DatasetFileError, match=r"pydoc_topics\.txt: sha256 mismatch: the file.s sha256 is [0-9a-f]{64}, expected"):
        load_pydoc_topics(path=bad)


def test_missing_file_and_bad_split(tmp_path):
    with pytest.raises(DatasetFileError, match=r"nope\.txt.*missing"):
        load_pydoc_topics(path=tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="split must be one of"):
        load_pydoc_topics("test")
