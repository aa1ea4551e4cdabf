"""Hygiene of the stored notebooks: the reference results nbval compares against."""

import json
import pathlib
import re

import pytest
import yaml

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
    return sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))]
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
            texts = [out.get("text", "")] if out["output_type"] == "stream" else [out.get("data", {}).get("text/plain", "")]
            for text in texts:
                text = "".join(text)
                m = long_float.search(text)
                assert m is None, f"{path.name}, code cell {i}: prints the unrounded number {m.group()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_have_alt_text(path):
    for i, cell in enumerate(code_cells(path)):
        has_image = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        if has_image:
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert alt.strip(), f"{path.name}, code cell {i}: a figure without alt text (metadata mystnb.image.alt)"


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
                    assert alpha.getextrema()[0] == 255, f"{path.name}, code cell {i}: figure has transparent pixels"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_is_quoted_not_pasted(path):
    """A chapter must not define the package's functions again: it quotes them."""
    import ast

    import lvmteach  # noqa: F401

    package_names = set()
    for module in (ROOT / "lvmteach").rglob("*.py"):
        tree = ast.parse(module.read_text())
        package_names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}
    # Exercise stubs deliberately share a name with the reference only under a "my_" prefix.
    for i, cell in enumerate(code_cells(path)):
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        pasted = defined & package_names
        assert not pasted, f"{path.name}, code cell {i}: redefines {sorted(pasted)} from lvmteach; quote it instead"
