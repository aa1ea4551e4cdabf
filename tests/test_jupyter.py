"""Every chapter opened in a real JupyterLab (with jupyterlab-myst), in headless Chromium.

The classroom path: instructors and students read the chapters as notebooks. JupyterLab runs
from this environment on a loopback port (token, no browser, a private settings directory that
renders every cell at once); Chromium (Debian's package, driven by Playwright) opens each
chapter of ``_toc.yml`` and checks what a student sees:

* no math error (KaTeX/MathJax error nodes, "Undefined control sequence");
* no unrendered notation macro (``\\params``, ``\\given`` ... left as text), and ``\\prec`` is
  the precision matrix, not the relation ≺ (the macros come from ``_config.yml``);
* no raw MyST text (``:::{``, ``:pyobject:``, ``{cite}``, ``{eq}``, ``{literalinclude}``);
* the package code the chapter quotes is shown (``def name(`` / ``class name`` for each quote);
* every solution is collapsed until its summary is clicked (one click is tried per chapter).

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
TOKEN = "lvmteach-test"
RESULTS = {}

sys.path.insert(0, str(ROOT))
from lvmteach._jupyter import macros  # noqa: E402

MACROS = sorted(macros(), key=len, reverse=True)

MEASURE = r"""
(macros) => {
  const nb = document.querySelector('.jp-Notebook');
  const out = {errors: 0, macros: [], raw: [], text: '', code: '', solutions: 0, open: 0, exercises: 0,
               precedes: 0};
  out.errors = nb.querySelectorAll('.katex-error, mjx-merror, [data-mjx-error]').length;
  // Text a student reads: rendered markdown and outputs, not code inputs or TeX sources.
  const skip = 'pre, code, .jp-InputArea-editor, .katex-mathml, annotation, script, style, mjx-assistive-mml';
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
  out.errors += (nb.textContent.match(/Undefined control sequence|KaTeX parse error|ParseError/g) || []).length;
  for (const m of macros) {
    const re = new RegExp('\\\\' + m + '(?![A-Za-z])');
    const hit = re.exec(out.text);
    if (hit) out.macros.push('\\' + m + ' in "' + out.text.slice(Math.max(0, hit.index - 40), hit.index + 40) + '"');
  }
  for (const r of [':::{', '::::{', ':pyobject:', '{cite}', '{eq}', '{literalinclude}', '{doc}', '{ref}', '{numref}']) {
    if (out.text.includes(r)) out.raw.push(r);
  }
  // The relation ≺ (U+227A) appears only if \prec fell back to TeX's own command.
  out.precedes = (out.text.match(/\u227a/g) || []).length;
  for (const d of nb.querySelectorAll('details.myst-exercise')) {
    const title = d.querySelector('summary') ? d.querySelector('summary').textContent : '';
    if (/^\s*Solution/.test(title)) { out.solutions++; if (d.open) out.open++; }
  }
  out.exercises = nb.querySelectorAll('.myst-exercise').length - out.solutions;
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
    except ImportError:
        _skip_or_fail("JupyterLab with jupyterlab-myst not installed (make lab installs them)")
    settings = pathlib.Path(tempfile.mkdtemp(prefix="lvm-lab-settings-"))
    # Render every cell at once (no windowing) and never fetch news or updates.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
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
                    pytest.fail("JupyterLab exited:\n" + (settings / "server.log").read_text()[-2000:])
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


def _print_table():
    if not RESULTS:
        return
    cols = ("errors", "macros", "raw", "quoted", "missing", "exercises", "solutions", "open")
    print("\n" + "chapter".ljust(44) + "".join(c.rjust(10) for c in cols))
    for chapter, r in RESULTS.items():
        print(chapter.ljust(44) + "".join(str(r[c]).rjust(10) for c in cols))


def _open(page, url, chapter):
    page.goto(f"{url}/lab/tree/{chapter}.ipynb?token={TOKEN}&reset")
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
def test_chapter_reads_in_jupyterlab(page, lab, chapter):
    _open(page, lab, chapter)
    m = page.evaluate(MEASURE, MACROS)
    names = quoted_names(chapter)
    missing = [n for n in names if not re.search(rf"\b(def|class) {re.escape(n)}\b", m["code"])]
    # Before the transform the quotes are literalinclude blocks, which JupyterLab cannot show.
    raw_quotes = "{literalinclude}" in (ROOT / f"{chapter}.ipynb").read_text()
    missing += ["(literalinclude)"] if raw_quotes else []
    RESULTS[chapter] = dict(errors=m["errors"], macros=len(m["macros"]), raw=len(m["raw"]),
                            quoted=len(names), missing=len(missing), exercises=m["exercises"],
                            solutions=m["solutions"], open=m["open"])
    assert m["errors"] == 0, f"{chapter}: {m['errors']} math errors"
    assert not m["macros"], f"{chapter}: unrendered macros {m['macros']}"
    assert not m["raw"], f"{chapter}: raw MyST text {m['raw']}"
    assert m["precedes"] == 0, f"{chapter}: \\prec renders as the relation ≺, not Λ"
    assert not missing, f"{chapter}: quoted code not shown: {missing}"
    assert m["open"] == 0, f"{chapter}: {m['open']} solutions visible before a click"
    if m["solutions"]:
        # A solution opens on a click: its body becomes visible.
        sol = page.locator("details.myst-exercise", has_text="Solution to").first
        sol.scroll_into_view_if_needed()
        body = sol.locator(":scope > :not(summary)").first
        assert not body.is_visible(), f"{chapter}: a solution's body is visible before a click"
        sol.locator("summary").click()
        page.wait_for_timeout(300)
        assert sol.evaluate("d => d.open"), f"{chapter}: a solution did not open on a click"
        assert body.is_visible(), f"{chapter}: a solution's body is hidden after a click"
