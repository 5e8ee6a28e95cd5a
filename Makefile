# sepconv: two commands do everything on a fresh clone.
#   make book   set-up, execute every notebook, build the site in _build/html
#   make test   set-up, lint, unit tests and doctests, strict nbval, the book
#               build, and the checks of the built site in Chromium
# Other targets: setup (the reader's environment), serve, execute (refresh
# stored outputs), bench, torch (the test-only oracle), freeze, clean.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
NOTEBOOKS := $(sort $(wildcard book/[0-9][0-9]-*.ipynb))
PORT ?= 8000
# The torch oracle of the tests (test-only, never a runtime dependency).
TORCH := torch==2.13.0
# One kernel per notebook; a cell may take at most this many seconds: the
# book build's limit (execute.timeout in _config.yml), read from there.
CELL_TIMEOUT := $(shell sed -n 's/^  timeout: *\([0-9]*\).*/\1/p' _config.yml)
# Kernels pick matplotlib's inline backend themselves: MPLBACKEND must not be
# exported to them (Agg would silently drop every figure). The unit tests set
# Agg in tests/conftest.py.
unexport MPLBACKEND
# The chapters and the benchmarks time the NumPy actually installed. A
# machine-wide OpenBLAS override (one machine here sets OPENBLAS_CORETYPE=Haswell
# on an AVX-512 CPU) halves NumPy's float32 matrix products: chapter 6's
# measured ridge point then fell to the depthwise limit it is compared with,
# and conv2d missed its benchmark target. NumPy's OpenBLAS picks its kernel
# itself.
unexport OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup setup-dev assets torch book build test lint unit nbval \
	site-test serve execute bench freeze clean

help:
	@sed -n '1,7p' Makefile | sed 's/^# \{0,1\}//'

# --- set-up -----------------------------------------------------------------
# Python only: the reader's environment (requirements.txt: the notebooks,
# JupyterLab, the book build), then the test and lint tools
# (requirements-dev.txt). Node is needed only for the web assets.
$(BIN)/.runtime: requirements.txt pyproject.toml jupyterlab-settings/overrides.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp jupyterlab-settings/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(PIP) -r requirements.txt -r requirements-dev.txt
	touch $@

setup: $(BIN)/.runtime

setup-dev: $(BIN)/.dev

torch: setup
	$(PIP) $(TORCH)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# The web assets the site serves itself: MathJax 3 (engine, TeX extensions
# and CHTML fonts), copied from the pinned npm package.
_site_assets/.stamp: node_modules/.package-lock.json
	rm -rf _site_assets
	mkdir -p _site_assets/mathjax/output/chtml/fonts _site_assets/mathjax/input/tex
	cp node_modules/mathjax/es5/tex-chtml.js _site_assets/mathjax/
	cp -r node_modules/mathjax/es5/output/chtml/fonts/woff-v2 _site_assets/mathjax/output/chtml/fonts/
	cp -r node_modules/mathjax/es5/input/tex/extensions _site_assets/mathjax/input/tex/
	touch $@

assets: _site_assets/.stamp

# --- the book ---------------------------------------------------------------
# Every build starts clean and executes every notebook, inline: myst-nb
# evaluates the prose's {eval} expressions in the running kernel, and the
# build checks the values stored in the notebooks against them (book/_ext).
build: setup assets
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

book: build
	@echo "The site is in _build/html (make serve to view it)."

serve:
	@test -f _build/html/index.html || $(MAKE) --no-print-directory book
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Refresh the outputs stored in the notebooks from a clean kernel each, and
# the values of the prose's inline expressions (.ci/execute.py).
# Review the diff before committing; never re-run just to make nbval pass.
execute: setup
	$(PY) .ci/execute.py --timeout $(CELL_TIMEOUT) $(NOTEBOOKS)

# --- the tests --------------------------------------------------------------
lint: setup-dev
	$(BIN)/ruff check sepconv tests benchmarks book/_ext conftest.py .ci $(NOTEBOOKS)
	$(BIN)/ruff format --check sepconv tests benchmarks book/_ext conftest.py .ci

# Two workers (pytest-xdist), one per core of the CI machine: the unit tests
# hold no timing claim, so sharing the cores changes no result.
unit: setup-dev
	$(PY) -m pytest -m "not site and not browser" -q -n 2

# Every figure a notebook shows is checked against the book's figure rule as
# it is drawn (tests/nbval_figure_rule.py, which the kernels run at start-up):
# a figure that breaks it writes to stderr, and nbval fails its cell.
nbval: setup-dev
	PYTHONSTARTUP=$(CURDIR)/tests/nbval_figure_rule.py $(PY) -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  --nbval-cell-timeout=$(CELL_TIMEOUT) -o addopts="-p no:cacheprovider" -q

# Two workers, each test file on one of them (--dist loadfile): the
# JupyterLab chapters (one server, about four minutes) run beside the site's
# own checks, which measure layout, not time.
site-test: setup-dev assets
	$(PY) -m pytest -m "site or browser" -q -n 2 --dist loadfile

test: lint unit nbval build site-test
	@echo "make test: all checks passed."

bench: setup
	$(PY) benchmarks/bench_core.py
	$(PY) benchmarks/bench_widgets.py

# Rewrite requirements.txt and requirements-dev.txt from the environment
# (.ci/freeze.py: the closures of pyproject.toml's dependency groups).
freeze: setup-dev
	$(PY) .ci/freeze.py

clean:
	rm -rf _build .jupyter_cache _site_assets
