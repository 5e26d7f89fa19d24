"""A tiny course (manifest, one module, two milestones) built in a temporary folder for the tito tests.

Not a test file; the tests load it with `load_democourse()` below (tests are not a package).
Marker strings let the tests see where each kind of line went: SOLUTION-LINE only inside solution
blocks, HIDDEN-CHECK only inside hidden-test blocks, VISIBLE-CHECK in the public part of a test.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

COURSE_TOML = """\
[course]
name = "Demo"
package = "tinytorch"

[[modules]]
number = 1
slug = "demo"
title = "Demo"
target = "core.demo"
requires = []
status = "ready"

[[modules]]
number = 2
slug = "other"
title = "Other"
target = "core.other"
requires = [1]
status = "planned"

[[milestones]]
number = 1
slug = "first"
title = "First milestone"
year = 1957
requires = [1]
script = "milestones/01_first/first.py"
status = "ready"

[[milestones]]
number = 2
slug = "second"
title = "Second milestone"
year = 1969
requires = [1, 2]
script = "milestones/02_second/second.py"
status = "planned"
"""

# Module 01 of the demo course: two graded functions, each with a solution block and hidden tests.
DEMO_SOURCE = '''\
# %% [markdown]
"""
# Module 01: Demo

**Learning Objectives:**
- Scale a list of numbers
- Measure the length of a vector
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations
Scaling multiplies every entry; the Euclidean norm is the square root of the sum of squares.
"""

# %%
#| export
import math

# %% [code] {"nbgrader": {"grade": false, "grade_id": "demo-scale-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def scale(values, factor):
    """Return a new list with every value multiplied by `factor`."""
    ### BEGIN SOLUTION
    result = [v * factor for v in values]  # SOLUTION-LINE
    return result
    ### END SOLUTION

# %% [markdown]
"""
### Testing scale
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "demo-scale-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_scale():
    assert scale([1, 2], 3) == [3, 6]  # VISIBLE-CHECK
    ### BEGIN HIDDEN TESTS
    assert scale([], 5) == []  # HIDDEN-CHECK
    ### END HIDDEN TESTS

test_unit_scale()

# %% [code] {"nbgrader": {"grade": false, "grade_id": "demo-norm-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def norm(values):
    """Euclidean length of `values`."""
    ### BEGIN SOLUTION
    return math.sqrt(sum(v * v for v in values))  # SOLUTION-LINE
    ### END SOLUTION

# %% [markdown]
"""
### Testing norm
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "demo-norm-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_norm():
    assert norm([3, 4]) == 5  # VISIBLE-CHECK
    ### BEGIN HIDDEN TESTS
    assert norm([]) == 0  # HIDDEN-CHECK
    ### END HIDDEN TESTS

test_unit_norm()

# %%
def run_all_tests():
    test_unit_scale()
    test_unit_norm()
    print("all demo tests passed")

# %%
if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## Module Summary
Scaling and norms.
"""
'''

MILESTONE_SCRIPT = """\
import sys
from tinytorch.core.demo import scale
print("first milestone:", scale([1, 2], 2), "args:", sys.argv[1:])
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def make_course(root: Path, source: str = DEMO_SOURCE) -> Path:
    """Write the demo course into `root` and return `root`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.toml").write_text(COURSE_TOML, encoding="utf-8")
    module_dir = root / "modules" / "01_demo"
    module_dir.mkdir(parents=True)
    (module_dir / "demo_dev.py").write_text(source, encoding="utf-8")
    (root / "tinytorch").mkdir()
    (root / "tinytorch" / "__init__.py").write_text("", encoding="utf-8")
    script = root / "milestones" / "01_first" / "first.py"
    script.parent.mkdir(parents=True)
    script.write_text(MILESTONE_SCRIPT, encoding="utf-8")
    return root


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")
