# Two commands set everything up on a machine with Python 3.11+, Node 20+ and npm:
#   make demo   installs what is missing, then runs chain + contracts + demo data + indexer + API
#   make test   installs what is missing, then runs lint, type checks, slither and the whole test suite
# Each install step is skipped when its inputs have not changed since it last ran.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
TOOLCHAIN_STAMP := $(VENV)/.toolchain

# ape-foundry looks for anvil on PATH; the pinned npm one comes first.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: demo test install lint slither clean

demo: install
	$(BIN)/procledger up

test: install lint slither
	$(BIN)/python -m pytest

install: $(PY_STAMP) $(NPM_STAMP) $(TOOLCHAIN_STAMP)

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Static analysis of contracts/, offline (forge from npm compiles); fails on any High or Medium finding.
slither: install
	$(BIN)/python scripts/slither.py

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "procurement-ledger needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Exposes the solc-js bridge to ape-solidity (~/.solcx/solc-v<version>), so `ape compile` works offline.
$(TOOLCHAIN_STAMP): $(PY_STAMP) $(NPM_STAMP) ape-config.yaml
	$(BIN)/procledger toolchain
	touch $@

clean:
	rm -rf build .build .procledger
