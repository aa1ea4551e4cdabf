"""Docstrings read well wherever they are shown: help(), Jupyter, the quoted code in the book.

Sphinx/MyST role markup is rendered nowhere a docstring is read (the package has no API pages),
so none is allowed: an equation is named by its label and chapter, a function as ``name``, a
citation by author and year (``python -m lvmteach._docstrings`` rewrites them).
"""

import ast
import importlib
import inspect
import pathlib
import pkgutil
import re

import pytest

import lvmteach
from lvmteach._docstrings import ROLE, citations, labels, plain

ROOT = pathlib.Path(__file__).resolve().parents[1]


def public_docstrings():
    """(qualified name, docstring) of every public module, class, function and method."""
    seen = set()
    for info in pkgutil.walk_packages(lvmteach.__path__, "lvmteach."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        yield info.name, inspect.getdoc(module) or ""
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != info.name:
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{info.name}.{name}", inspect.getdoc(obj) or ""
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") and attr != "__init__":
                        continue
                    member = getattr(member, "__func__", member)
                    if isinstance(member, property):
                        member = member.fget
                    if callable(member) and member.__doc__:
                        yield f"{info.name}.{name}.{attr}", inspect.getdoc(member)


def test_the_role_pattern_finds_markup():
    for markup in (":eq:`gmm-resp`", ":func:`e_step`", "{cite}`kingma2018`", ":prf:ref:`alg-omp`",
                   "{eq}`vae-elbo`", ":class:`~lvmteach.nn.Dense`"):
        assert ROLE.search(f"see {markup} here"), markup
    assert not ROLE.search("``:eq:`` as a literal, ``{cite}`` too")


def test_the_plain_text_names_label_chapter_and_authors():
    where, cites = labels(), citations()
    m = ROLE.search(":eq:`gmm-resp`")
    assert plain(m, where, cites, set()) == '(gmm-resp) in the chapter "The EM algorithm"'
    m = ROLE.search("{cite}`kingma2014,rezende2014`")
    assert plain(m, where, cites, set()) == "(Kingma and Welling 2014; Rezende et al. 2014)"
    m = ROLE.search(":func:`~lvmteach.mixture.e_step`")
    assert plain(m, where, cites, set()) == "``e_step``"


def test_every_public_docstring_is_free_of_role_markup():
    found = [
        f"{name}: {m.group()}" for name, doc in public_docstrings() for m in ROLE.finditer(doc)
    ]
    assert not found, f"{len(found)} role markups in docstrings, e.g. {found[:5]}"


@pytest.mark.parametrize("path", sorted((ROOT / "lvmteach").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_docstring_in_the_source_has_role_markup(path):
    """Private helpers too: their docstrings show in the quoted code."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        doc = ast.get_docstring(node, clean=False) if isinstance(
            node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if doc:
            m = ROLE.search(doc)
            assert m is None, f"{path.name}: {getattr(node, 'name', 'module')} has {m.group()}"


def test_every_equation_label_named_in_a_docstring_exists_in_the_book():
    where = labels()
    import re
    # A long chapter title may be wrapped onto the next line of the docstring.
    for path in (ROOT / "lvmteach").rglob("*.py"):
        for label, chapter in re.findall(
            r'\(([\w:-]+)\)\s+in\s+the\s+chapter\s+"([^"]+)"', path.read_text()
        ):
            chapter = " ".join(chapter.split())
            assert where.get(label) == chapter, f"{path.name}: ({label}) is not in {chapter!r}"


# A list of equations cut in two by the chapter's name: 'eqs. (gmm-nk) in the chapter "The EM
# algorithm"–(gmm-cov)' (the rewriting of ":eq:`a`–:eq:`b`" named the chapter after the first).
SPLIT_LIST = re.compile(r'in\s+the\s+chapter\s+"[^"]+"\s*[,–-]\s*\([\w-]+\)')


@pytest.mark.parametrize("path", sorted((ROOT / "lvmteach").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_equation_lists_name_the_chapter_once_at_the_end(path):
    m = SPLIT_LIST.search(path.read_text())
    assert m is None, f"{path.name}: {m.group()!r}; write '(a) and (b) in the chapter ...'"
