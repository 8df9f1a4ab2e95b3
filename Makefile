# The two commands a newcomer needs: `make run` and `make test`.
# Everything they need is installed here, from PyPI and npm, so a fresh clone works.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= ./.sumchain
GENESIS ?= genesis/dev.json
ARGS ?=

.PHONY: install browser run test bench peers contracts clean

install: $(VENV)/.installed node_modules/.installed dashboard/static/build/vendor.js browser

# The dashboard's npm packages (ethers, Chart.js), bundled for the browser: the page loads nothing
# from the internet.
dashboard/static/build/vendor.js: dashboard/web/vendor.js node_modules/.installed
	node_modules/.bin/esbuild $< --bundle --format=esm --minify --log-level=warning --outfile=$@

# A real browser for the tests that open pages: Debian's chromium, installed where it is missing
# and we are root (as CI is); otherwise those tests skip, saying how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y --no-install-recommends chromium >/dev/null || \
	      { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; } || \
	      echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "no chromium (and not root): the browser tests will be skipped; sudo apt-get install chromium"; fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: install
	$(BIN)/sumchain node --genesis $(GENESIS) --data-dir $(DATA_DIR) $(ARGS)

# tests/hardhat: a Hardhat 2 project that drives the node through hardhat-network-helpers;
# tests/anvil: Anvil, for the same simulation on sumchain and on another node.
test: install tests/hardhat/node_modules/.installed tests/anvil/node_modules/.installed
	$(BIN)/pytest $(ARGS)

tests/%/node_modules/.installed: tests/%/package.json tests/%/package-lock.json
	cd tests/$* && npm ci --no-audit --no-fund
	touch $@

# Recompile contracts/ (not tests/contracts) into the committed artifacts in contracts/build/.
contracts: node_modules/.installed
	node contracts/build.js

# Figures for docs/: node core, JSON-RPC throughput, the precompiles' gas calibration, gas of the
# vector operations and SUM actions (docs/benchmarks.md).
bench: install
	$(BIN)/python -m bench.node_core
	$(BIN)/sumchain bench node
	$(BIN)/sumchain bench precompiles
	$(BIN)/sumchain bench gas

# Other dev nodes (Hardhat, Anvil, Ganache) for `sumchain bench node --against URL`; run and test
# do not need them.
peers: bench/peers/node_modules/.installed

bench/peers/node_modules/.installed: bench/peers/package.json bench/peers/package-lock.json
	cd bench/peers && npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules dashboard/static/build tests/hardhat/node_modules tests/anvil/node_modules bench/peers/node_modules .pytest_cache .hypothesis
