# One command to try it, one to test it. Everything installs into .venv from the package registry, the
# optional extras too (the orchestration tests run with the rest).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_SCALE ?= small

.PHONY: setup demo test lint benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,orchestration]'
	touch $@

demo: setup
	$(BIN)/warehouse demo --scale $(DEMO_SCALE)

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=30

# Python: ruff (pyproject.toml); SQL: sqlfluff (.sqlfluff, the rules kept and why). CI runs this first.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests/dbt snapshots --processes 2

# every benchmark once (tens of minutes: `large` is generated for the incremental one); each also
# runs alone, e.g. `.venv/bin/python -m benchmarks.staking --help`. The whole-warehouse benchmark runs
# `standard` here; `--scales standard --scales large` adds `large` (about 20 minutes more).
benchmark: setup
	$(BIN)/python -m benchmarks.loaders --postgres
	$(BIN)/python -m benchmarks.elo
	$(BIN)/python -m benchmarks.staking --postgres
	$(BIN)/python -m benchmarks.incremental_build
	$(BIN)/python -m benchmarks.warehouse --scales standard
	$(BIN)/python -m benchmarks.engine_builds --scale small
	$(BIN)/python -m benchmarks.quality --scale standard
	$(BIN)/python -m benchmarks.scoring --scale standard
	$(BIN)/python -m benchmarks.search --scale small

clean:
	rm -rf target logs dbt_packages warehouse.duckdb* data
