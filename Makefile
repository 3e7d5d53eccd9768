# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow sim-study fuzz lint typecheck clean lock

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,spark]'
	touch $(STAMP)

# the newest releases pyproject.toml allows, in a throw-away venv, written to constraints.txt
lock:
	rm -rf .venv-lock
	$(PY) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip
	.venv-lock/bin/python -m pip install -q -e '.[dev,spark]'
	{ sed -n '1,3p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

demo: $(STAMP)
	rm -rf demo-project
	$(BIN)/uncounted demo demo-project

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider

# only the long simulation studies and reference chains (they are part of `make test` too:
# about 4.5 minutes on 2 cores)
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow -p no:cacheprovider

# the full simulation study behind the verdict (issue 9): 100 replicates per scenario
sim-study: $(STAMP)
	$(BIN)/python bench/sim_verdict.py --reps 100

fuzz: $(STAMP)
	UNCOUNTED_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -m fuzz -p no:cacheprovider -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-project .pytest_cache .mypy_cache .ruff_cache
