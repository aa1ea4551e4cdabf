"""Show a package object's source in a notebook: the chapters' quoted code.

A chapter explains a function of ``lvmteach`` next to its source.
``show_source`` returns an object whose Markdown representation is the
source in a fenced ``python`` block, so the same highlighted code appears
wherever the notebook is read: in JupyterLab, Jupyter Notebook 7 and VS Code
(which render Markdown outputs), and in the HTML and PDF book (myst-nb
renders the Markdown output as a code block, like the ``literalinclude`` it
replaces). The stored output is the package source itself, so it is the same
on every machine; nbval flags a stale copy after a change to the function,
and ``python -m lvmteach._notebooks`` refreshes it.
"""

import importlib
import inspect
import textwrap

__all__ = ["Source", "show_source"]


class Source:
    """The source of one package object, shown as a highlighted code
    block.
    """

    def __init__(self, name, code):
        self.name = name
        self.code = code

    def _repr_markdown_(self):
        return f"```python\n{self.code}\n```"

    def __repr__(self):
        # Short on purpose: the code itself is the Markdown output
        # (text/plain is not checked for round-off values that appear in the
        # source as literals such as 1e-10).
        return (
            f"<source of {self.name}, {len(self.code.splitlines())} lines>"
        )

    def __str__(self):
        return self.code


def _resolve(name):
    """Import ``lvmteach.module.Object.attr`` from its dotted name."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {name!r}")


def show_source(obj):
    """The source of a function, class or method of the package, for display
    in a notebook.

    Parameters
    ----------
    obj : object or str
        The object, or its dotted name (``"lvmteach.mixture.e_step"``,
        ``"lvmteach.mixture.GaussianMixture.fit"``).

    Returns
    -------
    Source
        Displays as the source in a fenced ``python`` block; ``str()`` gives
        the code.
    """
    if isinstance(obj, str):
        name, obj = obj, _resolve(obj)
    else:
        name = f"{obj.__module__}.{obj.__qualname__}"
    code = textwrap.dedent(inspect.getsource(obj)).rstrip("\n")
    return Source(name, code)
