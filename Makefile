# One command to try it, one to test it. Everything installs into .venv from the package registry.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/warehouse demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check python tests benchmarks

# every benchmark once (tens of minutes: `large` is generated for the incremental one); each also
# runs alone, e.g. `.venv/bin/python -m benchmarks.staking --help`
benchmark: setup
	$(BIN)/python -m benchmarks.loaders --postgres
	$(BIN)/python -m benchmarks.elo
	$(BIN)/python -m benchmarks.staking --postgres
	$(BIN)/python -m benchmarks.incremental_build
	$(BIN)/python -m benchmarks.engine_builds --scale small

clean:
	rm -rf target logs dbt_packages warehouse.duckdb* data
