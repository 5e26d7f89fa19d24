"""Build tinytorch/datasets/digits.npz from the UCI handwritten digits (the copy scikit-learn ships).

Provenance: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
Repository (1998), licence CC BY 4.0. scikit-learn's `load_digits` carries the 1,797-image test part of
that set as `sklearn/datasets/data/digits.csv.gz` (64 pixel columns with values 0..16, then the label).

Usage (scikit-learn is needed only here, never at run time):
    python -m venv /tmp/skv && /tmp/skv/bin/pip install scikit-learn
    /tmp/skv/bin/python tools/make_digits.py                  # finds sklearn's digits.csv.gz
    python tools/make_digits.py --csv path/to/digits.csv.gz   # or any copy of that file
Then copy the printed sha256 into tinytorch/datasets/digits.py (SHA256) and PROVENANCE.md.

The split is deterministic: for each class, its indices are shuffled with numpy's PCG64 seeded 0 and the
first 20% (rounded) go to the test set; the script prints the resulting sizes.
"""
import argparse
import gzip
import hashlib
import io
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tinytorch" / "datasets" / "digits.npz"


def find_sklearn_csv():
    import sklearn  # only the builder needs it
    return Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, help="digits.csv.gz (default: scikit-learn's copy)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    path = args.csv or find_sklearn_csv()
    raw = np.loadtxt(gzip.open(path, "rt"), delimiter=",")
    if raw.shape != (1797, 65):
        raise SystemExit(f"{path}: expected 1797 rows of 65 values, got {raw.shape}")
    images = raw[:, :64].astype(np.uint8).reshape(-1, 8, 8)
    labels = raw[:, 64].astype(np.uint8)
    rng = np.random.default_rng(0)
    test = []
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        rng.shuffle(idx)
        test.extend(idx[: int(round(0.2 * len(idx)))])
    test_idx = np.sort(np.array(test, dtype=np.int64))
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    buf = io.BytesIO()
    # np.savez_compressed embeds zip timestamps; write members with fixed dates for a reproducible file
    import zipfile
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, arr in (("images", images), ("labels", labels), ("train_idx", train_idx), ("test_idx", test_idx)):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1998, 7, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    args.out.write_bytes(buf.getvalue())
    print(f"wrote {args.out}: {len(labels)} images, {len(train_idx)} train / {len(test_idx)} test, "
          f"{args.out.stat().st_size} bytes")
    print("sha256", hashlib.sha256(buf.getvalue()).hexdigest())


if __name__ == "__main__":
    main()
