# Stage timing for the test scripts (sourced after common.sh): `stage NAME` starts a stage,
# `test_pass NAME ARGS` runs one pytest pass, `run_lanes` runs groups of passes side by side.
# When the script ends, for any reason, the wall time of every stage and pass is printed.

STAGE_NAME=""
STAGE_START=$SECONDS
RUN_START=$SECONDS
TIMES="$ROOT/var/test-logs/stage-times.tsv"
mkdir -p "$ROOT/var/test-logs"
: >"$TIMES"

_stage_close() {
  if [ -n "$STAGE_NAME" ]; then
    printf '%s\t%d\t\n' "$STAGE_NAME" $((SECONDS - STAGE_START)) >>"$TIMES"
  fi
  STAGE_NAME=""
}

stage() {
  _stage_close
  STAGE_NAME="$1"
  STAGE_START=$SECONDS
  say "$1"
}

_stage_report() {
  local rc=$?
  _stage_close
  printf '\n\033[1;34m==>\033[0m Wall time of each stage\n'
  while IFS=$'\t' read -r name seconds result; do
    printf '  %-64s %5d s  %s\n' "$name" "$seconds" "$result"
  done <"$TIMES"
  printf '  %-64s %5d s\n' "Total" $((SECONDS - RUN_START))
  [ "$rc" = 0 ] || printf '  (stopped by a failure: exit %s)\n' "$rc"
  return "$rc"
}
trap _stage_report EXIT

# One pytest pass (with its 20 slowest tests): its output goes to var/test-logs/pass-<name>.log and is printed when the
# pass ends; its wall time, test count and result go to the stage table. When PYTEST_ARGS
# select nothing in a pass (pytest's exit 5), that pass is not a failure.
test_pass() {
  local name="$1" start=$SECONDS rc=0 log summary
  shift
  log="$ROOT/var/test-logs/pass-$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '-').log"
  # the JUnit file keeps every test's time (var/test-logs/*.xml: which files to move or trim)
  "$VENV/bin/pytest" --durations=20 --junitxml="${log%.log}.xml" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" = 5 ] && [ -n "${PYTEST_EXTRA:-}" ]; then rc=0; fi
  summary="$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$log" | tail -1 | tr -d '=')"
  {
    printf '\n\033[1;34m==>\033[0m %s (%d s)\n' "$name" $((SECONDS - start))
    cat "$log"
  } | flock "$TIMES" cat
  printf '  %s\t%d\t%s\n' "$name" $((SECONDS - start)) "${summary# }" | flock "$TIMES" tee -a "$TIMES" >/dev/null
  return "$rc"
}

# run_lanes LANE_FN... -- ARGS: each lane (a function running passes in order) runs in the
# background; fails when any lane failed. TEST_LANES=1 runs them one after another.
run_lanes() {
  local lanes=() pids=() rc=0
  while [ "$1" != "--" ]; do lanes+=("$1"); shift; done
  shift
  for lane in "${lanes[@]}"; do
    if [ "${TEST_LANES:-2}" = 1 ]; then
      "$lane" "$@" || rc=$?
    else
      "$lane" "$@" &
      pids+=($!)
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  return "$rc"
}

postgres_answers() {
  "$PY" -c "import psycopg, sys; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$1" 2>/dev/null
}
