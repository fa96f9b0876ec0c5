SHELL := /bin/bash
# dlfs — the two commands of the README are `make demo` and `make test`.
# Both create .venv on first use. torch is pinned to the CPU build 2.13.0, which pip on
# these machines takes from a local wheel; it is installed first, then the package.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.dlfs-installed
PIP    := $(PY) -m pip install -q --disable-pip-version-check

# Make (and any tests it spawns) quiet and reproducible.
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: demo test test-full lint bench docs test-browser clean help

help:
	@echo "make demo   - install (first time), train the capstone GPT (~5 min), sample text"
	@echo "make test   - install dev tools (first time), ruff, the suite (lessons in quick mode)"
	@echo "make test-full - the lessons whose headline claims need full mode, in full mode (slow)"
	@echo "make lint   - ruff check"
	@echo "make bench  - run benchmarks/ (~12 min), record results/latest.{json,md}, remake the README figures"
	@echo "make docs   - the book site, both languages, every lesson executed: build/site/index.html"
	@echo "make test-browser - install chromium if missing (apt-get), run the site's browser tests"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0 numpy 2> >(grep -v "is ignored: it is neither" >&2)
	$(PIP) -e '.[dev,notebook,docs]' 2> >(grep -v "is ignored: it is neither" >&2)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/dlfs train gpt

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -n auto --dist loadgroup

test-full: $(STAMP)
	$(PY) -m pytest -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/run_all.py
	$(PY) benchmarks/readme_figures.py

docs: $(STAMP)
	$(PY) -m dlfs.site build/site

test-browser: $(STAMP)
	(command -v chromium && dpkg -s fonts-wqy-microhei) >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei)
	$(PY) -m pytest -n 0 tests/site

clean:
	rm -rf build runs .pytest_cache .ruff_cache .hypothesis
