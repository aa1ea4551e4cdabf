"""python -m lvmteach.grade on a synthetic class: correct, partly wrong, crashing, infinite loop,
missing cell, and a student who rewrote the check cell. Only stub and check cells run."""

import csv

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lvmteach import grade

CHECK_ASSIGN = (
    "from lvmteach.checks.mixture import check_assign_clusters\ncheck_assign_clusters(my_assign)"
)
CHECK_DIREXP = (
    "from lvmteach.checks.topics import "
    "check_dirichlet_expectation\ncheck_dirichlet_expectation(my_direxp)"
)
GOOD_ASSIGN = (
    "import numpy as np\ndef my_assign(P, C):\n    return np.argmin(((P[:, None] - C[None]) "
    "** 2).sum(-1), axis=1)"
)
GOOD_DIREXP = (
    "from scipy.special import digamma\ndef my_direxp(a):\n    return digamma(a) - "
    "digamma(a.sum(1, keepdims=True))"
)
STUB_ASSIGN = "def my_assign(X, centers):\n    raise NotImplementedError"
STUB_DIREXP = "def my_direxp(a):\n    raise NotImplementedError"


def _cell(source, label, role):
    return new_code_cell(source, metadata={"lvmteach": {"exercise": label, "role": role}})


def _notebook(assign, direxp, check_assign=CHECK_ASSIGN, marker=None):
    cells = [new_markdown_cell("# Exercises")]
    if marker:  # chapter code and solutions that must never run
        cells.append(new_code_cell(f"open({str(marker)!r}, 'w').close()"))
        cells.append(_cell(f"open({str(marker)!r}, 'w').close()", "mix-ex-1", "solution"))
    if assign is not None:
        cells.append(_cell(assign, "mix-ex-1", "stub"))
    cells.append(_cell(check_assign, "mix-ex-1", "check"))
    if direxp is not None:
        cells.append(_cell(direxp, "topics-ex-1", "stub"))
    cells.append(_cell(CHECK_DIREXP, "topics-ex-1", "check"))
    return new_notebook(cells=cells)


@pytest.fixture
def klass(tmp_path):
    marker = tmp_path / "solution_ran"
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(_notebook(STUB_ASSIGN, STUB_DIREXP), tmp_path / "template.ipynb")
    students = {
        "ada": (GOOD_ASSIGN, GOOD_DIREXP, CHECK_ASSIGN),
        "bob": (GOOD_ASSIGN.replace("argmin", "argmax"), GOOD_DIREXP, CHECK_ASSIGN),
        "cy": (GOOD_ASSIGN, "def my_direxp(a):\n    return a[0, 0, 0]", CHECK_ASSIGN),
        "dee": ("def my_assign(X, C):\n    while True:\n        pass", GOOD_DIREXP, CHECK_ASSIGN),
        "eve": (None, GOOD_DIREXP, CHECK_ASSIGN),
        "fay": (GOOD_ASSIGN.replace("argmin", "argmax"), GOOD_DIREXP, "print('all cases pass')"),
    }
    for name, (a, d, c) in students.items():
        nbformat.write(_notebook(a, d, c, marker), subs / f"{name}.ipynb")
    return tmp_path, marker


def test_grader_writes_the_expected_csv(klass):
    tmp, marker = klass
    out = tmp / "grades.csv"
    grade.main(
        [
            str(tmp / "subs"),
            "--out",
            str(out),
            "--template",
            str(tmp / "template.ipynb"),
            "--timeout",
            "20",
        ]
    )
    rows = {(r["student"], r["exercise"]): r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert len(rows) == 12
    passed = {k for k, r in rows.items() if r["passed"] == "True"}
    assert passed == {
        ("ada", "mix-ex-1"),
        ("ada", "topics-ex-1"),
        ("bob", "topics-ex-1"),
        ("cy", "mix-ex-1"),
        ("dee", "topics-ex-1"),
        ("eve", "topics-ex-1"),
        ("fay", "topics-ex-1"),
    }
    assert "wrong at" in rows["bob", "mix-ex-1"]["message"]
    assert (
        "IndexError" in rows["cy", "topics-ex-1"]["message"]
        and "Traceback" in rows["cy", "topics-ex-1"]["message"]
    )
    assert "time limit" in rows["dee", "mix-ex-1"]["message"]
    assert "no stub cell" in rows["eve", "mix-ex-1"]["message"]
    assert "wrong at" in rows["fay", "mix-ex-1"]["message"]  # the template's check ran, not hers
    assert not marker.exists()  # chapter and solution cells never ran
