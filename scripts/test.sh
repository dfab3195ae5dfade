#!/usr/bin/env bash
# `make test`: install what tests need (Chromium, Playwright), then run every test.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_system
apt_install chromium
ensure_venv
ensure_frontend

say "Lint"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .

say "Front-end checks (.npy parser, colour scales) and component tests (Vitest)"
(cd "$ROOT/frontend" && npm run --silent check && npm run --silent test)

say "Tests (SQLite)"
# `make test` is self-contained: the suite starts its own Redis and Celery worker processes.
"$VENV/bin/pytest" "$@"

# Every test that touches a database (API, jobs and workers, chaos, pages) runs again on
# PostgreSQL when one answers: TEST_DATABASE_URL, or the local server. tests/worker, model_zoo and
# datasets never open one (compute code is free of Django), so a second pass would repeat them.
PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/convscope}"
if "$PY" -c "import psycopg, sys; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  say "Tests (PostgreSQL)"
  DATABASE_URL="$PG_URL" "$VENV/bin/pytest" tests/backend tests/integration tests/chaos tests/e2e
else
  say "No PostgreSQL answers at $PG_URL: skipped the PostgreSQL pass (set TEST_DATABASE_URL)"
fi
