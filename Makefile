# poolcourse: every target creates .venv on first use and reuses it afterwards.
# The README names these targets; .ci/run calls `make test`.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Jupyter refuses to run as root (containers, CI) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv demo test test-fast lint format lab generate validate bench clean

help:
	@echo "make demo      - tour / grading demo (creates .venv on first use)"
	@echo "make test      - ruff + the whole test suite"
	@echo "make test-fast - the suite without tests marked slow"
	@echo "make lab       - open the course in JupyterLab (nbgrader toolbar, formgrader)"
	@echo "make generate  - regenerate notebooks/ from solutions/"
	@echo "make validate  - solutions pass all their tests, student notebooks pass none"
	@echo "make bench     - benchmarks (pooling_ref vs Keras, grading throughput)"

venv: $(STAMP)

# The stamp depends on pyproject.toml, so a changed dependency list reinstalls;
# an existing, up-to-date .venv is reused as it is.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m autograder demo

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

# COURSE=DIR opens another course folder (e.g. the demo's). nbgrader's formgrader
# runs .venv/bin/alembic when it creates the gradebook: .venv/bin goes first on PATH.
COURSE ?= .
BIN    := $(abspath $(VENV))/bin
lab: $(STAMP)
	cd $(COURSE) && PATH="$(BIN):$$PATH" $(BIN)/jupyter lab --notebook-dir=. $(ROOT_FLAG)

generate: $(STAMP)
	$(PY) -m autograder generate

validate: $(STAMP)
	$(PY) -m autograder validate

bench: $(STAMP)
	$(PY) benchmarks/ref_vs_keras.py
	$(PY) benchmarks/grading.py
	$(PY) benchmarks/dask_grading.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info
