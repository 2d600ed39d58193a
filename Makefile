# Development tasks. Every target creates .venv first if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: venv lint typecheck unit test demo bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -m "not dags"

# The full suite: lint, types, unit and integration tests, and the example DAGs under `airflow dags test`.
test: lint typecheck
	$(BIN)/pytest

demo: venv
	$(BIN)/python -m tests.dag_runner

# Benchmarks against the sandbox on 127.0.0.1; writes BENCHMARKS.md.
bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf .airflow .demo .mypy_cache .ruff_cache .pytest_cache
