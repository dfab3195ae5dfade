#!/usr/bin/env bash
# `make dev`: set up whatever is missing, then run Redis (if none), a Celery worker and the web server.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_system
ensure_venv
ensure_frontend
ensure_database
ensure_zoo

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  say "Stopping"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if ! redis_up "$REDIS_PORT"; then
  say "Starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p var/redis
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$ROOT/var/redis" \
    --appendonly yes --save "" --logfile "$ROOT/var/redis/redis.log" &
  PIDS+=($!)
  for _ in $(seq 50); do redis_up "$REDIS_PORT" && break; sleep 0.1; done
fi
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:$REDIS_PORT/0}"

say "Starting the Celery worker"
# One machine: one worker takes every queue and runs beat (the sweeper of jobs whose worker died).
"$VENV/bin/celery" -A backend.config.celery_app worker -Q default,cpu_heavy,gpu \
  -B --schedule "$ROOT/var/celerybeat-schedule" --concurrency 1 --loglevel INFO --logfile "$ROOT/var/worker.log" >>"$ROOT/var/worker.log" 2>&1 &
PIDS+=($!)

say "Starting the web server"
# Keep-alive 30 s: gunicorn's 2 s default closed clients' idle connections under load (bench).
"$VENV/bin/gunicorn" backend.config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --keep-alive 30 \
  --access-logfile "$ROOT/var/access.log" --error-logfile - --log-level warning &
PIDS+=($!)

for _ in $(seq 100); do http_up "http://127.0.0.1:$PORT/api/health/" && break; sleep 0.2; done
cat <<MSG

  ConvScope is running at http://127.0.0.1:$PORT/
  Log in as: demo / ${CONVSCOPE_DEMO_PASSWORD:-convscope-demo}
  API docs:  http://127.0.0.1:$PORT/api/docs/
  Logs: var/worker.log, var/access.log      Press Ctrl-C to stop.

MSG
wait -n "${PIDS[@]}" || true
