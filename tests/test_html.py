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
