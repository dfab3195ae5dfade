#!/usr/bin/env bash
# `make bench`: measure analyses, attribution, dataset views and pages; write bench/results.md.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ensure_system
ensure_venv
# tf-keras-vis: the reference the attribution section is compared with.
bench_hash="$(hash_files "$ROOT/pyproject.toml")"
if ! stamp_ok bench "$bench_hash"; then
  say "Installing the benchmark extras"
  "$PY" -m pip install -q -e "$ROOT[bench]"
  stamp_set bench "$bench_hash"
fi
ensure_frontend  # the browser section measures the built pages
ensure_database
ensure_zoo
"$PY" bench/run_bench.py "$@"
