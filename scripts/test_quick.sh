#!/usr/bin/env bash
# `make test-quick`: the inner loop, in about 5 minutes. The compute tests beside the backend
# tests on SQLite, without the ones that start real Celery workers, browsers or chaos
# (`make test` runs everything). PYTEST_ARGS go to both passes.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/stages.sh"
cd "$ROOT"
PYTEST_EXTRA="$*"

stage "Set-up (.venv)"
ensure_system
ensure_venv

lane_compute() {
  test_pass "Compute tests (worker, model_zoo, datasets)" \
    tests/worker tests/model_zoo tests/datasets "$@"
}
lane_backend() {
  CONVSCOPE_TEST_SQLITE="$ROOT/var/test-db-quick.sqlite3" \
    test_pass "Backend tests without real workers (SQLite)" \
    tests/backend -m "not integration and not e2e and not chaos" "$@"
}

stage "Tests (two lanes side by side)"
run_lanes lane_compute lane_backend -- "$@"
