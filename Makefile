# Two commands a newcomer needs: `make book` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The book's environment is pinned: constraints.txt holds the exact versions the stored notebook
# outputs were computed with (regenerate with `make constraints`). pyproject.toml keeps honest
# lower bounds for `pip install lvmteach`; `make oldest` tests them (constraints-oldest.txt).
PIN    := -c constraints.txt
OLDEST := .venv-oldest
JOBS   ?= 2
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Parallel test workers each get one BLAS thread: two workers x two BLAS threads on two cores
# make OpenBLAS spin and run many times slower than one thread each.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help venv book pdf pdf-check student test lint unit nbval nbval-fpenv html-check jupyter-check notebooks lab bench fuzz oldest constraints clean

help:
	@echo "make book       build the HTML book (creates .venv on first use)"
	@echo "make test       everything CI runs: lint, unit tests, nbval, book build, HTML checks"
	@echo "make lint       line lengths: 76 in lvmteach/ and the chapters' code cells (ruff)"
	@echo "make notebooks  re-execute every chapter in place (after changing lvmteach)"
	@echo "make lab        open the chapters in JupyterLab (Notebook 7: /tree in the same server)"
	@echo "make bench      speed benchmarks against scikit-learn"
	@echo "make fuzz       property tests with fresh random examples (FUZZ_RUNS=20 runs)"
	@echo "make oldest     unit tests and nbval with the oldest versions pyproject.toml allows"
	@echo "make pdf        the whole book as one PDF through LaTeX (needs TeX Live, see README)"
	@echo "make student    the student edition: HTML and notebooks with no solutions anywhere"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIN) -e ".[book,test]"
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	find _build/html -name '*.map' -delete   # 3.5 MB of theme source maps no reader needs
	@echo "The book is at: file://$(CURDIR)/_build/html/index.html"

# Student edition: solutions removed from the sources before building (python -m lvmteach._student),
# so neither pages nor search index, _sources, downloads, jupyter_execute nor printing hold them.
student: $(STAMP)
	rm -rf _build/student _build/student_src
	$(BIN)/python -m lvmteach._student _build/student_src
	$(BIN)/jupyter-book build _build/student_src --builder html --keep-going
	mkdir -p _build/student/notebooks
	mv _build/student_src/_build/html _build/student/html
	find _build/student/html -name '*.map' -delete
	cd _build/student_src && find book -name '*.ipynb' -exec cp --parents {} ../student/notebooks \;
	$(BIN)/python -m pytest -q tests/test_student.py
	@echo "Student edition: file://$(CURDIR)/_build/student/html/index.html and _build/student/notebooks"

# The book as one PDF (XeLaTeX; solutions omitted). Needs Debian's TeX Live packages:
#   apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf \
#     fonts-dejavu-core
pdf: $(STAMP)
	rm -rf _build/latex
	$(BIN)/python book/_ext/pdf_config.py > _config_pdf.yml   # beside _config.yml: same relative paths
	$(BIN)/jupyter-book build . --builder pdflatex --config _config_pdf.yml; status=$$?; rm -f _config_pdf.yml; exit $$status
	@echo "The PDF is at: $(CURDIR)/_build/latex/lvmteach.pdf"

# CI (LVM_REQUIRE_PDF=1, set by .ci/run) builds and checks the PDF; elsewhere it is skipped
# without TeX Live.
pdf-check: $(STAMP)
	@if command -v xelatex >/dev/null 2>&1; then \
	  $(MAKE) pdf && $(BIN)/python -m pytest tests/test_pdf.py; \
	elif [ "$${LVM_REQUIRE_PDF:-0}" = 1 ]; then \
	  echo "LVM_REQUIRE_PDF=1 but no xelatex: install TeX Live (see the pdf target)"; exit 1; \
	else echo "pdf-check skipped: no xelatex (TeX Live) on this machine"; fi

# Code is read in the book at 76 characters a line ([tool.ruff] in pyproject.toml): the package,
# docstrings and comments too (they are quoted), and the chapters' code cells; tests/,
# benchmarks/ and book/_ext/ have 100 (their ruff.toml).
lint: $(STAMP)
	$(BIN)/ruff check .

