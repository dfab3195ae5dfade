"""``python -m worker.runtime.validate_model PATH``: the sandboxed child of validate_model_file.

Prints one JSON line: the model summary (exit 0) or ``{"error": reason}`` (exit 2).
"""

from __future__ import annotations

import json
import os
import sys

from worker.runtime.model_safety import ModelRejected

# How an exhausted address-space limit shows up (the dynamic loader fails to map
# TensorFlow's shared library, or an allocation fails).
_MEMORY_MARKERS = (
    "failed to map segment",
    "Cannot allocate memory",
    "bad_alloc",
    "OOM when allocating",
    "ResourceExhausted",
)


def validate_in_process(path: str) -> dict:
    """Check, load, test-run and describe a model in this process."""
    from worker.runtime.model_loading import MAX_BYTES_ENV
    from worker.runtime.model_safety import MAX_FILE_BYTES, check_model_file
    from worker.runtime.tf_env import configure_tensorflow

    max_bytes = int(os.environ.get(MAX_BYTES_ENV) or MAX_FILE_BYTES)
    check_model_file(path, max_bytes)  # refuse cheaply, before paying for the TensorFlow import
    configure_tensorflow()
    import numpy as np

    from worker.runtime.introspection import describe_layers, has_softmax_output, image_input_shape
    from worker.runtime.model_loading import load_keras_model

    model = load_keras_model(path, max_bytes)
    height, width, channels = image_input_shape(model)
    try:
        out = np.asarray(model(np.zeros((1, height, width, channels), np.float32), training=False))
    except Exception as exc:  # a model that cannot run is refused
        raise ModelRejected(f"The model failed on a test image: {exc}") from exc
    if out.ndim != 2 or out.shape[0] != 1:
        raise ModelRejected(f"The model's output on one image has shape {list(out.shape)}.")
    if not np.all(np.isfinite(out)):
        raise ModelRejected("The model outputs non-finite numbers on a blank image.")
    return {
        "input_shape": [height, width, channels],
        "num_classes": int(out.shape[1]),
        "layers": describe_layers(model),
        "params": int(model.count_params()),
        "softmax_output": bool(has_softmax_output(model)),
    }


def main(argv: list[str]) -> int:
    """Entry point; returns the exit status."""
    if len(argv) != 1:
        print(json.dumps({"error": "usage: python -m worker.runtime.validate_model PATH"}))
        return 2
    try:
        result = validate_in_process(argv[0])
    except Exception as exc:  # report, never crash with a traceback
        text = " ".join(str(exc).split())[:300] or type(exc).__name__
        # TensorFlow's out-of-memory error can arrive wrapped in a refusal of the loader
        # ("Keras could not load this model: {{function_node …}} OOM when allocating …").
        if isinstance(exc, MemoryError) or any(m in text for m in _MEMORY_MARKERS):
            limit = os.environ.get("CONVSCOPE_VALIDATE_MEMORY_MB", "the allowed")
            text = f"Loading the model needs more than {limit} MB of memory."
        elif not isinstance(exc, ModelRejected):
            text = f"Keras could not load this model: {text}"
        else:
            text = str(exc)
        result, status = {"error": text}, 2
    else:
        status = 0
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
