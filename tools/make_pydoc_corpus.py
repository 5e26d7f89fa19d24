"""Build tinytorch/datasets/pydoc_topics.txt: the text of CPython's `pydoc_data.topics` (help() topics).

The corpus of Part III (tokenization, embeddings, the language model of milestone 05). CPython generates
`pydoc_data/topics.py` from its documentation with Sphinx at release time; `help("assert")` prints one of
its 79 topics. The text differs between Python versions, so tinytorch ships a snapshot made once, with
this script, from Python 3.11.7; the loader verifies its sha256 on every load.

Format (kept honest and simple, nothing rewritten):
  the 79 topic texts, in sorted order of their keys, verbatim (every one already ends with "\\n"), joined
  by "\\n" (so one blank line separates two topics), encoded as UTF-8. No character is normalised: the
  text keeps its few typographic characters (curly quotes, dashes, an ellipsis, "ß", "°").

The PSF licence section of the running Python's LICENSE.txt is copied verbatim into
pydoc_topics_LICENSE.txt beside the corpus, with a summary of the changes (licence clause 3).

Usage:
    python3.11 tools/make_pydoc_corpus.py          # refuses another Python version unless --any-version
Then copy the printed sha256 into tinytorch/datasets/pydoc_topics.py (SHA256) and PROVENANCE.md.
"""
import argparse
import hashlib
import sys
import sysconfig
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[1] / "tinytorch" / "datasets"
EXPECTED_VERSION = (3, 11, 7)


def corpus_text(topics: dict) -> str:
    parts = []
    for key in sorted(topics):
        text = topics[key]
        if not text.endswith("\n"):
            raise SystemExit(f"topic {key!r} does not end with a newline; the format assumes it does")
        parts.append(text)
    return "\n".join(parts)


def psf_licence_section() -> str:
    licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    lines = licence.read_text(encoding="utf-8").splitlines()
    start = lines.index("PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("BEOPEN.COM LICENSE AGREEMENT"))
    return "\n".join(lines[start:end]).rstrip() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out-dir", type=Path, default=DATASETS)
    ap.add_argument("--any-version", action="store_true",
                    help=f"allow a Python other than {'.'.join(map(str, EXPECTED_VERSION))} (gives another text)")
    args = ap.parse_args()
    if sys.version_info[:3] != EXPECTED_VERSION and not args.any_version:
        raise SystemExit(f"this snapshot is made from Python {'.'.join(map(str, EXPECTED_VERSION))}; "
                         f"this is {sys.version.split()[0]} (pass --any-version to build another snapshot)")
    import pydoc_data.topics as t
    text = corpus_text(t.topics)
    data = text.encode("utf-8")
    out = args.out_dir / "pydoc_topics.txt"
    out.write_bytes(data)
    version = sys.version.split()[0]
    notice = (
        "The file pydoc_topics.txt beside this notice is text from the Python documentation, as shipped in\n"
        f"CPython {version} in the module pydoc_data.topics (generated from the documentation by Sphinx).\n"
        "Copyright (c) 2001-2023 Python Software Foundation; All Rights Reserved.\n"
        "It is distributed under the PSF License Agreement below.\n\n"
        "Summary of the changes made (clause 3): the 79 topic texts of the `topics` dictionary were joined\n"
        "in sorted order of their keys with one blank line between topics, and stored as UTF-8 text by\n"
        "tools/make_pydoc_corpus.py in the TinyTorch repository. No text was altered.\n\n"
        "The licence below is copied verbatim from the LICENSE.txt of that Python installation.\n\n"
    )
    (args.out_dir / "pydoc_topics_LICENSE.txt").write_text(notice + psf_licence_section(), encoding="utf-8")
    print(f"Python {version}: {len(t.topics)} topics, {len(text):,} characters, {len(data):,} bytes, "
          f"{len(set(text))} distinct characters")
    print(f"wrote {out}")
    print(f"sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
