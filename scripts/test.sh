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

say "Tests"
# `make test` must be self-contained: the suite starts its own Redis and Celery worker.
"$VENV/bin/pytest" "$@"
