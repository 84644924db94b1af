PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOAD_STAMP := $(VENV)/.installed-load
FEDERATION := tests/federation
NODE_STAMP := $(FEDERATION)/node_modules/.installed
PEERS := bench/peers
PEERS_STAMP := $(PEERS)/node_modules/.installed
SCHEMA_BASE ?= HEAD

.PHONY: install node run test lint schema schema-check bench bench-peers load clean

install: $(STAMP) node

# Apollo's composition, gateway and subgraph packages for the federation tests; without npm those tests skip.
node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory $(NODE_STAMP); \
	else echo "npm not found: the federation tests will be skipped"; fi

$(NODE_STAMP): $(FEDERATION)/package.json $(FEDERATION)/package-lock.json
	cd $(FEDERATION) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/cip-graph serve

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schema: install
	$(BIN)/cip-graph export-schema > schema.graphql

# Breaking changes of the code's schema against the one committed at SCHEMA_BASE (make schema-check SCHEMA_BASE=origin/main).
schema-check: install
	git show $(SCHEMA_BASE):schema.graphql | $(BIN)/cip-graph schema-check -

bench: install
	$(BIN)/python -m bench.run $(ARGS)

# PostGraphile 5, autocannon and the Node 22 that runs them, for bench-peers only.
$(PEERS_STAMP): $(PEERS)/package.json $(PEERS)/package-lock.json
	cd $(PEERS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# This service against PostGraphile 5 and a hand-written floor (bench/peers). Shorter:
# make bench-peers ARGS="--duration 5 --warmup 1"
bench-peers: install $(PEERS_STAMP)
	$(BIN)/python -m bench.peers $(ARGS)

# Locust (the `load` extra) for `make load` only: `make install` and `make test` never need it.
$(LOAD_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,load]'
	touch $@

# 200 members for 60 s against two workers on PostgreSQL, then the database check (bench/load).
# Smaller: make load ARGS="--users 50 --duration 10s"
load: install $(LOAD_STAMP)
	$(BIN)/python -m bench.load $(ARGS)

clean:
	rm -rf $(VENV) $(FEDERATION)/node_modules $(PEERS)/node_modules cip.db cip.db-shm cip.db-wal
