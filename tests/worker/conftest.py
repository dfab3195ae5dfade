"""Shared setup for worker tests: TensorFlow environment and import paths."""

from __future__ import annotations

import sys
from pathlib import Path

# Make `worker` and `tests.fixtures` importable whichever way pytest is started.
_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from worker.tf_env import configure_tensorflow  # noqa: E402

configure_tensorflow()
