"""lvmteach.source.show_source and the notebook transform python -m lvmteach._jupyter."""

import copy
import json
import pathlib
import types

import nbformat
import pytest
import yaml

from lvmteach import _jupyter
from lvmteach.source import show_source

ROOT = pathlib.Path(__file__).resolve().parents[1]


def sphinx_pyobject(module, name):
    """What Sphinx's literalinclude with :pyobject: quotes (the reference we replace)."""
    from sphinx.directives.code import LiteralIncludeReader

    reader = LiteralIncludeReader(str(ROOT / "lvmteach" / f"{module}.py"), {"pyobject": name},
                                  types.SimpleNamespace(source_encoding="utf-8"))
    text, _ = reader.read()
    return text


@pytest.mark.parametrize("module, name", [
    ("mixture", "e_step"), ("mixture", "m_step"), ("em", "run_em"),
    ("mixture", "GaussianMixture"), ("mixture", "GaussianMixture.fit"),
])
def test_show_source_is_what_literalinclude_quoted(module, name):
    import textwrap

    pytest.importorskip(
        "sphinx",
        reason="Sphinx (the book extra) is the reference here; make oldest installs only the test "
        "extra",
    )

    expected = textwrap.dedent(sphinx_pyobject(module, name)).rstrip("\n")
    src = show_source(f"lvmteach.{module}.{name}")
    assert str(src) == expected
    assert src._repr_markdown_() == f"```python\n{expected}\n```"


def test_show_source_accepts_the_object_and_has_a_short_plain_text():
    from lvmteach.mixture import e_step

    assert str(show_source(e_step)) == str(show_source("lvmteach.mixture.e_step"))
    assert repr(show_source(e_step)).startswith("<source of lvmteach.mixture.e_step, ")


def test_macro_cell_is_generated_from_config():
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = cfg["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    front = _jupyter.macro_cell_source().strip("-\n")
    assert yaml.safe_load(front)["math"] == {"\\" + k: v for k, v in macros.items()}
    assert yaml.safe_load(front)["math"]["\\prec"] == "\\boldsymbol{\\Lambda}"


def test_transform_splits_quotes_and_is_idempotent():
    md = (
        "Text before.\n\n```{literalinclude} ../../lvmteach/mixture.py\n:pyobject: "
        "e_step\n```\n\n"
        "Between.\n\n```{literalinclude} ../../lvmteach/em.py\n:pyobject: run_em\n```\nAfter."
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_markdown_cell(md)])
    once = _jupyter.transform(copy.deepcopy(nb))
    kinds = [(c.cell_type, c.source.splitlines()[-1] if c.cell_type == "code" else c.source)
             for c in once.cells[1:]]
    assert kinds == [("markdown", "# Title"), ("markdown", "Text before."),
                     ("code", 'show_source("lvmteach.mixture.e_step")'), ("markdown", "Between."),
                     ("code", 'show_source("lvmteach.em.run_em")'), ("markdown", "After.")]
    assert once.cells[0].metadata["tags"] == ["remove-cell"]
    assert all(c.metadata["tags"] == ["remove-input"] for c in once.cells if c.cell_type == "code")
    twice = _jupyter.transform(copy.deepcopy(once))
    assert nbformat.writes(twice) == nbformat.writes(once)


def test_transformed_chapters_have_no_literalinclude_left():
    """The chapters transformed on this branch (the lead runs the script on the rest)."""
    for path in ("book/em/em_algorithm.ipynb", "book/mixtures/mixtures.ipynb"):
        nb = json.loads((ROOT / path).read_text())
        assert nb["cells"][0]["metadata"].get(_jupyter.MACRO_TAG)
        assert not any("{literalinclude}" in "".join(c["source"]) for c in nb["cells"])


def test_vscode_settings_hold_the_books_macros():
    # VS Code's notebook Markdown (KaTeX) takes macros from markdown.math.macros only.
    import json

    from lvmteach import _jupyter

    text = _jupyter.VSCODE.read_text()
    assert text == _jupyter.vscode_settings(), "run python -m lvmteach._jupyter"
    settings = json.loads(text.split("\n", 1)[1])
    assert settings["markdown.math.macros"]["\\prec"] == "\\boldsymbol{\\Lambda}"
    assert len(settings["markdown.math.macros"]) == len(_jupyter.macros())
