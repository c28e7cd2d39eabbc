# hubopt: the two commands of the README.
#   make demo   set up a virtual environment, install hubopt, run the West Kent demo
#   make app    the same environment, then the forum workbench on West Kent in the browser (hubopt app)
#   make test   set up the same environment, run the linters (ruff, mypy, the import layers) and the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hubopt-installed

.PHONY: demo app test lint install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hubopt demo

app: $(STAMP)
	$(BIN)/hubopt app

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) maps/west_kent_hubs .pytest_cache .mypy_cache
