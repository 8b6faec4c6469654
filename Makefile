# melian: two commands do all the set-up on a fresh machine.
#   make brief   create the environment if missing, write the decision brief on the built-in scenario
#   make test    create the environment if missing, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.melian-installed
SCENARIO ?= iraq-us-2020
BRIEF_DIR ?= briefs
PYTEST_ARGS ?=

.PHONY: env system brief test lint bench bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip==26.3"
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@# compile the world engine's and the exchange model's kernels into numba's cache now
	@# (about 5 s, once), so that the first brief does not pay for it
	$(BIN)/python -c "import melian.world._kernels, melian.bargaining._exchange_kernel"
	@touch $(STAMP)

env: $(STAMP)

system:
	@bash scripts/system-deps.sh

brief: env system
	$(BIN)/melian brief $(SCENARIO) --out $(BRIEF_DIR)

test: env system
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: env
	$(BIN)/ruff check src tests benchmarks research scripts
	$(BIN)/ruff format --check src tests benchmarks research scripts

bench: env
	$(BIN)/python benchmarks/run_all.py

bench-quick: env
	$(BIN)/python benchmarks/run_all.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
