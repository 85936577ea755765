# Every target sets itself up: the first one run creates .venv and installs the project
# (versions pinned by constraints.txt). Python 3.11 is the machine's python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
XDIST  ?= -n 2 --dist loadfile

.PHONY: run test test-slow bench lint format venv clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,sweep]"
	touch $(STAMP)

venv: $(STAMP)

## run: the default scenario (syria_2012) end to end; prints its summary and figure path
run: $(STAMP)
	$(BIN)/python -m sim

## test: lint, then the default test suite (a minute or so on 2 cores)
test: lint
	$(BIN)/python -m pytest $(XDIST)

## test-slow: the statistical claims over 100 seeds and other long tests
test-slow: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m slow

lint: $(STAMP)
	$(BIN)/ruff check sim tests experiments
	$(BIN)/ruff format --check sim tests experiments

format: $(STAMP)
	$(BIN)/ruff format sim tests experiments
	$(BIN)/ruff check --fix sim tests experiments

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache *.egg-info

## bench: speed and memory figures in one run; writes bench.json and prints a table
bench: $(STAMP)
	$(BIN)/python -m sim.bench
