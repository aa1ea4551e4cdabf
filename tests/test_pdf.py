"""Smoke test of the printed book (`make pdf`; `make test` runs it where TeX Live is installed).

The PDF must exist, contain every chapter of the table of contents with its numbered
equations and exercises, contain no solution (the printed book omits them), and every character
must have had a glyph: XeLaTeX only logs a character its font lacks ("Missing character") and
prints nothing in its place.
"""

import json
import pathlib
import re
import shutil
import subprocess

import pytest

from test_notebooks import toc_notebooks

ROOT = pathlib.Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "latex" / "lvmteach.pdf"
LOG = PDF.with_suffix(".log")

pytestmark = pytest.mark.built_book


@pytest.fixture(scope="module")
def text():
    if not PDF.exists():
        pytest.fail("no _build/latex/lvmteach.pdf: run `make pdf` first")
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: apt-get install poppler-utils")
    out = subprocess.run(
        ["pdftotext", "-layout", str(PDF), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", " ", out)


def chapter_titles():
    titles = []
    for path in toc_notebooks():
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "markdown":
                first = "".join(cell["source"]).lstrip().splitlines()[0]
                if first.startswith("# "):
                    titles.append(first[2:].strip())
                    break
    return titles


def test_pdf_has_pages_for_every_chapter():
    pages = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    n_pages = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    assert n_pages >= 2 * len(chapter_titles()), (
        f"only {n_pages} pages for {len(chapter_titles())} chapters"
    )


@pytest.mark.parametrize("title", chapter_titles())
def test_every_chapter_is_in_the_pdf(text, title):
    plain = re.sub(r"[*_`$\\]", "", title)
    words = plain.split()
    # pdftotext may break a long title over lines: look for its first few words in order
    assert re.search(
        r"\s*".join(map(re.escape, " ".join(words[:4]))).replace(r"\ ", r"\s+"), text
    ), title


def test_equations_theorems_and_exercises_are_numbered(text):
    assert re.search(r"\(\d+\.\d+\)", text), "no numbered equation such as (2.1) in the PDF"
    assert re.search(r"Theorem \d+\.\d+", text), "no numbered theorem in the PDF"
    assert re.search(r"Exercise \d+\.\d+", text), "no numbered exercise in the PDF"


def test_no_solution_is_printed(text):
    assert "Solution to Exercise" not in text, "the printed book must omit the solutions"


def test_every_character_has_a_glyph():
    if not LOG.exists():
        pytest.fail("no _build/latex/lvmteach.log: run `make pdf` first")
    # The log wraps lines at 79 characters: join them before reading the messages.
    log = LOG.read_text(errors="replace").replace("\n", "")
    missing = re.findall(
        r"Missing character: There is no (.+?) \((U\+[0-9A-F]+)\) in font (.+?)!", log
    )
    summary = sorted({f"{char} {code} in {font.split('/')[0]}" for char, code, font in missing})
    assert not missing, (
        f"{len(missing)} characters printed as nothing (font without the glyph): {summary}"
    )


def test_chapter_numbers_are_the_html_ones():
    # Theorems, definitions and exercises carry the HTML's chapter numbers ("Definition 3.1"),
    # so the PDF's chapters must be numbered the same: the chapter notebooks 1, 2, ... in the
    # order of _toc.yml, and the preface, notation and back matter unnumbered.
    toc = PDF.with_suffix(".toc").read_text(encoding="utf-8")
    numbered = re.findall(r"\\contentsline \{chapter\}\{\\numberline \{(\d+)\}", toc)
    titles = chapter_titles()
    assert numbered == [str(i) for i in range(1, len(titles) + 1)], (
        f"PDF chapter numbers {numbered}, expected 1..{len(titles)} as in the HTML")
