"""Checks of the built HTML book (run after `make book`; `make test` does both in order).

* every page in _toc.yml was built;
* nothing loads from the network: no external script, stylesheet or image;
* every image has alt text;
* no page uses an HTML id twice; MathJax is loaded only by pages with math; the index of
  theorems, definitions and algorithms is titled, lists titles and is linked from the notation page;
* in headless Chromium, every page with math shows typeset formulas (<mjx-container>) and no
  MathJax error (<mjx-merror>). Without Chromium this is skipped, unless LVM_REQUIRE_BROWSER=1
  (set by .ci/run), where it fails.
"""

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

from test_notebooks import toc_files

ROOT = pathlib.Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

pytestmark = pytest.mark.built_book


@pytest.fixture(scope="module", autouse=True)
def built_book():
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` first (make test does)")


def pages():
    return [HTML / f"{f}.html" for f in toc_files()]


class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external = []
        self.images_without_alt = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        url = None
        if tag == "script":
            url = a.get("src")
        elif tag == "link" and any(
            r in (a.get("rel") or "") for r in ("stylesheet", "preload", "icon")
        ):
            url = a.get("href")
        elif tag in ("img", "iframe", "source", "video", "audio"):
            url = a.get("src")
        if url and re.match(r"^(https?:)?//", url):
            self.external.append(f"<{tag}> {url}")
        if tag == "img" and not (a.get("alt") or "").strip():
            self.images_without_alt.append(a.get("src", "")[:80])


def test_every_toc_page_was_built():
    missing = [str(p.relative_to(HTML)) for p in pages() if not p.exists()]
    assert not missing, f"pages in _toc.yml but not in _build/html: {missing}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_page_loads_nothing_from_the_network(page):
    parser = Resources()
    parser.feed(page.read_text())
    assert not parser.external, f"{page.name} loads external resources: {parser.external}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_every_image_has_alt_text(page):
    parser = Resources()
    parser.feed(page.read_text())
    assert not parser.images_without_alt, (
        f"{page.name} has images without alt text: {parser.images_without_alt}"
    )


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def has_math(page):
    text = page.read_text()
    return 'class="math' in text or "\\(" in text


MATH_PAGES = [p for p in pages() if p.exists() and has_math(p)]


@pytest.mark.browser
@pytest.mark.parametrize("page", MATH_PAGES, ids=lambda p: p.stem)
def test_math_is_typeset_offline_in_chromium(page):
    browser = chromium()
    if browser is None:
        if os.environ.get("LVM_REQUIRE_BROWSER") == "1":
            pytest.fail("LVM_REQUIRE_BROWSER=1 but no Chromium found: apt-get install chromium")
        pytest.skip(
            "headless Chromium not installed (apt-get install chromium); math typesetting not "
            "checked"
        )
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=20000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    dom = result.stdout
    assert "<mjx-container" in dom, (
        f"{page.name}: no typeset math in the rendered page (MathJax did not run?)"
    )
    assert "<mjx-merror" not in dom, (
        f"{page.name}: MathJax reports an error: " + dom[dom.find("<mjx-merror"):][:300]
    )


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        ident = dict(attrs).get("id")
        if ident:
            self.ids.append(ident)


@pytest.mark.parametrize("page", pages() + [HTML / "prf-prf.html"], ids=lambda p: p.stem)
def test_no_page_has_a_duplicate_id(page):
    parser = Ids()
    parser.feed(page.read_text())
    seen, twice = set(), set()
    for ident in parser.ids:
        (twice if ident in seen else seen).add(ident)
    assert not twice, f"{page.name} uses these ids more than once: {sorted(twice)[:10]}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_mathjax_is_loaded_only_by_pages_with_math(page):
    text = page.read_text()
    has_math = 'class="math' in text
    loads = "mathjax" in " ".join(re.findall(r'<script[^>]*src="([^"]*)"', text)).lower()
    assert loads == has_math, f"{page.name}: math on the page {has_math}, MathJax loaded {loads}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_no_page_loads_the_icon_script(page):
    # 1.5 MB only "so that users can add custom icons"; the theme's CSS draws its own icons.
    scripts = " ".join(re.findall(r'<script[^>]*src="([^"]*)"', page.read_text()))
    assert "fontawesome" not in scripts, f"{page.name} loads fontawesome.js"
    assert not (HTML / "_static" / "scripts" / "fontawesome.js").exists()


def test_index_of_results_is_linked_and_titled():
    index = (HTML / "prf-prf.html").read_text()
    assert "Index of theorems, definitions and algorithms" in index
    assert "PLSA is KL-NMF" in index  # a result's title, not only its label
    assert "Theorems" in index and "Definitions" in index and "Algorithms" in index
    assert "prf-prf.html" in (HTML / "book" / "notation.html").read_text()


CODE_BLOCK = re.compile(
    r'<div class="highlight-[^"]*"><div class="highlight"><pre>(.*?)</pre>', re.S
)
NUMBERED_REF = re.compile(
    r'\(<a class="reference internal numbered-ref" href="([^"]*)" ' r'title="([^"]+)">([^<]+)</a>\)'
)


def book_labels():
    import sys

    sys.path.insert(0, str(ROOT))
    from lvmteach._docstrings import labels

    return labels()


def shown_number(page, anchor):
    """The number the book shows at an anchor: "(2.2)" beside an equation, "Algorithm 11.1 "."""
    text = page.read_text()
    eq = re.search(rf'id="{re.escape(anchor)}">\s*<span class="eqno">\(([\d.]+)\)', text)
    if eq:
        return eq.group(1)
    result = re.search(rf'id="{re.escape(anchor)}">\s*<p class="admonition-title">'
                       rf'<span class="caption-number">(\w+ [\d.]+)\s*</span>', text)
    return result.group(1) if result else None


def test_equations_cited_in_quoted_code_are_numbered_links():
    """A docstring cites "eq. (gmm-resp)"; on a page, where equations show numbers only, that
    label is a link showing the equation's number (book/_ext/lvmbook.py), and the link lands on
    an equation (or result) that shows the same number."""
    known = book_labels()
    unlinked, wrong, links = [], [], 0
    for page in pages():
        for block in CODE_BLOCK.findall(page.read_text()):
            for href, label, text in NUMBERED_REF.findall(block):
                links += 1
                target, _, anchor = href.partition("#")
                target_page = (page.parent / target).resolve() if target else page
                shown = shown_number(target_page, anchor) if target_page.exists() else None
                number = re.fullmatch(r"(?:eq\. )?(\d+\.\d+)|(\w+ \d+\.\d+)", text)
                expected = number and (number.group(1) or number.group(2))
                if label not in known or shown is None or shown != expected:
                    wrong.append(
                        f"{page.stem}: ({label}) shows {text!r}, target {href} shows {shown!r}"
                    )
            # a label in a docstring or comment is inside one token; "(gamma)" in the code
            # f(gamma) is split over <span>s, and in a docstring's f(gamma) it follows a name
            rest = NUMBERED_REF.sub("", block)
            unlinked += [
                f"{page.stem}: ({m})"
                for m in re.findall(r"(?<![\w.`])\(([\w:-]+)\)", rest)
                if m in known
            ]
    print(f"\n{links} equation/result references in quoted code, all numbered links")
    assert links >= 50, (
        f"only {links} numbered references in quoted code: is the link rewrite running?"
    )
    assert not unlinked, f"labels in quoted code that a reader cannot follow: {unlinked[:10]}"
    assert not wrong, f"references with a wrong number or target: {wrong[:10]}"
