"""The student edition holds no solution text anywhere and keeps every exercise stub.

The first test strips every chapter (fast); the second greps every file of a built student
edition (``make student``), and is skipped when none has been built.
"""

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from lvmteach import _student
from lvmteach._notebooks import find_notebooks

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = list(find_notebooks([ROOT / "book"]))
BUILT = ROOT / "_build" / "student"


def _text(nb):
    return "\n".join(c.source for c in nb.cells)


def _solution_phrases(source_text, student_text):
    """Lines of solution text (>= 25 characters) that appear nowhere else in the chapter."""
    phrases = []
    for block in _student.solution_blocks(source_text):
        for line in block.splitlines()[1:-1]:
            line = line.strip()
            if len(line) >= 25 and not line.startswith(":") and line not in student_text:
                phrases.append(line)
    return phrases


def _role_count(nb, role):
    return sum(c.get("metadata", {}).get("lvmteach", {}).get("role") == role for c in nb.cells)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_stripped_chapter_has_no_solution_and_keeps_stubs(path):
    nb = nbformat.read(path, as_version=4)
    source = _text(nb)
    stubs, checks = _role_count(nb, "stub"), _role_count(nb, "check")
    student = _student.strip_notebook(nbformat.read(path, as_version=4))
    text = _text(student)
    assert "{solution}" not in text
    assert _role_count(student, "stub") == stubs and _role_count(student, "check") == checks
    n_solutions = len(_student.solution_blocks(source))
    assert n_solutions == source.count("{solution}")  # every solution block was recognised
    assert text.count("{exercise}") == source.count("{exercise}")
    for phrase in _solution_phrases(source, text):
        assert phrase not in json.dumps(nbformat.writes(student))


def test_strip_handles_both_fences_and_keeps_the_rest():
    text = (
        "before\n\n::::{solution} x-ex-1\n:class: dropdown\nsecret "
        "one\n::::\n\nmiddle\n\n```{solution} x-ex-2\nsecret two\n```\nafter"
    )
    out = _student.strip_solutions(text)
    assert "secret" not in out and all(w in out for w in ("before", "middle", "after"))


def _normalised(path):
    raw = path.read_text(encoding="utf-8", errors="ignore")
    plain = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw, re.sub(r"\s+", " ", plain)


@pytest.mark.skipif(not BUILT.exists(), reason="no student edition built (make student)")
def test_built_student_edition_contains_no_solution_text():
    # what students may see: every chapter without solutions and the package's code, which
    # the chapters quote with literalinclude; a solution line also found there is not secret
    sources = [(_text(nbformat.read(p, as_version=4)), None) for p in CHAPTERS]
    sources += [(p.read_text(encoding="utf-8"), None) for p in (ROOT / "book").rglob("*.md")]
    public = "\n".join(
        _text(_student.strip_notebook(nbformat.read(p, as_version=4))) for p in CHAPTERS
    )
    public += "\n".join(_student.strip_solutions(t) for t, _ in sources[len(CHAPTERS):])
    public += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "lvmteach").rglob("*.py"))
    phrases = [ph for text, _ in sources for ph in _solution_phrases(text, public)]
    assert phrases
    files = [
        p
        for p in BUILT.rglob("*")
        if p.is_file() and p.suffix not in {".png", ".svg", ".woff", ".woff2", ".ttf", ".ico"}
    ]
    assert any(p.suffix == ".ipynb" for p in files) and any(
        p.name == "searchindex.js" for p in files
    )
    for path in files:
        raw, plain = _normalised(path)
        for phrase in phrases:
            assert phrase not in raw and re.sub(r"\s+", " ", phrase) not in plain, (path, phrase)
    stubs = sum(
        _role_count(nbformat.read(p, as_version=4), "stub")
        for p in BUILT.rglob("notebooks/**/*.ipynb")
    )
    assert stubs == sum(_role_count(nbformat.read(p, as_version=4), "stub") for p in CHAPTERS)
