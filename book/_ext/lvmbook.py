r"""Local Sphinx extension of the book: bibliography labels and page assets.

1. Author-year labels in the bibliography, matching the author-year citations in the text.
   sphinxcontrib-bibtex cites in the text as "[Bishop, 2006]" (``bibtex_reference_style:
author_year``) but labels the reference list with pybtex's default alpha labels ("[Bis06]").
This registers a pybtex style ``authoryear`` whose labels are "Bishop, 2006", "Lee and Seung,
1999", "Blei et al., 2003" (a letter is added to tell apart equal labels), sorted by author and
year,    so a reader finds the entry by the same words the text uses.
2. The notation macros of ``_config.yml`` (MathJax's ``tex.macros``) in the PDF too. LaTeX uses
   short names such as ``\x`` internally, so in the LaTeX output every macro is renamed with an
   ``lvm`` prefix (``\x`` -> ``\lvmx``) and defined in the preamble: one list of macros serves
   the HTML, the PDF and (generated from it) Jupyter.
3. No sphinx-thebe on the pages. Jupyter Book 1 always loads it, even with thebe off, and injects
   its inline configuration twice (every page then logs "Identifier 'THEBE_JS_URL' has already
   been declared"); the book has no live-code buttons, so its script and stylesheet go.
4. Unique HTML ids. sphinx-exercise and sphinx-proof give the body of every exercise, solution,
   theorem and definition the same id (``exercise-content``, ``solution-content``,
   ``proof-content``) and every unlabelled proof the id ``proof``: a page had up to 15 duplicate
   ids. The constant body ids (nothing links to them) are dropped; any other id used again on a
   page gets a numbered suffix on its later uses, so links to the first one are unchanged.
5. MathJax (1 MB and a typesetting pass) only on pages with math, the preface included.
6. The index of results (``prf-prf.html``, linked from the notation page) lists each theorem,
   definition and algorithm by its kind and title with its chapter, not by its raw label.
7. Equation references in quoted code become links with numbers. The package's docstrings cite
   an equation by its label, ``eq. (gmm-resp) in the chapter "The EM algorithm"``: followable in
   help() and Jupyter, where the chapter's source shows the label, but not on a page, where
   equations show numbers only. In every highlighted code block (the chapters' quoted source)
   a ``(label)`` that names a numbered equation or a labelled result becomes a link to it
   showing its number: ``eq. (2.2)``, ``(eq. 2.2)`` where no "eq." precedes, ``(Algorithm 3.1)``;
   the label stays in the link's title. ``tests/test_html.py`` checks every one.
8. No ``fontawesome.js`` (1.5 MB on every page). The theme loads it only "so that users can add
   custom icons"; the book has none, and the theme's stylesheet already draws its own icons
   from the Font Awesome web fonts. The script tag is in the theme's template, not in Sphinx's
   asset list, so it is removed from the written pages, and the file from ``_static``.
9. PDF chapter numbers equal the HTML ones. The LaTeX builder numbers every chapter of the
   single document, so the preface's sections and the unnumbered "Getting started" pages
   shifted the numbers (Variational inference was Chapter 10 while its results, numbered by
   sphinx-proof as in the HTML, read "Definition 3.1"). Chapters the HTML leaves unnumbered
   are unnumbered in the PDF too (``secnumdepth`` -1 around them), and the chapter counter
   starts again at 0 before the first numbered one.
"""

import re
from pathlib import Path

from docutils import nodes
from sphinx.domains import Index
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle


def _surname(person):
    return " ".join(person.prelast_names + person.last_names).replace("{", "").replace("}", "")


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = []
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_surname(p) for p in people]
            if not names:
                who = entry.fields.get("title", entry.key)[:20]
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            labels.append(f"{who}, {entry.fields.get('year', 'n.d.')}")
        seen = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        suffix = {}
        for label in labels:
            if seen[label] > 1:
                suffix[label] = suffix.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[suffix[label] - 1]
            else:
                yield label


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = SortingStyle


