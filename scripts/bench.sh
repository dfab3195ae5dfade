#!/usr/bin/env bash
# `make bench`: measure the analysis path and write bench/results.md.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ensure_system
ensure_venv
ensure_database
ensure_zoo
"$PY" bench/run_bench.py "$@"
