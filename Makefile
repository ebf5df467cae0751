# Two commands from a fresh clone: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The stamp changes with pyproject.toml, so editing dependencies reinstalls.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo run test lint typecheck unit bench bench-quick bench-queries bench-extract bench-claims bench-matching train-claims train-matcher migrate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Factdesk needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
	  { echo "Python's venv module is missing. On Debian or Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

demo: install
	$(BIN)/factdesk demo

run: install
	$(BIN)/factdesk run

migrate: install
	$(BIN)/factdesk migrate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not scenario"

test: lint typecheck
	$(BIN)/pytest

# The whole system and the desk's queries at a million claims, on PostgreSQL and Redis on
# loopback when they answer (else the embedded ones); ARGS=--help lists the knobs.
bench: install
	$(BIN)/python -m benchmarks.pipeline $(ARGS)

bench-quick: install
	$(BIN)/python -m benchmarks.pipeline --quick $(ARGS)

bench-queries: install
	$(BIN)/python -m benchmarks.queries $(ARGS)

# Benchmarks and training read the labelled data in ../shared/eval-data (not needed by tests).
bench-extract: install
	$(BIN)/python -m benchmarks.extract

bench-claims: install
	$(BIN)/python -m benchmarks.claims $(ARGS)

# Fine-tunes the claim model (see workers/nlp/training/train.py) with the [train] extra,
# CPU torch first so that pip never pulls a CUDA build; niced, since it keeps both cores
# busy for the better part of an hour. ARGS=--help lists the knobs.
train-claims: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 $(TORCH_PIP_ARGS)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,train]'
	nice -n 19 $(BIN)/python -m workers.nlp.training.train $(ARGS)

# Fine-tunes the claim matcher's embedder on the CheckThat! train pairs and exports it as
# int8 ONNX (workers/nlp/training/train_matcher.py), same [train] extra, same CPU torch;
# then `make bench-matching ARGS=--fit` refits the fusion on the dev pairs.
train-matcher: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 $(TORCH_PIP_ARGS)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,train]'
	nice -n 19 $(BIN)/python -m workers.nlp.training.train_matcher $(ARGS)

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache

# Claim matching on ../shared/eval-data/claim-matching (accuracy, then lookups at a million
# claims on PostgreSQL); ARGS=--fit refits the fusion, ARGS=--help lists the knobs.
bench-matching: install
	$(BIN)/python -m benchmarks.matching --latency $(ARGS)
