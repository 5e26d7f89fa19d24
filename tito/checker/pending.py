"""TEMPORARY, and the only place where the real course is let off a rule: fixes under way on other
branches while the rules that find them land. The lead empties both sets when those branches are merged.
tests/tito/test_checker.py fails as soon as a listed module no longer breaks its rule, so the sets can
only shrink; `tito check` prints a note while they are not empty.
"""
from __future__ import annotations

# TT131 (teaching size) is not reported for these module folders: they are being shrunk.
OVERSIZE_PENDING: set[str] = {
    "01_tensor", "06_optimizers", "07_training", "08_dataloader",
}

# TT130 (a try/except in a test that cannot fail) is not reported for these module folders: their
# tests are being fixed (issue 9: layers_dev.py, the hidden tests near lines 670 and 809).
CANNOT_FAIL_PENDING: set[str] = set()

PENDING = {"TT131": OVERSIZE_PENDING, "TT130": CANNOT_FAIL_PENDING}


def notes(dirnames: list[str]) -> list[str]:
    """One line per rule that is let off for some of `dirnames`."""
    out = []
    for rule_id, pending in PENDING.items():
        hit = sorted(set(dirnames) & pending)
        if hit:
            out.append(f"{rule_id} not enforced yet for {', '.join(hit)} (tito/checker/pending.py; "
                       "the fixes are under way)")
    return out
