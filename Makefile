# `make run` serves the demo portal on embedded defaults; `make test` runs every test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORTAL_PORT ?= 5000
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql://portal:portal@127.0.0.1:5432/portal_test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Test instances live in memory when the machine has /dev/shm: the suite commits to SQLite
# and the search index thousands of times, and fsync on disk would dominate its run time.
PYTEST := $(BIN)/python -m pytest $(if $(wildcard /dev/shm),--basetemp=/dev/shm/portal-pytest-$(shell id -u),)
# The unit and PostgreSQL suites run on every core (pytest-xdist), a test file per worker at a
# time so module fixtures (live servers) start once; TEST_JOBS=1 runs them in one process.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n > 4 ? 4 : n )))
PARALLEL := $(if $(filter 1,$(TEST_JOBS)),,-n $(TEST_JOBS) --dist loadfile)

.PHONY: run install test test-unit test-install test-postgres test-redis test-topology test-browser lint \
	services-postgres \
	services-redis clean

# ECharts (package.json pins it) comes from npm at build time and is served by the portal
# itself from static/vendor/ (not in git); without the file the pages work and the chart section
# says so.
$(STAMP): setup.cfg pyproject.toml package.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile --statistics -d portal/web/translations
	if command -v npm >/dev/null 2>&1; then \
	  npm install --no-audit --no-fund --silent \
	  && mkdir -p portal/web/static/vendor \
	  && cp node_modules/echarts/dist/echarts.min.js portal/web/static/vendor/; \
	else echo "npm not found: the chart builder stays off (install Node.js and rerun make install)"; fi
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/portal db upgrade
	$(BIN)/portal user ensure-admin
	$(BIN)/portal demo
	$(BIN)/portal search check >/dev/null || $(BIN)/portal search reindex
	PORTAL_PORT=$(PORTAL_PORT) $(BIN)/portal serve --port $(PORTAL_PORT)

test: test-unit test-install test-postgres test-redis test-topology test-browser

test-unit: $(STAMP)
	$(BIN)/ruff check .
	$(PYTEST) $(PARALLEL) -m "not postgres and not redis and not browser and not topology"

# A clean `pip install .` from install_requires alone (no extras) starts the app.
test-install:
	bash scripts/install_check.sh

# The database tests again, on a real PostgreSQL server (installed and started if missing).
test-postgres: $(STAMP) services-postgres
	PORTAL_TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST) $(PARALLEL) -m "not redis and not server and not browser and not topology"

# The job queue on a real Redis server (installed and started if missing).
test-redis: $(STAMP) services-redis
	PORTAL_TEST_REDIS_URL=$(REDIS_TEST_URL) $(PYTEST) -m redis

# The distributed deployment without Docker: two `portal serve` nodes and a `portal worker`
# on PostgreSQL, Redis and rclone's S3 server (tests/test_topology.py, docker/DEPLOYMENT.md).
test-topology: $(STAMP) services-postgres services-redis
	PORTAL_TEST_DATABASE_URL=$(PG_TEST_URL) PORTAL_TEST_REDIS_URL=$(REDIS_TEST_URL) \
	  $(PYTEST) -m topology tests/test_topology.py

# The pages in headless Chromium (Debian's, installed with its CJK font by scripts/browser.sh)
# against the portal under gunicorn with the demo catalog: scenarios, axe-core, screenshots.
test-browser: $(STAMP)
	bash scripts/browser.sh
	$(PYTEST) -m browser tests/browser

services-postgres:
	bash scripts/postgres.sh

services-redis:
	bash scripts/redis.sh

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance *.egg-info