def _drop_thebe(app, pagename, templatename, context, doctree):
    def keep(asset):
        text = str(getattr(asset, "filename", "") or "") + str(
            getattr(asset, "attributes", {}).get("body", "")
        )
        return "thebe" not in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if keep(asset)]


_FONTAWESOME_JS = re.compile(
    r'[ \t]*<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*></script>\n?'
)


def _drop_fontawesome_js(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = _FONTAWESOME_JS.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)


def _latex_chapter_numbers(app, doctree, docname):
    if app.builder.format != "latex":
        return
    from sphinx import addnodes

    def raw(tex):
        return nodes.raw("", tex + "\n", format="latex")

    numbered, started = False, False
    doctree.insert(0, raw(r"\setcounter{secnumdepth}{-1}"))
    for node in list(doctree.findall(addnodes.start_of_file)):
        is_numbered = bool(app.env.toc_secnumbers.get(node.get("docname")))
        if is_numbered == numbered:
            continue
        if is_numbered:
            tex = r"\setcounter{secnumdepth}{2}"   # sphinxmanual's default
            if not started:
                tex += r"\setcounter{chapter}{0}"
                started = True
        else:
            tex = r"\setcounter{secnumdepth}{-1}"
        node.parent.insert(node.parent.index(node), raw(tex))
        numbered = is_numbered


def _drop_unused_mathjax(app, pagename, templatename, context, doctree):
    """No MathJax on a page without math. Sphinx already leaves it off most such pages, but not
    off a page whose toctree includes pages with math (the preface, the root of the book)."""
    if 'class="math' in (context.get("body") or ""):
        return

    def keep(asset):
        text = str(getattr(asset, "filename", "") or "") + str(
            getattr(asset, "attributes", {}).get("body", "")
        )
        return "mathjax" not in text.lower()

    if "script_files" in context:
        context["script_files"] = [asset for asset in context["script_files"] if keep(asset)]


def _macros(config):
    return config.mathjax3_config.get("tex", {}).get("macros", {}) if config.mathjax3_config else {}


def _latex_preamble(app, config):
    macros = _macros(config)
    lines = [r"\newcommand{\lvm%s}{%s}" % (name, body) for name, body in macros.items()]
    elements = dict(config.latex_elements or {})
    elements["preamble"] = (
        elements.get("preamble", "")
        + "\n% notation macros (_config.yml)\n"
        + "\n".join(lines)
        + "\n"
    )
    config.latex_elements = elements


def _rename_macros(app, doctree, docname):
    if app.builder.format != "latex":
        return
    macros = _macros(app.config)
    if not macros:
        return
    names = "|".join(sorted(map(re.escape, macros), key=len, reverse=True))
    pattern = re.compile(r"\\(%s)(?![A-Za-z])" % names)
    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))):
        text = node.astext()
        renamed = pattern.sub(lambda m: "\\lvm" + m.group(1), text)
        if renamed != text:
            node.children = []
            node += nodes.Text(renamed)


_CONSTANT_IDS = re.compile(r'\s+id="(?:exercise|solution|proof)-content"')
_ID = re.compile(r'(\sid=")([^"]+)(")')


