# `make run` serves the demo portal on embedded defaults; `make test` runs every test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORTAL_PORT ?= 5000
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://portal:portal@127.0.0.1:5432/portal_test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run install test test-unit test-postgres test-redis lint services-postgres \
	services-redis clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/portal db upgrade
	$(BIN)/portal user ensure-admin
	$(BIN)/portal demo
	PORTAL_PORT=$(PORTAL_PORT) $(BIN)/portal serve --port $(PORTAL_PORT)

test: test-unit test-postgres test-redis

test-unit: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not postgres and not redis"

# The database tests again, on a real PostgreSQL server (installed and started if missing).
test-postgres: $(STAMP) services-postgres
	PORTAL_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -m "not redis and not server"

# The job queue on a real Redis server (installed and started if missing).
test-redis: $(STAMP) services-redis
	PORTAL_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -m redis

services-postgres:
	bash scripts/postgres.sh

services-redis:
	bash scripts/redis.sh

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance *.egg-info
