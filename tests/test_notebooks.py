"""Hygiene of the stored notebooks: the reference results nbval compares against."""

import json
import pathlib
import re

import pytest
import yaml

from lvmteach._notebooks import find_notebooks

ROOT = pathlib.Path(__file__).resolve().parents[1]


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return files


def toc_notebooks():
    return [ROOT / f"{f}.ipynb" for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]


def all_notebooks():
    return list(find_notebooks([ROOT / "book"]))


def test_every_toc_entry_exists():
    missing = [
        f
        for f in toc_files()
        if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_notebooks())
    orphans = [str(p.relative_to(ROOT)) for p in all_notebooks() if p not in listed]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"


NOTEBOOKS = all_notebooks()
IDS = [str(p.relative_to(ROOT / "book")) for p in NOTEBOOKS]


def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_top_to_bottom(path):
    counts = [c.get("execution_count") for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..n; re-run it with make notebooks"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_errors_warnings_or_stderr(path):
    for i, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}, code cell {i}: stores an error"
            if out["output_type"] == "stream":
                assert out["name"] != "stderr", f"{path.name}, code cell {i}: stores stderr output"
                # The warnings module's own format ("file.py:12: SomeWarning: ..."); a demo that
                # catches a warning and prints its message on purpose is fine.
                assert not re.search(r":\d+: \w*Warning\b:", "".join(out["text"])), (
                    f"{path.name}, code cell {i}: an uncaught warning is printed in its output"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_raw_long_floats_printed(path):
    """Printed numbers are rounded so the stored outputs compare stably across machines."""
    long_float = re.compile(r"(?<![\w.])-?\d+\.\d{9,}")
    for i, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            texts = (
                [out.get("text", "")]
                if out["output_type"] == "stream"
                else [out.get("data", {}).get("text/plain", "")]
            )
            for text in texts:
                text = "".join(text)
                m = long_float.search(text)
                assert m is None, (
                    f"{path.name}, code cell {i}: prints the unrounded number {m.group()}"
                )


def output_lines(path):
    """(code cell index, line) for every line of text a notebook stores as output."""
    for i, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                text = "".join(out.get("text", ""))
            else:
                text = "".join(out.get("data", {}).get("text/plain", ""))
            for line in text.splitlines():
                yield i, line


# A value this small is round-off: it changes with the CPU, the BLAS kernel and the NumPy version
# (4.4e-16 here is 0.0e+00 there). It may appear only as the bound an agreement check asserts.
ROUNDOFF = re.compile(r"(?<![\w.])\d(\.\d+)?e-(0[89]|[1-9]\d)\b|(?<![\w.])0\.0+e[+-]00\b")
BOUND_BEFORE = re.compile(r"(<|≤|below|under|at most|within|to|tol=?|tolerance)\s*$")
SIGNED_ZERO = re.compile(r"(?<![\w.])-0(\.0*)?(?![\d.]*[1-9])(?![\d.]*e)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_roundoff_values_printed(path):
    """The portability policy (CONTRIBUTING.md): round-off is printed only as an asserted bound."""
    for i, line in output_lines(path):
        for m in ROUNDOFF.finditer(line):
            assert BOUND_BEFORE.search(line[: m.start()]), (
                f"{path.name}, code cell {i}: prints the round-off value {m.group()!r} "
                f"({line.strip()[:100]!r}); "
                "print the bound it meets with lvmteach.report.agree, or round it"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_signed_zeros_printed(path):
    """-0. is round-off's sign: it differs between machines. Use lvmteach.report.rounded."""
    for i, line in output_lines(path):
        m = SIGNED_ZERO.search(line)
        assert m is None, (
            f"{path.name}, code cell {i}: prints a signed zero ({line.strip()[:100]!r})"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_have_alt_text(path):
    for i, cell in enumerate(code_cells(path)):
        has_image = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if has_image:
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert alt.strip(), (
                f"{path.name}, code cell {i}: a figure without alt text (metadata mystnb.image.alt)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_have_opaque_background(path):
    import base64
    import io

    from PIL import Image

    for i, cell in enumerate(code_cells(path)):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                image = Image.open(io.BytesIO(base64.b64decode(png)))
                if image.mode in ("RGBA", "LA", "P"):
                    alpha = image.convert("RGBA").getchannel("A")
                    assert alpha.getextrema()[0] == 255, (
                        f"{path.name}, code cell {i}: figure has transparent pixels"
                    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_is_quoted_not_pasted(path):
    """A chapter must not define the package's functions again: it quotes them."""
    import ast

    import lvmteach  # noqa: F401

    package_names = set()
    for module in (ROOT / "lvmteach").rglob("*.py"):
        tree = ast.parse(module.read_text())
        package_names |= {
            n.name
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")
        }
    # Exercise stubs deliberately share a name with the reference only under a "my_" prefix.
    for i, cell in enumerate(code_cells(path)):
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        pasted = defined & package_names
        assert not pasted, (
            f"{path.name}, code cell {i}: redefines {sorted(pasted)} from lvmteach; quote it "
            "instead"
        )


def test_every_chapter_has_a_recorded_time_within_its_budget():
    """Time in class: `make notebooks` records each chapter's run time
    (book/execution_times.json).
    """
    import json

    from lvmteach._notebooks import budget

    record = json.loads((ROOT / "book" / "execution_times.json").read_text())
    times = record["times"]
    for path in toc_notebooks():
        name = path.relative_to(ROOT / "book").as_posix()
        assert name in times, (
            f"{name}: no recorded run time; execute it with python -m lvmteach._notebooks "
            f"{path.parent}"
        )
        assert times[name] <= budget(name), (
            f"{name}: ran in {times[name]} s, over its {budget(name):.0f} s budget"
        )


def test_execution_statistics_page_lists_every_chapter():
    page = (ROOT / "book" / "execution_statistics.md").read_text()
    for path in toc_notebooks():
        name = path.relative_to(ROOT / "book").as_posix()
        assert f"`{name}`" in page, (
            f"{name} is missing from book/execution_statistics.md; re-run python -m "
            "lvmteach._notebooks"
        )


def markdown_math_slips(source):
    """Markdown that MyST reads differently from what the author meant, in one cell's source.

    * A source line starting with ``+ ``, ``- `` or ``* `` while an inline formula is still
      open: Markdown starts a list item there, and the formula's both halves show as raw TeX.
    * A ``$$`` display that follows a text line without a blank line: inside a directive
      (``prf:theorem``, ``exercise``) MyST then reads the ``$$`` as inline text.
    """
    slips, in_display, in_inline, previous = [], False, False, ""
    for number, line in enumerate(source.split("\n"), 1):
        stripped = line.strip()
        if in_display:
            in_display = "$$" not in stripped
        elif stripped.startswith("$$"):
            if previous.strip() and not previous.strip().startswith((":", "```")):
                slips.append(f"line {number}: $$ display without a blank line before it")
            in_display = not (len(stripped) > 2 and "$$" in stripped[2:])
        elif not stripped:
            in_inline = False
        else:
            if in_inline and re.match(r"[-+*] ", stripped):
                slips.append(
                    f"line {number}: starts with {stripped[:2]!r} inside an inline formula (a "
                    "list item)"
                )
            if line.replace("\\$", "").replace("$$", "").count("$") % 2:
                in_inline = not in_inline
        previous = line
    return slips


def test_markdown_math_slips_are_found():
    assert markdown_math_slips("Then\n$$\nx\n$$\n")
    assert markdown_math_slips("so $a\n+ b$ holds")
    assert not markdown_math_slips("Then\n\n$$\nx\n+ y\n$$\n\n- a list $x$\n- item $y$")
    assert not markdown_math_slips("so $a + b$\n- a list item")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_markdown_math_slips(path):
    cells = json.loads(path.read_text())["cells"]
    slips = [
        f"markdown cell {i}, {slip}"
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown"
        for slip in markdown_math_slips("".join(c["source"]))
    ]
    assert not slips, f"{path.name}: {slips}"