def _unique_ids(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    uses = {}

    def rename(match):
        ident = match.group(2)
        uses[ident] = uses.get(ident, 0) + 1
        if uses[ident] == 1:
            return match.group(0)
        return f"{match.group(1)}{ident}-{uses[ident]}{match.group(3)}"

    context["body"] = _ID.sub(rename, _CONSTANT_IDS.sub("", body))


def _note_proof_titles(app, doctree):
    """Record each result's title and kind beside sphinx-proof's label list (env.proof_list)."""
    proofs = getattr(app.env, "proof_list", {})
    for node in doctree.findall(nodes.Element):
        label = node.get("label") if "realtype" in node else None
        if label in proofs:
            title = (node.get("title") or "").strip()  # proof_title_format wraps it: " (%t)"
            if title.startswith("(") and title.endswith(")"):
                title = title[1:-1]
            # the index is plain text: "$\\log Z$" -> "log Z", "CD-$k$" -> "CD-k"
            proofs[label]["title"] = re.sub(r"\\([A-Za-z]+)", r"\1", title.replace("$", ""))


class ResultIndex(Index):
    """sphinx-proof's index, by kind (Algorithms, Definitions, ...) and title, with the chapter."""

    name = "prf"
    localname = "Index of theorems, definitions and algorithms"
    shortname = "Results"

    def generate(self, docnames=None):
        content = {}
        env = self.domain.env
        for label, values in getattr(env, "proof_list", {}).items():
            kind = values["realtype"].title()
            title = values.get("title") or label
            chapter = env.titles.get(values["docname"])
            chapter = chapter.astext() if chapter is not None else values["docname"]
            # name, subtype, docname, anchor, extra, qualifier, description
            content.setdefault(kind + "s", []).append(
                (title, 0, values["docname"], label, chapter, "", label))
        result = [
            (kind, sorted(entries, key=lambda e: e[0].lower()))
            for kind, entries in sorted(content.items())
        ]
        return result, True


_CODE_BLOCK = re.compile(
    r'(<div class="highlight-[^"]*"><div class="highlight"><pre>)(.*?)(</pre>)', re.S
)
# Within one highlighted token (a docstring or comment line), and not a call: "(gamma)" in
# the code ``f(gamma)`` is split over several <span>s, in a docstring it follows a name.
_LABEL = re.compile(r"(?<![\w.`])\(([\w:-]+)\)")
_SAYS_EQ = re.compile(r"(?:\beqs?\.|\bequations?|[–-])\s*\(?$")  # "eq. (", "(2.3)–("


def _numbered_targets(env):
    """{label: (docname, anchor, kind, number)} for numbered equations and labelled results."""
    targets = {}
    for label, (docname, _) in env.get_domain("math").equations.items():
        numbers = env.toc_fignumbers.get(docname, {}).get("displaymath", {})
        anchor = nodes.make_id(f"equation-{label}")   # ids are lowercase: gmm-Q -> equation-gmm-q
        number = numbers.get(f"equation-{label}") or numbers.get(anchor)
        if number:
            targets[label] = (docname, anchor, "eq.", ".".join(map(str, number)))
    for label, values in getattr(env, "proof_list", {}).items():
        docname, kind = values["docname"], values["realtype"]
        number = env.toc_fignumbers.get(docname, {}).get(kind, {}).get(label)
        if number and label not in targets:
            targets[label] = (docname, label, kind.title(), ".".join(map(str, number)))
    return targets


def _link_labels_in_code(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body or "<pre>" not in body:
        return
    targets = _numbered_targets(app.env)

    def link(match):
        label = match.group(1)
        if label not in targets:
            return match.group(0)
        docname, anchor, kind, number = targets[label]
        uri = app.builder.get_relative_uri(pagename, docname) + "#" + anchor
        before = match.string[max(0, match.start() - 12):match.start() + 1]
        text = number if kind == "eq." and _SAYS_EQ.search(before) else f"{kind} {number}"
        return (f'(<a class="reference internal numbered-ref" href="{uri}" '
                f'title="{label}">{text}</a>)')

    def block(match):
        return match.group(1) + _LABEL.sub(link, match.group(2)) + match.group(3)

    context["body"] = _CODE_BLOCK.sub(block, body)


def setup(app):
    from sphinx_proof.domain import ProofDomain

    ProofDomain.indices = {ResultIndex}
    app.connect("doctree-read", _note_proof_titles)
    app.connect("html-page-context", _unique_ids, priority=950)
    app.connect("html-page-context", _drop_unused_mathjax, priority=900)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    app.connect("config-inited", _latex_preamble)
    app.connect("doctree-resolved", _rename_macros)
    app.connect("doctree-resolved", _latex_chapter_numbers)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _link_labels_in_code, priority=940)
    app.connect("build-finished", _drop_fontawesome_js)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