unit: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(JOBS) tests --ignore=tests/test_html.py --ignore=tests/test_browser.py --ignore=tests/test_jupyter.py --ignore=tests/test_pdf.py

nbval: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) book

# The stored outputs must not depend on the floating-point environment: nbval again with NumPy's
# highest SIMD targets switched off and other OpenBLAS kernels (tests/fpenv.py says which).
nbval-fpenv: $(STAMP)
	set -e; for i in $$(seq 1 $$($(BIN)/python tests/fpenv.py)); do \
	  echo "== nbval under: $$($(BIN)/python tests/fpenv.py $$i)"; \
	  env $$($(BIN)/python tests/fpenv.py $$i) $(ONE_THREAD) \
	    $(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) -p no:cacheprovider book; \
	done

html-check: $(STAMP)
	$(BIN)/python -m pytest -s tests/test_html.py tests/test_browser.py

# Order matters: the HTML checks read the book that `book` has just built.
test: lint unit nbval nbval-fpenv oldest book student html-check jupyter-check pdf-check

notebooks: $(STAMP)
	$(BIN)/python -m lvmteach._notebooks book

# JupyterLab and Notebook 7 with jupyterlab-myst, installed once (a stamp): offline afterwards.
LAB_STAMP := $(VENV)/.lab-stamp
$(LAB_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet $(PIN) "jupyterlab>=4" "jupyterlab-myst>=2.4" "notebook>=7"
	touch $@

lab: $(LAB_STAMP)
	$(ONE_THREAD) $(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/book \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The chapters in a real JupyterLab and Notebook 7 (headless Chromium): macros, quoted code,
# exercises, hidden solutions, equation ids, no raw MyST (tests/test_jupyter.py).
jupyter-check: $(LAB_STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -s tests/test_jupyter.py

# The lower bounds in pyproject.toml, tested: a separate environment with the oldest allowed
# NumPy, SciPy, Matplotlib (and scikit-learn for the tests), then the unit tests and nbval.
$(OLDEST)/.installed-stamp: pyproject.toml constraints-oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -c constraints-oldest.txt -e ".[test]"
	touch $@

# The property tests draw fixed examples in `make test` (tests/conftest.py); here they draw fresh
# ones on every run, to look for counterexamples (each found becomes a regression test).
FUZZ_RUNS ?= 20
fuzz: $(STAMP)
	for i in $$(seq $(FUZZ_RUNS)); do \
	    HYPOTHESIS_PROFILE=explore $(ONE_THREAD) $(BIN)/python -m pytest -n $(JOBS) -q \
	        -p no:cacheprovider -m hypothesis tests || exit 1; \
	done

oldest: $(OLDEST)/.installed-stamp
	$(OLDEST)/bin/python -c "import numpy, scipy, matplotlib, sklearn; print('oldest:', 'numpy', numpy.__version__, 'scipy', scipy.__version__, 'matplotlib', matplotlib.__version__, 'scikit-learn', sklearn.__version__)"
	$(ONE_THREAD) $(OLDEST)/bin/python -m pytest -n $(JOBS) -p no:cacheprovider tests --ignore=tests/test_html.py --ignore=tests/test_browser.py --ignore=tests/test_jupyter.py --ignore=tests/test_pdf.py
	$(ONE_THREAD) $(OLDEST)/bin/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) -p no:cacheprovider book

# Pin the book's environment to what is installed now (after a deliberate upgrade; then
# re-execute the notebooks with `make notebooks` and commit both).
constraints: $(STAMP)
	{ echo "# Exact versions the stored notebook outputs were computed with (make constraints)."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e '; } > constraints.txt

# Both tables, one and two threads, and the book's page of the run. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) slow a current NumPy: unset
# here only, for the timing. BENCH="--quick" for a smoke test; BENCH="nmf mixture" for some.
BENCH ?=
bench: $(STAMP)
	-$(BIN)/python -m pip install --quiet -e ".[bench]"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks --markdown book/benchmarks.md $(BENCH)

clean:
	rm -rf _build .pytest_cache $(OLDEST)
