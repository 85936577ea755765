# Every target sets itself up: the first one run creates .venv and installs the project
# (versions pinned by constraints.txt). Python 3.11 is the machine's python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
XDIST  ?= -n 2 --dist loadfile

.PHONY: run test test-slow bench figures app app-loadcheck gif test-browser lint format venv venv-ray test-ray clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,sweep,app]"
	touch $(STAMP)

venv: $(STAMP)

## run: the default scenario (syria_2012) end to end; prints its summary and figure path
run: $(STAMP)
	$(BIN)/python -m sim

## test: lint, then the default test suite (4-5 minutes on 2 cores)
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
	rm -rf $(VENV) $(VENV_RAY) outputs multirun .pytest_cache .ruff_cache *.egg-info

## bench: speed and memory figures in one run; writes bench.json and prints a table
bench: $(STAMP)
	$(BIN)/python -m sim.run.bench

# Ray: a separate environment, because hydra-ray-launcher pins cloudpickle<3, which the
# joblib launcher's environment cannot share (README.md, "Ray").
VENV_RAY := .venv-ray
$(VENV_RAY)/.installed-stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV_RAY)
	$(VENV_RAY)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_RAY)/bin/python -m pip install --quiet -e ".[ray]"
	touch $@

## venv-ray: the environment for sweeps on Ray (about 1 GB)
venv-ray: $(VENV_RAY)/.installed-stamp

## test-ray: a two-point sweep through the Ray launcher (a local Ray instance)
test-ray: venv-ray
	rm -rf multirun/ray-check
	$(VENV_RAY)/bin/python -m sim --multirun hydra/launcher=ray model.peer_weight=0.4,0.8 \
		replicates=3 steps=10 sweep_name=ray-check
	test "$$(wc -l < multirun/ray-check/runs.csv)" -eq 7 && echo "ray sweep: 6 runs, as expected"

FIGURE_SCRIPTS := cascade_curves tipping_curve phase_diagram bifurcation losing_side timing sensitivity syria_record

## figures: every figure of docs/results.md from scratch (PNG, PDF and data in figures/)
figures: $(STAMP)
	cd experiments && for f in $(FIGURE_SCRIPTS); do ../$(BIN)/python $$f.py || exit 1; done

APP_PORT ?= 8765
SCENARIO ?= syria_2012

APP_HOST ?= localhost

## app: the classroom app on http://localhost:$(APP_PORT) (Ctrl-C stops it); for a class
## game over the room's network: make app APP_HOST=0.0.0.0 (students open http://<this-ip>:8765)
# a closed tab's session (its model) is freed 2 minutes later (Solara keeps it 24 h by default)
app: $(STAMP)
	@echo "The classroom app: open http://localhost:$(APP_PORT) in a browser (Ctrl-C to stop)"
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False PYTHONWARNINGS=ignore SOLARA_KERNEL_CULL_TIMEOUT=2m \
		$(BIN)/solara run sim/app/page.py --host $(APP_HOST) --port $(APP_PORT) --no-open

## app-loadcheck: is the app server bounded? concurrent loads, Play, a closed tab, Ctrl-C
app-loadcheck: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[browser]"
	$(BIN)/python -m sim.app.loadcheck --pages 30

## gif: a run of SCENARIO as an animated GIF for slides (figures/<scenario>.gif)
gif: $(STAMP)
	$(BIN)/python -m sim.app.gif --scenario $(SCENARIO) --every 2

## test-browser: the app in headless Chromium (installs Debian's chromium if it can)
test-browser: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "test-browser: installing Debian's chromium package"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "test-browser: SKIPPED: chromium could not be installed (apt-get failed or not root)"; }
	$(BIN)/python -m pip install --quiet -e ".[browser]"
	$(BIN)/python -m pytest -m browser -rs -p no:cacheprovider tests/test_browser.py
