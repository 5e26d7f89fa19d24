"""Mutant files (tests/mutants/NN_slug/*.py) are data for `tito mutants`, not tests: pytest skips them."""
collect_ignore_glob = ["*/*.py"]
