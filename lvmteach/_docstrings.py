"""Plain references in the package's docstrings:
``python -m lvmteach._docstrings``.

Docstrings are read in ``help()``, in Jupyter and, quoted with the package
code, in the HTML book, where Sphinx roles are not rendered: an ``:eq:``
role naming gmm-resp or a ``:func:`` role naming e_step is markup a reader
cannot follow. This rewrites them, in docstrings only (function bodies are
untouched), to text that reads the same everywhere:

* an equation (``:eq:``) or a labelled algorithm/theorem (``:ref:``,
  ``:prf:ref:``) becomes its label and chapter:
  ``(gmm-resp) in the chapter "The EM algorithm"``. In the HTML book the
  label is the equation's anchor (``#equation-gmm-resp``); in the notebook
  it is the ``(gmm-resp)`` tag after the formula;
* ``:func:``, ``:meth:``, ``:class:``, ``:mod:``, ``:data:``, ``:attr:``
  become ````name````;
* a citation (``{cite}``) becomes the author-year text of references.bib:
  (Kingma and Welling 2014).

Idempotent: run it again after merging branches that add docstrings.
``tests/test_docstrings.py`` checks that no role markup is left in any
public docstring.
"""

import ast
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lvmteach"
ROLE = re.compile(
    r"(?:\{(?P<myst>cite|eq|ref|doc|numref)\}|:(?P<rst>prf:ref|eq|ref|numref|doc|"
    r"func|meth|class|mod|data|attr|obj|exc):)`(?P<target>[^`]+)`"
)
PY_ROLES = {"func", "meth", "class", "mod", "data", "attr", "obj", "exc"}


def labels():
    """{label: chapter title} for every numbered equation and labelled
    directive in the book.
    """
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [
        c["file"]
        for part in toc.get("parts", [])
        for c in part.get("chapters", [])
    ]
    out = {}
    for f in files:
        path = ROOT / f"{f}.ipynb"
        if not path.exists():
            continue
        nb = json.loads(path.read_text())
        text = "\n".join(
            "".join(c["source"])
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            and not c["metadata"].get("lvmteach-macros")
        )
        title = re.search(r"^#\s+(.+)$", text, re.M)
        title = title.group(1).strip() if title else pathlib.Path(f).stem
        for lbl in re.findall(r"\$\$\s*\(([\w:-]+)\)", text):
            out.setdefault(lbl, title)
        for lbl in re.findall(r"^:label:\s*([\w:-]+)", text, re.M):
            out.setdefault(lbl, title)
        for lbl in re.findall(r"^\(([\w:-]+)\)=\s*$", text, re.M):
            out.setdefault(lbl, title)
    return out


def citations():
    """{key: 'Surname Year' or 'A and B Year' or 'A et al. Year'} from
    references.bib.
    """
    bib = (ROOT / "references.bib").read_text()
    out = {}
    for m in re.finditer(r"@\w+\{([^,]+),(.*?)\n\}", bib, re.S):
        key, body = m.group(1).strip(), m.group(2)
        author = re.search(r"author\s*=\s*\{(.*?)\},?\s*\n", body, re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", body)
        if not (author and year):
            continue
        names = [
            a.strip()
            for a in re.split(
                r"\s+and\s+", " ".join(author.group(1).split())
            )
        ]
        last = [
            re.sub(
                r"[{}]", "", n.split(",")[0] if "," in n else n.split()[-1]
            )
            for n in names
        ]
        who = (
            last[0]
            if len(last) == 1
            else (
                " and ".join(last)
                if len(last) == 2
                else f"{last[0]} et al."
            )
        )
        out[key] = f"{who} {year.group(1)}"
    return out


def plain(match, where, cites, seen):
    role = match.group("myst") or match.group("rst")
    target = match.group("target").strip()
    if role in PY_ROLES:
        name = target.lstrip("~")
        if target.startswith("~"):
            name = name.rsplit(".", 1)[-1]
        return f"``{name}``"
    if role == "cite":
        return (
            "("
            + "; ".join(
                cites.get(k.strip(), k.strip()) for k in target.split(",")
            )
            + ")"
        )
    label = re.sub(r"^.*<(.+)>$", r"\1", target)
    chapter = where.get(label)
    # name each chapter once per docstring
    if not chapter or chapter in seen:
        return f"({label})"
    seen.add(chapter)
    return f'({label}) in the chapter "{chapter}"'


def docstring_lines(tree):
    """(first line, last line) of every docstring in a module's syntax tree
    (1-based).
    """
    for node in ast.walk(tree):
        if isinstance(
            node,
            (
                ast.Module,
                ast.ClassDef,
                ast.FunctionDef,
                ast.AsyncFunctionDef,
            ),
        ):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                yield body[0].lineno, body[0].end_lineno


def fix_file(path, where, cites):
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    changed = False
    for first, last in docstring_lines(ast.parse(text)):
        chunk = "".join(lines[first - 1:last])
        seen = {t for t in set(where.values()) if f'"{t}"' in chunk}
        new = ROLE.sub(lambda m: plain(m, where, cites, seen), chunk)
        if new != chunk:
            new_lines = new.splitlines(keepends=True)
            assert len(new_lines) == last - first + 1
            lines[first - 1:last] = new_lines
            changed = True
    if changed:
        path.write_text("".join(lines))
    return changed


def main(argv=None):
    where, cites = labels(), citations()
    for path in sorted(PACKAGE.rglob("*.py")):
        if fix_file(path, where, cites):
            print(f"rewrote references in {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
