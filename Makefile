# Development tasks. Every target creates .venv first if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A second environment with Airflow 2.11, the oldest release the provider supports. Airflow installs
# reproducibly only with pinned dependencies. Its published constraint files are not on PyPI, so
# .ci/airflow-2.11-constraints.txt pins a set computed with pip (see its header).
AIRFLOW2_VERSION := 2.11.2
AIRFLOW2_VENV := .venv-airflow2
AIRFLOW2_BIN := $(AIRFLOW2_VENV)/bin
AIRFLOW2_CONSTRAINTS := .ci/airflow-2.11-constraints.txt

.PHONY: venv venv-airflow2 lint typecheck unit test test-airflow3 test-airflow2 demo bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv-airflow2: $(AIRFLOW2_VENV)/.installed

$(AIRFLOW2_VENV)/.installed: pyproject.toml $(AIRFLOW2_CONSTRAINTS)
	test -x $(AIRFLOW2_BIN)/python || $(PYTHON) -m venv $(AIRFLOW2_VENV)
	$(AIRFLOW2_BIN)/pip install --quiet --upgrade pip
	$(AIRFLOW2_BIN)/pip install --quiet --constraint $(AIRFLOW2_CONSTRAINTS) \
		'apache-airflow==$(AIRFLOW2_VERSION)' -e '.[test]'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -m "not dags and not deployment"

# The full suite: lint and types, every test under Airflow 3 (unit and integration tests, the example
# DAGs under `airflow dags test`, a running deployment and its UI in Chromium), then the same tests
# under Airflow 2.11 except the deployment ones.
test: lint typecheck test-airflow3 test-airflow2

test-airflow3: venv
	$(BIN)/pytest

# Airflow 2 has no /api/v2 and no React UI, so the deployment tests are left out. Its own AIRFLOW_HOME
# keeps its airflow.cfg apart from Airflow 3's.
test-airflow2: venv-airflow2
	AIRFLOW_HOME=$(CURDIR)/.airflow/airflow2 $(AIRFLOW2_BIN)/pytest -m "not deployment"

demo: venv
	$(BIN)/python -m tests.dag_runner

# Benchmarks against the sandbox on 127.0.0.1; writes BENCHMARKS.md.
bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf .airflow .demo .mypy_cache .ruff_cache .pytest_cache test-output
