"""Every chapter opened in a real JupyterLab and Jupyter Notebook 7 (with jupyterlab-myst), in
headless Chromium.

The classroom path: instructors and students read the chapters as notebooks. JupyterLab runs
from this environment on a loopback port (token, no browser, a private settings directory that
renders every cell at once); the same server serves Notebook 7's single-document interface
(``/notebooks/...``). Chromium (Debian's package, driven by Playwright) opens each chapter of
``_toc.yml`` in both and checks what a student sees:

* no math error (KaTeX/MathJax error nodes, "Undefined control sequence");
* no unrendered notation macro (``\\params``, ``\\given`` ... left as text), and ``\\prec`` is
  the precision matrix, not the relation ≺ (the macros come from ``_config.yml``);
* no raw MyST text (``:::{``, ``:pyobject:``, ``{cite}``, ``{eq}``, ``{literalinclude}``);
* the package code the chapter quotes is shown (``def name(`` / ``class name`` for each quote);
* every solution is collapsed until its summary is clicked (one click is tried per chapter);
* every labelled equation carries its label as its element id and shows a number, so a
  docstring's ``eq. (gmm-resp)`` has a target (``#gmm-resp``) in the chapter that defines it.
  (The number is jupyterlab-myst's own count of all displayed equations, (9) where the book,
  counting labelled ones, says (2.8): the notebook shows no label and not the book's number.)

A chapter fails until ``python -m lvmteach._jupyter book/`` has transformed it (see that
module). A per-chapter table of the counts is printed at the end (run with ``-s``).
Without Chromium or JupyterLab this is skipped, unless LVM_REQUIRE_BROWSER=1, where it fails.
"""

import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from test_browser import chromium
from test_notebooks import toc_files

pytestmark = [pytest.mark.browser]

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = [f for f in toc_files() if (ROOT / f"{f}.ipynb").exists()]
# The two Jupyter interfaces a chapter must read in, served by one Jupyter server.
UIS = {"JupyterLab": "lab/tree/{}.ipynb", "Notebook 7": "notebooks/{}.ipynb"}
TOKEN = "lvmteach-test"
RESULTS = {}

sys.path.insert(0, str(ROOT))
from lvmteach._jupyter import macros  # noqa: E402

MACROS = sorted(macros(), key=len, reverse=True)

MEASURE = r"""
([macros, labels]) => {
  const nb = document.querySelector('.jp-Notebook');
  const out = {errors: 0, macros: [], raw: [], text: '', code: '', solutions: 0, open: 0,
               exercises: 0, precedes: 0};
  out.errors = nb.querySelectorAll('.katex-error, mjx-merror, [data-mjx-error]').length;
  // Text a student reads: rendered markdown and outputs, not code inputs or TeX sources.
  const skip = 'pre, code, .jp-InputArea-editor, .katex-mathml, annotation, script, style, '
    + 'mjx-assistive-mml';
  const walker = document.createTreeWalker(nb, NodeFilter.SHOW_TEXT);
  let node, text = [];
  while ((node = walker.nextNode())) {
    const p = node.parentElement;
    if (!p || p.closest(skip)) continue;
    text.push(node.textContent);
  }
  out.text = text.join(' ');
  out.code = Array.from(nb.querySelectorAll('.jp-OutputArea pre, .jp-OutputArea code'))
    .map(e => e.textContent).join('\n');
  const texErrors = /Undefined control sequence|KaTeX parse error|ParseError/g;
  out.errors += (nb.textContent.match(texErrors) || []).length;
  for (const m of macros) {
    const re = new RegExp('\\\\' + m + '(?![A-Za-z])');
    const hit = re.exec(out.text);
    if (hit) {
      const around = out.text.slice(Math.max(0, hit.index - 40), hit.index + 40);
      out.macros.push('\\' + m + ' in "' + around + '"');
    }
  }
  for (const r of [':::{', '::::{', ':pyobject:', '{cite}', '{eq}', '{literalinclude}', '{doc}',
                   '{ref}', '{numref}']) {
    if (out.text.includes(r)) out.raw.push(r);
  }
  // The relation ≺ (U+227A) appears only if \prec fell back to TeX's own command.
  out.precedes = (out.text.match(/\u227a/g) || []).length;
  for (const d of nb.querySelectorAll('details.myst-exercise')) {
    const title = d.querySelector('summary') ? d.querySelector('summary').textContent : '';
    if (/^\s*Solution/.test(title)) { out.solutions++; if (d.open) out.open++; }
  }
  out.exercises = nb.querySelectorAll('.myst-exercise').length - out.solutions;
  // The number shown beside each labelled equation; MyST lowercases ids (gmm-Q -> gmm-q).
  out.numbers = {};
  for (const l of labels) {
    const id = l.toLowerCase(), e = document.getElementById(id);
    const a = e && nb.contains(e) ? e.querySelector('a[href="#' + id + '"]') : null;
    if (a) out.numbers[l] = a.textContent.trim();
  }
  return out;
}
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _skip_or_fail(reason):
    if os.environ.get("LVM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LVM_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server on 127.0.0.1 serving the repository; yields its base URL."""
    jupyter = pathlib.Path(sys.executable).with_name("jupyter")
    try:
        import jupyterlab  # noqa: F401
        import jupyterlab_myst  # noqa: F401
        import notebook  # noqa: F401
    except ImportError:
        _skip_or_fail(
            "JupyterLab, Notebook 7 and jupyterlab-myst not installed (make lab installs them)"
        )
    settings = pathlib.Path(tempfile.mkdtemp(prefix="lvm-lab-settings-"))
    # Render every cell at once (no windowing) and never fetch news or updates.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (
        settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(settings / "workspaces"), PYTHONPATH=str(ROOT))
    log = open(settings / "server.log", "w")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(
                        "JupyterLab exited:\n" + (settings / "server.log").read_text()[-2000:]
                    )
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start in 120 s")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(settings, ignore_errors=True)
        _print_table()


