"""Automatic checks for the book's coding exercises.

Each chapter's exercises have a module here (``lvmteach.checks.mixture`` for
the mixtures chapter, ...) with one function per coding exercise, named
``check_<exercise>``. A check calls the student's function on random cases,
compares with the package's reference implementation and prints what is
wrong (which case, which shape, which entry) without printing the answer::

    from lvmteach.checks.mixture import check_e_step
    check_e_step(my_e_step)  # prints feedback; True if every case passes

The checks themselves are tested (tests/test_checks_*.py): each accepts the
reference and rejects deliberately broken versions.
"""

from ._harness import CheckResult, compare_outputs, run_cases

__all__ = ["CheckResult", "compare_outputs", "run_cases"]
