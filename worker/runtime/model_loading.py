"""Loading user-supplied Keras models: static checks first, Keras second, sandboxed."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from worker.runtime.model_safety import MAX_FILE_BYTES, ModelRejected, check_model_file
from worker.runtime.tf_env import configure_tensorflow

if TYPE_CHECKING:
    import keras

MEMORY_ENV = "CONVSCOPE_VALIDATE_MEMORY_MB"
# The model-size limit the sandboxed child checks against (the caller's, passed on).
MAX_BYTES_ENV = "CONVSCOPE_VALIDATE_MAX_BYTES"
# The repository root (worker/runtime/model_loading.py is two folders below it).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def load_keras_model(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> keras.Model:
    """Statically check ``path`` (``max_bytes``: the model-size limit) and load it with Keras in
    safe mode, without compiling.

    Raises:
        ModelRejected: from the static check, or when Keras refuses/fails to load it.
    """
    check_model_file(path, max_bytes)
    configure_tensorflow()
    import keras

    try:
        return keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except MemoryError:
        raise
    except Exception as exc:  # any Keras failure is a refusal
        raise ModelRejected(f"Keras could not load this model: {_short(exc)}") from exc


def load_stored_model(path: str | Path) -> keras.Model:
    """A registered network's file: every check but the size, which it passed when it was
    registered (under the limit set then, which may since have been lowered)."""
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    return load_keras_model(path, max(MAX_FILE_BYTES, size))


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _limit_resources(memory_mb: int) -> None:
    """preexec_fn for the validation child.

    RLIMIT_AS caps address space: TensorFlow (CPU) imports and runs small models under
    2 GB, so the default 6 GB is ample. CUDA reserves huge virtual ranges, which is why
    the child hides GPUs (validation needs none).
    """
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dumps of big processes
    os.setsid()  # own process group, so a timeout kills any helpers too


def validate_model_file(
    path: str | Path,
    *,
    timeout_s: float = 120,
    memory_mb: int = 6144,
    max_bytes: int = MAX_FILE_BYTES,
) -> dict:
    """Check, load and test-run a model in a separate, time- and memory-limited process
    (``max_bytes``: the model-size limit its static check applies).

    Returns:
        ``{"input_shape": [H, W, C], "num_classes": N, "layers": [...], "params": total,
        "softmax_output": bool}``.

    Raises:
        ModelRejected: with a one-line reason.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env["CUDA_VISIBLE_DEVICES"] = "-1"
    env[MEMORY_ENV] = str(memory_mb)
    env[MAX_BYTES_ENV] = str(int(max_bytes))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["KERAS_BACKEND"] = "tensorflow"
    proc = subprocess.Popen(
        # Absolute path: the child runs with the package root as its working directory.
        [sys.executable, "-m", "worker.runtime.validate_model", str(Path(path).resolve())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=str(_PACKAGE_ROOT),
        preexec_fn=lambda: _limit_resources(memory_mb),
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # it may have just exited
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ModelRejected(f"Loading the model took longer than {timeout_s:g} seconds.") from None
    result = _parse_last_json(stdout)
    if isinstance(result, dict) and "error" in result:
        raise ModelRejected(str(result["error"]))
    if proc.returncode == 0 and isinstance(result, dict) and "input_shape" in result:
        return result
    err = stderr.decode("utf-8", "replace")
    if proc.returncode in (-signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV) or any(
        marker in err
        for marker in ("MemoryError", "bad_alloc", "Cannot allocate memory", "failed to map")
    ):
        raise ModelRejected(f"Loading the model needs more than {memory_mb} MB of memory.")
    lines = [line for line in err.splitlines() if line.strip()]
    raise ModelRejected(
        "Keras could not load this model: "
        + (_short(Exception(lines[-1])) if lines else f"exit status {proc.returncode}")
    )


def _parse_last_json(stdout: bytes) -> object:
    """The child prints its answer as the last stdout line; anything before is noise."""
    for line in reversed(stdout.decode("utf-8", "replace").splitlines()):
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None
