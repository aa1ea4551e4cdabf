"""Give every coding exercise a stub cell and a check cell, tagged for the
grader.

    python -m lvmteach._exercises book/          # rewrite the chapters
    python -m lvmteach._exercises book/ --check  # 1 if one would change

Idempotent: run it again and nothing changes. Works on any chapter by
matching exercise labels (``:label: <chapter>-ex-<n>``): a *coding* exercise
is one whose statement names a ``check_<name>`` from
``lvmteach.checks.<module>`` and a function ``my_<name>(...)``. For each:

* an existing code cell that defines ``my_<name>`` and raises
  ``NotImplementedError`` is the stub; if it also calls the check, the call
  moves to a check cell of its own just after it;
* otherwise the markdown cell is split just after the exercise block and a
  stub cell ``def my_<name>(<arguments from the statement>): raise
  NotImplementedError`` and a check cell are inserted there, so the page
  reads exercise, stub, check, solution;
* stub and check cells get ``metadata.lvmteach = {"exercise": <label>,
  "role": "stub"|"check"}`` (what ``python -m lvmteach.grade`` and
  ``make student`` look for).

Re-execute the chapters afterwards (``python -m lvmteach._notebooks
book/<dir>``).
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from ._notebooks import find_notebooks

_BLOCK = re.compile(
    r"^:::\{exercise\}\n:label: (\S+)\n.*?^:::$\n?", re.S | re.M
)


def coding_exercises(text, code=""):
    """``[(label, block_end, module, check, fn, args)]`` for the coding
    exercises in ``text``.

    The check may be named in the statement or, for a statement that names
    only ``my_<name>``, in the notebook's ``code`` (a cell calling
    ``check_<name>(my_<name>)``).
    """
    found = []
    for m in _BLOCK.finditer(text):
        body = m.group(0)
        fn = re.search(r"`(my_\w+)\(([^)`]*)\)`", body) or re.search(
            r"\b(my_\w+)\b()", body
        )
        check = re.search(r"\b(check_\w+)", body)
        if fn and not check:
            check = re.search(rf"\b(check_\w+)\({fn.group(1)}\)", code)
        module = check and (
            re.search(r"lvmteach\.checks\.(\w+)", body)
            or re.search(
                rf"from lvmteach\.checks\.(\w+) import (?:\([^)]*|[^\n]*)"
                rf"\b{check.group(1)}\b",
                code,
            )
        )
        if check and module and fn:
            found.append(
                (
                    m.group(1),
                    m.end(),
                    module.group(1),
                    check.group(1),
                    fn.group(1),
                    fn.group(2),
                )
            )
    return found


def _tag(cell, label, role):
    meta = cell.metadata.setdefault("lvmteach", {})
    changed = meta.get("exercise") != label or meta.get("role") != role
    meta.update(exercise=label, role=role)
    if changed and "id" in cell and role == "check":
        # stable across runs, so re-running on main gives the same file
        cell.id = f"{label}-check"
    return changed


def _check_source(module, check, fn):
    return (
        f"from lvmteach.checks.{module} import {check}\n\npassed = "
        f"{check}({fn})"
    )


def _stub_source(fn, args):
    return (
        f"import numpy as np\n\n\ndef {fn}({args}):\n    raise "
        "NotImplementedError  # your code here"
    )


def transform(nb):
    """Apply the rules above to ``nb`` in place; return True if anything
    changed.
    """
    changed = False
    i = 0
    while i < len(nb.cells):
        cell = nb.cells[i]
        if cell.cell_type != "markdown":
            i += 1
            continue
        code = "\n".join(
            c.source for c in nb.cells if c.cell_type == "code"
        )
        for label, end, module, check, fn, args in coding_exercises(
            cell.source, code
        ):
            stub = _find_stub(nb, fn)
            head, tail = (
                cell.source[:end].rstrip("\n"),
                cell.source[end:].strip("\n"),
            )
            if stub is not None:
                changed |= _tag(nb.cells[stub], label, "stub")
                changed |= _split_check(nb, stub, label, module, check, fn)
                if not tail:
                    continue
                # the stub sits further down: move it and its check to just
                # after the exercise
                n = 2 if _is_check(nb, stub + 1, label) else 1
                new = nb.cells[stub : stub + n]
                del nb.cells[stub : stub + n]
                if stub < i:
                    i -= n
                cell = nb.cells[i]
            else:
                new = [
                    new_code_cell(_stub_source(fn, args)),
                    new_code_cell(_check_source(module, check, fn)),
                ]
                _tag(new[0], label, "stub")
                _tag(new[1], label, "check")
                new[0].id = f"{label}-stub"
            cell.source = head
            if tail:
                new.append(new_markdown_cell(tail))
                new[-1].id = f"{label}-after"
            nb.cells[i + 1 : i + 1] = new
            changed = True
            # the rest of the cell is now a new markdown cell, visited next
            break
        i += 1
    return changed


def _is_check(nb, j, label):
    meta = (
        nb.cells[j].metadata.get("lvmteach", {})
        if j < len(nb.cells)
        else {}
    )
    return meta.get("exercise") == label and meta.get("role") == "check"


def _find_stub(nb, fn):
    for j, c in enumerate(nb.cells):
        if (
            c.cell_type == "code"
            and re.search(rf"^def {fn}\(", c.source, re.M)
            and "NotImplementedError" in c.source
        ):
            return j
    return None


def _split_check(nb, stub, label, module, check, fn):
    cell = nb.cells[stub]
    lines = cell.source.split("\n")
    calls = [ln for ln in lines if re.search(rf"\b{check}\(", ln)]
    nxt = nb.cells[stub + 1] if stub + 1 < len(nb.cells) else None
    if not calls:
        if (
            nxt is not None
            and nxt.cell_type == "code"
            and re.search(rf"\b{check}\(", nxt.source)
        ):
            return _tag(nxt, label, "check")
        return False
    cell.source = "\n".join(ln for ln in lines if ln not in calls).rstrip(
        "\n"
    )
    check_cell = new_code_cell(_check_source(module, check, fn))
    _tag(check_cell, label, "check")
    nb.cells.insert(stub + 1, check_cell)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m lvmteach._exercises",
        description=__doc__.split("\n")[0],
    )
    parser.add_argument(
        "paths", nargs="+", help="chapter notebooks or folders of them"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a chapter would change",
    )
    args = parser.parse_args(argv)
    stale = []
    for path in find_notebooks(args.paths):
        nb = nbformat.read(path, as_version=4)
        if transform(nb):
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
            print(f"{'would change' if args.check else 'changed'}: {path}")
    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
