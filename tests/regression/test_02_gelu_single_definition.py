"""Regression: an earlier course defined GELU three different ways in three modules. Here GELU has one
definition, `gelu` in the activations module (exact erf form and PyTorch's tanh approximation, one op);
everything else in the package and the milestones must call it or subclass its class, not re-derive it."""
import re
from pathlib import Path

from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]

GELU_DEF = re.compile(r"^\s*def\s+gelu\s*\(", re.MULTILINE)
GELU_CLASS = re.compile(r"^\s*class\s+GELU\s*(?:\((?P<bases>[^)]*)\))?\s*:", re.MULTILINE)
# the forward formulas: x * (1 + erf(x / sqrt(2))) / 2 and x * (1 + tanh(...)) / 2
ERF_FORM = re.compile(r"1(?:\.0)?\s*\+\s*(?:\w+\.)*erf\w*\s*\(\s*\w+\s*(?:/|\*)")
TANH_FORM = re.compile(r"0\.5\s*\*\s*\w+\s*\*\s*\(\s*1(?:\.0)?\s*\+\s*(?:np\.|math\.)?tanh\s*\(")


def code_only(text):
    """Drop comment lines, so that prose about GELU does not count."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_gelu_is_defined_once():
    course = load(ROOT)
    own = (course.root / course.module("activations").package_file).resolve()
    files = sorted((course.root / "tinytorch").rglob("*.py"))
    if (course.root / "milestones").is_dir():
        files += sorted((course.root / "milestones").rglob("*.py"))
    offenders = []
    for path in files:
        if path.resolve() == own:
            continue
        code = code_only(path.read_text(encoding="utf-8"))
        where = path.relative_to(course.root)
        for pattern in (GELU_DEF, ERF_FORM, TANH_FORM):
            if pattern.search(code):
                offenders.append(f"{where}: matches {pattern.pattern}")
        for match in GELU_CLASS.finditer(code):
            if "GELU" not in (match.group("bases") or ""):
                offenders.append(f"{where}: class GELU does not subclass the activations GELU")
    assert not offenders, ("GELU must be defined only in the activations module; call "
                           "tinytorch.core.activations.gelu or subclass its GELU instead:\n" + "\n".join(offenders))


def test_the_one_definition_is_there_and_has_both_forms():
    course = load(ROOT)
    package = (course.root / course.module("activations").package_file).read_text(encoding="utf-8")
    code = code_only(package)
    assert len(GELU_DEF.findall(code)) == 1
    assert len(re.findall(r"^GELU_TANH_COEFF\s*=\s*0\.044715\b", code, re.MULTILINE)) == 1
    assert 'GELU_APPROXIMATIONS = ("none", "tanh")' in code
