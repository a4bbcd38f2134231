# The two commands of the README: `make demo` (main job) and `make test`.
# Both create .venv with the newest Python 3.12+ found, and install what is missing.
# bash, for pipefail: set-up shows pip's progress and still stops where pip fails
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS := dev,explore,distributed,app,browser,export,docs,decide

.PHONY: setup demo test docs clean

setup: $(VENV)/.installed

# Each step says what it does and how long it takes, so that a first set-up is never silent for minutes.
$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || exit 1
	@echo "Set-up 1/3: the virtual environment $(VENV), with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Set-up 2/3: installing alliance-sim and the extras $(EXTRAS) (2 to 10 minutes the first time, with a"
	@echo "            line for each package; seconds after a change to pyproject.toml)"
	@set -o pipefail; $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e ".[$(EXTRAS)]" \
		| { grep --line-buffered '^Collecting' || true; }
	@echo "Set-up 3/3: compiling the engine (about a minute, once per machine; cached for every later run)"
	$(BIN)/python -c "from sim.core.engine import warm_up; warm_up()"
	@echo "Set-up done."
	@touch $@

# The README's first screen: the headline under the calibrated posterior (each scenario names it), from
# 2018 and from 2025, each map with its threshold curve and the parameter sets that can reach a
# partnership at all (reach); and the 2018 baseline's runs. The figures of an earlier demo go first:
# --replace replaces only what the runs wrote, never files added since.
DEMO := results/headline_2018 results/baseline_2018 results/headline_2025
demo: setup
	rm -rf $(foreach r,$(DEMO),$(r)/plots $(r)/thresholds.csv $(r)/reachable.parquet)
	$(BIN)/alliance-sim batch scenarios/sanctions_autonomy_sweep.yaml --set sweep.replicates=200 --out results/headline_2018 --replace
	$(BIN)/alliance-sim plot results/headline_2018
	$(BIN)/alliance-sim reach results/headline_2018
	$(BIN)/alliance-sim run scenarios/baseline_2018.yaml --out results/baseline_2018 --replace
	$(BIN)/alliance-sim plot results/baseline_2018
	$(BIN)/alliance-sim batch scenarios/baseline_2025.yaml --set sweep.replicates=200 --out results/headline_2025 --replace
	$(BIN)/alliance-sim plot results/headline_2025
	$(BIN)/alliance-sim reach results/headline_2025

# Slow and browser tests run only where CI is set, as on the CI machine; the linter first. The tests run
# on two processes, a test file to each; those that measure time and memory (marked alone) run after
# them, by themselves. The tests' temporary folders (10 GB with CI: a million-run batch, a clean clone
# set up) are removed when the run passes, and kept for the tests that failed.
PYTEST := $(BIN)/python -m pytest -o tmp_path_retention_policy=failed
test: setup
	$(BIN)/ruff check sim tests bench scripts
	$(PYTEST) -n 2 --dist loadfile $(if $(CI),-m "not alone")
	$(if $(CI),$(PYTEST) -m alone)

# The documentation site (docs/, mkdocs.yml) into site/; any warning (a broken link or anchor) fails it.
# NO_MKDOCS_2_WARNING silences a notice that Material prints about its own future, not about the site.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) build *.egg-info
