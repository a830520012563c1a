# Two entry points that work on a brand-new machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint docs clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU build first: a bare torch requirement would pull a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/tsevo evaluate --dataset BasicMotions

# NUMBA_OPT=1: aeon's numba kernels compile from cold in a new environment, and on the tests' small
# data compiling is most of their cost; LLVM's level 1 compiles them about 15% faster than level 3
test: $(VENV)/.installed
	NUMBA_OPT=1 $(PY) -m pytest -q -n auto --maxprocesses 4 --dist worksteal --durations=15 --nbmake --doctest-modules tsevo tests notebooks

# the documentation site, warnings as errors; notebooks executed with outputs cached between builds
docs: $(VENV)/.installed
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check tsevo tests benchmarks

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache docs/_build docs/generated docs/notebooks
