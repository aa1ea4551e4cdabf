"""The student edition: the book's sources with every solution removed,
ready to build.

    python -m lvmteach._student _build/student_src
    jupyter-book build _build/student_src         # then build it

(``make student`` does both and gathers the HTML in ``_build/student/html``
and the notebooks in ``_build/student/notebooks``.) sphinx-exercise's
``hide_solutions`` only hides solutions from the pages: they stay in
``_sources/*.ipynb`` (the download button), in ``jupyter_execute`` and in
what the browser prints. Here they are removed from the sources themselves,
so no output the build makes (pages, search index, ``_sources``, downloads,
executed notebooks, printing) can contain them:

* every ``{solution}`` directive block (colon or backtick fences, any
  length) in markdown cells and ``.md`` pages;
* every cell with ``metadata.lvmteach.role == "solution"`` or the tag
  ``solution``.

Stub and check cells (``metadata.lvmteach.role`` ``stub``/``check``) are
kept unchanged.
"""

import re
import shutil
import sys
from pathlib import Path

import nbformat

__all__ = ["strip_solutions", "solution_blocks", "make_student_sources"]

# an opening fence of 3+ colons or backticks, then {solution}, up to the
# same fence alone on a line
_SOLUTION = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{solution\}.*?^(?P=fence)[ \t]*$\n?",
    re.S | re.M,
)


def solution_blocks(text):
    """The ``{solution}`` blocks in ``text`` (with their fences)."""
    return [m.group(0) for m in _SOLUTION.finditer(text)]


def strip_solutions(text):
    """``text`` without its ``{solution}`` blocks (and without the blank
    lines they leave).
    """
    return re.sub(r"\n{3,}", "\n\n", _SOLUTION.sub("", text)).strip("\n")


def _is_solution_cell(cell):
    meta = cell.get("metadata", {})
    return meta.get("lvmteach", {}).get(
        "role"
    ) == "solution" or "solution" in meta.get("tags", [])


def strip_notebook(nb):
    """Remove solution cells and blocks from ``nb`` in place; drop cells
    left empty.
    """
    cells = []
    for cell in nb.cells:
        if _is_solution_cell(cell):
            continue
        if cell.cell_type == "markdown" and "{solution}" in cell.source:
            cell.source = strip_solutions(cell.source)
            if not cell.source.strip():
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def make_student_sources(root, dest):
    """Copy the book's sources from ``root`` to ``dest`` with every solution
    removed.
    """
    root, dest = Path(root), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy2(root / name, dest / name)
    ignore = shutil.ignore_patterns(
        ".ipynb_checkpoints", "__pycache__", "*.pyc"
    )
    shutil.copytree(root / "book", dest / "book", ignore=ignore)
    # quoted by literalinclude
    shutil.copytree(root / "lvmteach", dest / "lvmteach", ignore=ignore)
    for path in (dest / "book").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(strip_notebook(nb), path)
    for path in (dest / "book").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if "{solution}" in text:
            path.write_text(strip_solutions(text) + "\n", encoding="utf-8")
    return dest


if __name__ == "__main__":
    make_student_sources(
        Path.cwd(),
        Path(sys.argv[1] if len(sys.argv) > 1 else "_build/student_src"),
    )
