#!/usr/bin/env bash
# Make a local PostgreSQL server with a videotwin_test database for `make test-postgres`.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1" && break
  sleep 1
done
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='videotwin'\" | grep -q 1 || \
  psql -q -c \"CREATE ROLE videotwin LOGIN PASSWORD 'videotwin'\""
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='videotwin_test'\" | grep -q 1 || \
  createdb -O videotwin videotwin_test"
