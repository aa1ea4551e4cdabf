"""python -m lvmteach._exercises: stubs and checks for every coding exercise, idempotent."""

import copy
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lvmteach import _exercises, grade
from lvmteach._notebooks import find_notebooks

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = list(find_notebooks([ROOT / "book"]))

TEXT = """## Exercises

:::{exercise}
:label: x-ex-1
Implement `my_f(X, means)` and check it with `lvmteach.checks.mixture.check_bernoulli_log_prob`.
:::

::::{solution} x-ex-1
:class: dropdown
secret
::::

:::{exercise}
:label: x-ex-2
Derive something.
:::
"""


def test_inserts_stub_and_check_between_exercise_and_solution_and_is_idempotent():
    nb = new_notebook(cells=[new_markdown_cell(TEXT)])
    assert _exercises.transform(nb)
    kinds = [(c.cell_type, c.metadata.get("lvmteach", {}).get("role")) for c in nb.cells]
    assert kinds == [("markdown", None), ("code", "stub"), ("code", "check"), ("markdown", None)]
    assert (
        "def my_f(X, means):" in nb.cells[1].source and "NotImplementedError" in nb.cells[1].source
    )
    assert "check_bernoulli_log_prob(my_f)" in nb.cells[2].source
    assert nb.cells[0].source.rstrip().endswith(":::") and nb.cells[3].source.startswith(
        "::::{solution}"
    )
    before = copy.deepcopy(nb)
    assert not _exercises.transform(nb) and nb == before
    assert set(grade.exercise_cells(nb)) == {"x-ex-1"}


def test_splits_a_stub_that_also_calls_the_check():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                TEXT.replace(
                    "and check it with `lvmteach.checks.mixture.check_bernoulli_log_prob`", ""
                )
            ),
            new_code_cell(
                "from lvmteach.checks.mixture import check_bernoulli_log_prob\n\n\ndef my_f(X, "
                "means):\n"
                "    raise NotImplementedError\n\n\npassed = check_bernoulli_log_prob(my_f)"
            ),
        ]
    )
    _exercises.transform(nb)
    roles = [c.metadata.get("lvmteach", {}).get("role") for c in nb.cells]
    assert roles.count("stub") == 1 and roles.count("check") == 1
    stub = next(c for c in nb.cells if c.metadata.get("lvmteach", {}).get("role") == "stub")
    assert "passed =" not in stub.source


def test_finds_the_check_in_a_parenthesised_import():
    statement = TEXT.replace(
        " and check it with `lvmteach.checks.mixture.check_bernoulli_log_prob`", ""
    )
    nb = new_notebook(cells=[
        new_markdown_cell(statement),
        new_code_cell(
            "from lvmteach.checks.mixture import (check_assign_clusters,\n"
            "                                     check_bernoulli_log_prob)\n\n\n"
            "def my_f(X, means):\n    raise NotImplementedError\n\n\n"
            "result = check_bernoulli_log_prob(my_f)"
        ),
    ])
    assert _exercises.transform(nb)
    assert set(grade.exercise_cells(nb)) == {"x-ex-1"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_script_is_idempotent_on_the_chapters(path):
    nb = nbformat.read(path, as_version=4)
    once = copy.deepcopy(nb)
    _exercises.transform(once)
    twice = copy.deepcopy(once)
    assert not _exercises.transform(twice)
    assert twice == once
