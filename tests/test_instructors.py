"""The instructor page lists every exercise of every chapter, and says which are checked.

Its tables are written by hand (the skill and the time need a teacher), so this test keeps
them true: every ``:label: <chapter>-ex-<n>`` of the chapters has a row, no row names an
exercise that does not exist, and a row names a checker exactly when the exercise has a
check cell, the same checker(s) that cell calls.
"""

import re
from pathlib import Path

import nbformat

from lvmteach import grade
from lvmteach._notebooks import find_notebooks

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "book" / "instructors.md").read_text()
ROWS = {
    m.group(1): m.group(2)
    for m in re.finditer(r"^\| \{ref\}`(\S+-ex-\d+)` \|(.*)\|\s*$", PAGE, re.M)
}


def _exercises():
    """``{label: set of check names called by its check cells}`` over all chapters."""
    found = {}
    for path in find_notebooks([ROOT / "book"]):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                for label in re.findall(r"^:label: (\S+-ex-\d+)$", cell.source, re.M):
                    found.setdefault(label, set())
        for label, cells in grade.exercise_cells(nb).items():
            for source in cells.get("check", []):
                found[label] |= set(re.findall(r"\b(check_\w+)\(", source))
    return found


EXERCISES = _exercises()


def test_every_exercise_has_a_row_and_every_row_an_exercise():
    assert len(EXERCISES) > 50
    assert sorted(set(EXERCISES) - set(ROWS)) == []
    assert sorted(set(ROWS) - set(EXERCISES)) == []


def test_a_row_names_the_checkers_its_check_cells_call():
    for label, checks in EXERCISES.items():
        named = set(re.findall(r"`(check_\w+)`", ROWS[label]))
        if checks:
            assert checks <= named, (label, checks, named)
        else:
            assert not named and "worked solution only" in ROWS[label], label


def test_the_page_says_how_to_grade_and_build_the_student_edition():
    assert "python -m lvmteach.grade" in PAGE and "make student" in PAGE
