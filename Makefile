# Two commands do everything on a fresh machine with Python 3.11+:
#   make run    create .venv, install, start the bot (console chat when no token is set)
#   make test   install the dev extra, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench clean

# The pip that comes with Python 3.11+ installs this project in editable mode: no upgrade (5 s) needed.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

# The checkout keeps its database in ./data (elsewhere cdsbot uses ~/.local/share/cdsbot or CDSBOT_DATA_DIR).
CDSBOT_DATA_DIR ?= $(CURDIR)/data

run: $(VENV)/.installed
	CDSBOT_DATA_DIR="$(CDSBOT_DATA_DIR)" $(BIN)/cdsbot run

# Two processes: the suite is mostly waiting on databases and fake servers, and this is a 2-core machine.
# One test handed out at a time, so the long ones that run first (tests/conftest.py SLOW_FIRST) spread.
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 --maxschedchunk=1

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot handlers faq db tests bench
	$(BIN)/mypy

# Benchmarks run on demand, never in the test suite (bench/broadcast_bench.py and
# bench/e2e_bench.py take several minutes each: run them by hand).
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/faq_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
