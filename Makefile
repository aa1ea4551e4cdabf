# Two commands a newcomer needs: `make book` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Parallel test workers each get one BLAS thread: two workers x two BLAS threads on two cores
# make OpenBLAS spin and run many times slower than one thread each.
ONE_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: help venv book test unit nbval html-check notebooks lab bench clean

help:
	@echo "make book       build the HTML book (creates .venv on first use)"
	@echo "make test       everything CI runs: unit tests, nbval, book build, HTML checks"
	@echo "make notebooks  re-execute every chapter in place (after changing lvmteach)"
	@echo "make lab        open the chapters in JupyterLab"
	@echo "make bench      speed benchmarks against scikit-learn"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is at: file://$(CURDIR)/_build/html/index.html"

unit: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(JOBS) tests --ignore=tests/test_html.py

nbval: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(NBVAL) book

html-check: $(STAMP)
	$(BIN)/python -m pytest tests/test_html.py

# Order matters: the HTML checks read the book that `book` has just built.
test: unit nbval book html-check

notebooks: $(STAMP)
	$(BIN)/python -m lvmteach._notebooks book

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(ONE_THREAD) $(BIN)/jupyter lab book

# Both tables, one and two threads, and the book's page of the run. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE (set on some machines for old OpenBLAS builds) slow a current NumPy: unset
# here only, for the timing. BENCH="--quick" for a smoke test; BENCH="nmf mixture" for some.
BENCH ?=
bench: $(STAMP)
	-$(BIN)/python -m pip install --quiet -e ".[bench]"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python -m benchmarks --markdown book/benchmarks.md $(BENCH)

clean:
	rm -rf _build .pytest_cache