@pytest.fixture(scope="module")
def page(lab):
    path = chromium()
    if path is None:
        _skip_or_fail("headless Chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        yield pg
        browser.close()


def quoted_names(chapter):
    """The objects a chapter quotes: show_source cells (or literalinclude before the transform)."""
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    names = []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        names += [n.rsplit(".", 1)[-1] for n in re.findall(r'show_source\("([\w.]+)"\)', src)]
        names += re.findall(r"^:pyobject:\s*([\w.]+)", src, re.M)
    return [n.rsplit(".", 1)[-1] for n in names]


def equation_labels(chapter):
    """The labels of the chapter's numbered equations (``$$ ... $$ (label)``)."""
    nb = json.loads((ROOT / f"{chapter}.ipynb").read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return re.findall(r"\$\$\s*\(([\w:-]+)\)", text)


def _print_table():
    if not RESULTS:
        return
    cols = ("errors", "macros", "raw", "quoted", "missing", "exercises", "solutions", "open", "eqs",
            "numbered")
    print("\n" + "interface".ljust(12) + "chapter".ljust(40) + "".join(c.rjust(10) for c in cols))
    for (ui, chapter), r in RESULTS.items():
        print(ui.ljust(12) + chapter.ljust(40) + "".join(str(r[c]).rjust(10) for c in cols))


def _open(page, url, ui, chapter):
    page.goto(f"{url}/{UIS[ui].format(chapter)}?token={TOKEN}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    # Rendering is done when the number of rendered markdown cells stops changing.
    last, stable = -1, 0
    for _ in range(120):
        n = page.evaluate("() => document.querySelectorAll('.jp-MarkdownOutput, .myst').length")
        stable = stable + 1 if n == last and n > 0 else 0
        if stable >= 4:
            break
        last = n
        time.sleep(0.5)


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("ui", UIS)
def test_chapter_reads_in_jupyter(page, lab, ui, chapter):
    _open(page, lab, ui, chapter)
    labels = equation_labels(chapter)
    m = page.evaluate(MEASURE, [MACROS, labels])
    names = quoted_names(chapter)
    missing = [n for n in names if not re.search(rf"\b(def|class) {re.escape(n)}\b", m["code"])]
    # Before the transform the quotes are literalinclude blocks, which JupyterLab cannot show.
    raw_quotes = "{literalinclude}" in (ROOT / f"{chapter}.ipynb").read_text()
    missing += ["(literalinclude)"] if raw_quotes else []
    RESULTS[ui, chapter] = dict(errors=m["errors"], macros=len(m["macros"]), raw=len(m["raw"]),
                                quoted=len(names), missing=len(missing), exercises=m["exercises"],
                                solutions=m["solutions"], open=m["open"], eqs=len(labels),
                                numbered=len(m["numbers"]))
    assert m["errors"] == 0, f"{ui} {chapter}: {m['errors']} math errors"
    assert not m["macros"], f"{ui} {chapter}: unrendered macros {m['macros']}"
    assert not m["raw"], f"{ui} {chapter}: raw MyST text {m['raw']}"
    assert m["precedes"] == 0, f"{ui} {chapter}: \\prec renders as the relation ≺, not Λ"
    assert not missing, f"{ui} {chapter}: quoted code not shown: {missing}"
    assert m["open"] == 0, f"{ui} {chapter}: {m['open']} solutions visible before a click"
    # jupyterlab-myst numbers every displayed equation, labelled or not, (1), (2), ...: the
    # numbers differ from the book's (2.1), (2.2), ..., which number labelled ones only.
    unnumbered = [k for k in labels if not re.fullmatch(r"\(\d+\)", m["numbers"].get(k, ""))]
    assert not unnumbered, (
        f"{ui} {chapter}: equations without their label as id and a number: {unnumbered}"
    )
    if m["solutions"]:
        # A solution opens on a click: its body becomes visible.
        sol = page.locator("details.myst-exercise", has_text="Solution to").first
        sol.scroll_into_view_if_needed()
        body = sol.locator(":scope > :not(summary)").first
        assert not body.is_visible(), f"{ui} {chapter}: a solution's body is visible before a click"
        sol.locator("summary").click()
        page.wait_for_timeout(300)
        assert sol.evaluate("d => d.open"), f"{ui} {chapter}: a solution did not open on a click"
        assert body.is_visible(), f"{ui} {chapter}: a solution's body is hidden after a click"
