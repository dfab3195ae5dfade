#!/usr/bin/env bash
# `make chaos`: only the chaos tests (they also run in `make test`): Celery workers and Redis
# killed mid-job, on SQLite and, when one answers, on PostgreSQL.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_system
ensure_venv

say "Chaos tests (SQLite)"
"$VENV/bin/pytest" tests/chaos --ignore=tests/chaos/test_time_limits.py "$@"
"$VENV/bin/pytest" tests/chaos/test_time_limits.py "$@"

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/convscope}"
if "$PY" -c "import psycopg, sys; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  say "Chaos tests (PostgreSQL)"
  # test_time_limits.py in its own process, as in `make test` (see scripts/test.sh)
  DATABASE_URL="$PG_URL" "$VENV/bin/pytest" tests/chaos --ignore=tests/chaos/test_time_limits.py "$@"
  DATABASE_URL="$PG_URL" "$VENV/bin/pytest" tests/chaos/test_time_limits.py "$@"
fi
