#!/usr/bin/env bash
# `make fuzz`: the hostile-input tests at full strength. Schemathesis sends
# CONVSCOPE_FUZZ_EXAMPLES generated requests (half valid, half invalid) to every operation of
# /api/schema/ (200 here; the normal suite runs 10), then the hostile image and model corpora.
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ensure_venv

export CONVSCOPE_FUZZ_EXAMPLES="${CONVSCOPE_FUZZ_EXAMPLES:-200}"
say "Fuzzing the API with $CONVSCOPE_FUZZ_EXAMPLES examples per operation, then the hostile corpora"
"$VENV/bin/pytest" -p no:cacheprovider -s -m "not e2e" \
  tests/backend/test_hostile_api_fuzz.py \
  tests/backend/test_hostile_images.py \
  tests/backend/test_hostile_models.py "$@"
