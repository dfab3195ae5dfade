"""Test set-up for the zoo: repository root importable, TensorFlow environment set early."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from model_zoo.spec import set_tf_env  # noqa: E402  (needs ROOT on sys.path)

# Before any test imports TensorFlow: quiet logs and bit-reproducible (non-oneDNN) kernels.
set_tf_env()
