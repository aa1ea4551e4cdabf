"""The built book in a real browser, at a phone's width (390 px) and a desktop's (1280 px).

Run after `make book` (`make test` does both in order). Headless Chromium (Debian's package,
driven by Playwright from the package index) opens every page of the table of contents and
checks what a reader would see:

* no inline formula is clipped (scrolling sideways is fine, cutting it off is not);
* no page is wider than the screen (the reader never scrolls the whole page sideways);
* no display formula is wider than the text column at desktop width;
* no unparsed TeX is left as text (a ``$``, a command such as ``\\sum``, ``_{``, ``\\(``);
* figure labels are at least 7 CSS px (a figure may shrink only so far);
* no error in the browser console;
* ruff's line-length limit (pyproject.toml) fits the code blocks of the text column at 1280 px,
  and no code block scrolls (`make lint` keeps every line within that limit).

Without Chromium this is skipped, unless LVM_REQUIRE_BROWSER=1 (set by .ci/run), where it fails.
"""

import os

import pytest

from test_html import HTML, chromium, pages

pytestmark = [pytest.mark.built_book, pytest.mark.browser]

WIDTHS = (390, 1280)

MEASURE = r"""
() => {
  const vw = window.innerWidth;
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const column = article ? article.clientWidth : vw;
  const out = {pageWidth: document.documentElement.scrollWidth, column: column,
               clipped: [], wide: [], raw: [], inline: 0, displays: 0};
  for (const s of document.querySelectorAll('span.math')) {
    out.inline++;
    const style = getComputedStyle(s);
    if (s.scrollWidth > s.clientWidth + 1 && ['hidden', 'clip'].includes(style.overflowX)) {
      out.clipped.push(s.textContent.slice(0, 60));
    }
  }
  for (const m of document.querySelectorAll('div.math mjx-container')) {
    out.displays++;
    const inner = m.querySelector('mjx-math');
    const width = inner ? inner.getBoundingClientRect().width : m.scrollWidth;
    if (width > column + 1) out.wide.push(Math.round(width) + ' px: ' + m.textContent.slice(0, 50));
  }
  // Figures: Matplotlib's 10-pt labels at the book's 80 dpi are 11.1 CSS px at full size; the
  // figure may shrink to fit the screen only as far as the labels stay at least 7 px.
  out.smallFigures = [];
  for (const img of document.querySelectorAll('div.cell_output img')) {
    // its full CSS width: set by the notebook's metadata (retina PNGs are twice that in pixels)
    const full = parseFloat(img.style.width) || Number(img.getAttribute('width'))
      || img.naturalWidth;
    const shown = img.getBoundingClientRect().width;
    if (full && shown && 11.1 * shown / full < 7) {
      out.smallFigures.push(Math.round(11.1 * shown / full * 10) / 10 + ' px: '
                            + (img.getAttribute('alt') || '').slice(0, 40));
    }
  }
  // Code (cells and quoted package functions, not outputs) that scrolls sideways, and how many
  // characters of the monospace font fit in a code block of the text column (not one indented
  // in an exercise or solution): the limit for the linter.
  out.scrollingCode = [];
  out.codeChars = null;
  for (const pre of document.querySelectorAll('div.highlight pre')) {
    if (pre.closest('.cell_output')) continue;
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const longest = pre.textContent.split('\n')
        .reduce((a, b) => (b.length > a.length ? b : a), '');
      out.scrollingCode.push(longest.length + ' chars: ' + longest.trim().slice(0, 60));
    }
    if (pre.clientWidth > 0
        && !pre.closest('.admonition, details, .dropdown, .solution, .exercise')) {
      const probe = document.createElement('span');
      probe.textContent = 'x'.repeat(100);
      pre.appendChild(probe);
      const charWidth = probe.getBoundingClientRect().width / 100;
      probe.remove();
      const cs = getComputedStyle(pre);
      const inner = pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      const chars = Math.floor(inner / charWidth);
      if (out.codeChars === null || chars < out.codeChars) out.codeChars = chars;
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent
        || parent.closest('pre, code, mjx-container, script, style, textarea, .highlight')) {
      continue;
    }
    const text = node.textContent;
    // A dollar sign, a TeX command (\\sum, \\mathrm), a sub/superscript brace or a \\( left
    // in the text means MyST or MathJax did not parse a formula.
    if (/\$|\\[A-Za-z]{2,}|[_^]\{|\\\(|\\\[/.test(text)) out.raw.push(text.trim().slice(0, 80));
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def measured():
    browser_path = chromium()
    if browser_path is None:
        if os.environ.get("LVM_REQUIRE_BROWSER") == "1":
            pytest.fail("LVM_REQUIRE_BROWSER=1 but no Chromium found: apt-get install chromium")
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    results = {}
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update"]
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=args)
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for path in pages():
                errors.clear()
                page.goto(path.as_uri())
                page.wait_for_load_state("load")
                page.evaluate(
                    "() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null"
                )
                result = page.evaluate(MEASURE)
                result["errors"] = list(errors)
                results[(path.relative_to(HTML).as_posix(), width)] = result
            context.close()
        browser.close()
    print(
        "\npage                                             width  inline  displays  wide  "
        "clipped  raw  errors"
        "  code-scroll  code-chars"
    )
    for (name, width), r in sorted(results.items()):
        print(f"{name:48s} {width:5d} {r['inline']:7d} {r['displays']:9d} {len(r['wide']):5d} "
              f"{len(r['clipped']):8d} {len(r['raw']):4d} {len(r['errors']):7d} "
              f"{len(r['scrollingCode']):12d}"
              f" {r['codeChars'] if r['codeChars'] is not None else '-':>11}")
    return results


CASES = [(p.relative_to(HTML).as_posix(), w) for p in pages() for w in WIDTHS]


@pytest.mark.parametrize("name, width", CASES)
def test_no_inline_formula_is_clipped(measured, name, width):
    assert not measured[(name, width)]["clipped"], measured[(name, width)]["clipped"]


@pytest.mark.parametrize("name, width", CASES)
def test_page_is_not_wider_than_the_screen(measured, name, width):
    assert measured[(name, width)]["pageWidth"] <= width, (
        f"{name} is {measured[(name, width)]['pageWidth']} px wide at {width} px"
    )


@pytest.mark.parametrize("name", [p.relative_to(HTML).as_posix() for p in pages()])
def test_no_display_formula_is_wider_than_the_desktop_column(measured, name):
    assert not measured[(name, 1280)]["wide"], measured[(name, 1280)]["wide"]


@pytest.mark.parametrize("name, width", CASES)
def test_no_unparsed_tex_is_shown(measured, name, width):
    assert not measured[(name, width)]["raw"], measured[(name, width)]["raw"]


@pytest.mark.parametrize("name, width", CASES)
def test_figure_labels_stay_legible(measured, name, width):
    assert not measured[(name, width)]["smallFigures"], measured[(name, width)]["smallFigures"]


@pytest.mark.parametrize("name, width", CASES)
def test_no_console_errors(measured, name, width):
    assert not measured[(name, width)]["errors"], measured[(name, width)]["errors"]


# Code lines are kept within the desktop column by ruff's line-length limit ([tool.ruff] in
# pyproject.toml: the characters that fit in the narrowest code block at 1280 px; `make lint`).
@pytest.mark.parametrize("name", [p.relative_to(HTML).as_posix() for p in pages()])
def test_no_code_block_scrolls_at_desktop_width(measured, name):
    assert not measured[(name, 1280)]["scrollingCode"], measured[(name, 1280)]["scrollingCode"]


def test_ruff_line_length_fits_the_narrowest_code_block(measured):
    import tomllib

    from test_notebooks import ROOT

    limit = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["line-length"]
    fits = min(
        r["codeChars"] for (name, width), r in measured.items() if width == 1280 and r["codeChars"]
    )
    assert limit <= fits, (
        f"ruff's line-length {limit} is longer than the {fits} characters a code block shows "
        "at 1280 px"
    )
    assert limit >= fits - 4, (
        f"ruff's line-length {limit} is needlessly short: a code block shows {fits} characters"
    )
