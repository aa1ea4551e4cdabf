"""Grade a class: run every exercise check on a folder of submitted
notebooks.

    python -m lvmteach.grade SUBMISSIONS_DIR --out grades.csv [--template
    CHAPTER.ipynb ...]
                             [--timeout 60]

Exercise cells are marked in cell metadata ``{"lvmteach": {"exercise":
"<label>", "role": ...}}`` (labels as in ``:label: em-ex-2``), with ``role``
one of

* ``"stub"``: the code cell the student fills in (it holds its own imports);
* ``"check"``: the cell that calls ``check_<name>(...)``.

Each notebook runs in its own fresh kernel. Only its stub cells and the
check cells are executed, in notebook order, each with a time limit (an
infinite loop is interrupted and reported); solution and chapter cells never
run. With ``--template`` the check cells come from the instructor's copy of
the chapter, so a student who edits or deletes a check cell cannot change
what is checked, and an exercise whose stub cell is missing from a
submission is reported as missing. Writes one CSV row per student and
exercise: ``student, exercise, passed, message``.
"""

import argparse
import csv
import json
import os
import queue
import sys
import time
from pathlib import Path

import nbformat

from ._notebooks import find_notebooks

__all__ = ["exercise_cells", "grade_notebook", "grade_folder", "main"]

_RESULT = (
    "import json as _j\nfrom lvmteach.checks import _harness as _h\n"
    "print('@@LVMGRADE@@' + _j.dumps(None if _h.LAST_RESULT is None else "
    "[bool(_h.LAST_RESULT.passed), _h.LAST_RESULT.message]))\n"
    "_h.LAST_RESULT = None"
)


def exercise_cells(nb):
    """``{label: {"stub": [sources], "check": [sources]}}`` in notebook
    order.
    """
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("lvmteach", {})
        label, role = meta.get("exercise"), meta.get("role")
        if cell.cell_type == "code" and label and role in ("stub", "check"):
            found.setdefault(label, {"stub": [], "check": []})[role].append(
                cell.source
            )
    return found


class _Kernel:
    def __init__(self, kernel_name, cwd):
        from jupyter_client.manager import start_new_kernel

        # the kernel runs in the notebook's folder: absolute PYTHONPATH
        env = dict(os.environ)
        if env.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.pathsep.join(
                os.path.abspath(p)
                for p in env["PYTHONPATH"].split(os.pathsep)
                if p
            )
        self.km, self.kc = start_new_kernel(
            kernel_name=kernel_name, cwd=str(cwd), env=env
        )

    def run(self, code, timeout):
        """``(status, stdout, error)`` with status "ok", "error" or
        "timeout".
        """
        msg_id = self.kc.execute(
            code, store_history=False, allow_stdin=False
        )
        out, error, deadline = [], None, time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.km.interrupt_kernel()
                self._drain(msg_id, 10)
                return "timeout", "".join(out), None
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                return ("error" if error else "ok"), "".join(out), error

    def _drain(self, msg_id, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                continue
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
            ):
                return True
        self.km.restart_kernel(now=True)  # an interrupt was not enough
        self.kc.wait_for_ready(timeout=60)
        return False

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def grade_notebook(
    path, checks=None, labels=None, timeout=60, kernel_name="python3"
):
    """Rows ``(exercise, passed, message)`` for one submitted notebook."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not a notebook: every exercise fails
        return [
            (
                label,
                False,
                f"the notebook could not be read ({type(exc).__name__})",
            )
            for label in labels or []
        ]
    cells = exercise_cells(nb)
    labels = list(labels) if labels else list(cells)
    checks = checks or {label: cells[label]["check"] for label in cells}
    rows = []
    kernel = _Kernel(kernel_name, Path(path).parent)
    # import NumPy and the checks before any timed cell, so a slow start is
    # not a time-out
    kernel.run("import numpy, scipy.special, lvmteach.checks._harness", 300)
    try:
        for label in labels:
            stubs = cells.get(label, {}).get("stub", [])
            if not stubs:
                rows.append(
                    (
                        label,
                        False,
                        "no stub cell for this exercise in the notebook "
                        "(deleted or untagged?)",
                    )
                )
                continue
            if not checks.get(label):
                rows.append(
                    (label, False, "no check cell for this exercise")
                )
                continue
            rows.append(
                (label, *_grade_one(kernel, stubs, checks[label], timeout))
            )
    finally:
        kernel.close()
    return rows


def _grade_one(kernel, stubs, checks, timeout):
    for source in stubs:
        status, _, error = kernel.run(source, timeout)
        if status == "timeout":
            return (
                False,
                f"your cell ran longer than the {timeout} s time "
                "limit (an infinite loop?)",
            )
        if status == "error":
            return False, f"your cell raised {error}"
    for source in checks:
        status, _, error = kernel.run(source, timeout)
        if status == "timeout":
            return (
                False,
                f"the check ran longer than the {timeout} s time "
                "limit (an infinite loop in your function?)",
            )
        _, out, _ = kernel.run(_RESULT, 30)
        line = [s for s in out.splitlines() if s.startswith("@@LVMGRADE@@")]
        result = (
            json.loads(line[-1][len("@@LVMGRADE@@"):]) if line else None
        )
        if result is None:
            return (
                False,
                "the check could not run: "
                f"{error or 'it reported no result'}",
            )
        if not result[0]:
            return False, result[1]
    return True, result[1]


def grade_folder(
    folder, out, templates=(), timeout=60, kernel_name="python3"
):
    """Grade every ``*.ipynb`` under ``folder`` (recursively); write the
    CSV; return its rows.
    """
    checks, labels = {}, []
    for template in templates:
        for label, cells in exercise_cells(
            nbformat.read(template, as_version=4)
        ).items():
            checks[label] = cells["check"]
            labels.append(label)
    folder = Path(folder)
    rows = []
    for path in find_notebooks([folder]):
        student = str(path.relative_to(folder).with_suffix(""))
        for label, passed, message in grade_notebook(
            path, checks or None, labels or None, timeout, kernel_name
        ):
            rows.append(
                {
                    "student": student,
                    "exercise": label,
                    "passed": passed,
                    "message": message,
                }
            )
            print(
                f"{student}  {label}  {'passed' if passed else 'FAILED'}",
                file=sys.stderr,
            )
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["student", "exercise", "passed", "message"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m lvmteach.grade", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "submissions",
        help="folder of submitted notebooks (searched recursively)",
    )
    parser.add_argument(
        "--out",
        default="grades.csv",
        help="CSV file to write (default grades.csv)",
    )
    parser.add_argument(
        "--template",
        action="append",
        default=[],
        help="instructor's chapter notebook: the "
        "exercises expected and their checks "
        "(repeatable)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        help="seconds per cell (default 60)",
    )
    parser.add_argument(
        "--kernel",
        default="python3",
        help="Jupyter kernel name (default python3)",
    )
    args = parser.parse_args(argv)
    rows = grade_folder(
        args.submissions, args.out, args.template, args.timeout, args.kernel
    )
    print(
        f"{sum(r['passed'] for r in rows)} of {len(rows)} exercise "
        f"submissions pass; wrote {args.out}"
    )


if __name__ == "__main__":
    main()
