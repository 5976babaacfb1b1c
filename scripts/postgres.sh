#!/usr/bin/env bash
# Install (from the OS packages) and start PostgreSQL, and create the test role and database.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$version main.*online"; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
psql_su() { su postgres -c "psql -qtAX -c \"$1\""; }
if [ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='portal'")" != "1" ]; then
  psql_su "CREATE ROLE portal LOGIN PASSWORD 'portal'"
fi
# A fresh test database every run: what an earlier run (or an older migration) left behind
# must not decide whether this one passes.
# One per pytest-xdist worker too (make test runs two), each emptied between its tests.
for database in portal_test portal_test_gw0 portal_test_gw1 portal_test_gw2 portal_test_gw3; do
  psql_su "DROP DATABASE IF EXISTS $database WITH (FORCE)"
  psql_su "CREATE DATABASE $database OWNER portal ENCODING 'UTF8' TEMPLATE template0"
done
echo "PostgreSQL $version is running with fresh databases portal_test and portal_test_gw0-3."
