"""Static checks on an uploaded Keras model file, run before Keras ever reads it.

Keras' ``safe_mode`` has had bypasses (CVE-2025-1550 and later), and Keras itself
advises sandboxing. So we open the archive ourselves, refuse anything odd about the
container, and walk the model config against allow-lists of built-in classes,
modules and activations. Only then is :func:`keras.saving.load_model` called (in a
separate, resource-limited process; see :mod:`worker.runtime.model_loading`).

No TensorFlow or Keras import here: h5py and the standard library only.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from worker.inputs.zip_safety import UnsafeZip, ZipLimits, ZipProblem, check_zip

# The default model-size limit (admits VGG16/VGG19, about 550 MB). The backend passes its setting
# (named below, for the refusal sentence) as ``max_bytes``; this module never reads Django.
MAX_FILE_BYTES = 600 * 1024 * 1024
MODEL_SIZE_SETTING = "CONVSCOPE_MAX_MODEL_UPLOAD_BYTES"
# Unpacked, a .keras file is its weights (random-looking floats: ~1.1:1) plus JSON; 2.5× the
# file-size limit leaves room for well-compressing weights and still stops a bomb.
UNPACKED_FACTOR = 2.5
MAX_UNCOMPRESSED_BYTES = int(MAX_FILE_BYTES * UNPACKED_FACTOR)
MAX_ENTRIES = 1000
MAX_JSON_BYTES = 32 * 1024 * 1024
# A larger entry compressing better than this is treated as a zip bomb. Real weights
# (random-looking floats) compress about 1.1:1; even zero-heavy ones stay far below.
MAX_RATIO = 200
RATIO_CHECK_MIN_BYTES = 10 * 1024 * 1024
# What Keras 3 writes in a .keras archive: anything else (a pickle, a script) has no business
# there, and would be kept with the registered network.
KERAS_ENTRIES = {"config.json", "metadata.json", "model.weights.h5", "model.weights.npz"}
KERAS_ASSETS = "assets/"

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

ALLOWED_LAYERS = frozenset(
    {
        "InputLayer",
        "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
        "Dense", "Flatten", "Reshape",
        "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
        "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
        "BatchNormalization", "LayerNormalization",
        "Dropout", "SpatialDropout2D",
        "Add", "Concatenate", "Multiply", "Average", "Maximum", "Minimum", "Subtract",
        "ZeroPadding2D", "Cropping2D", "UpSampling2D",
        "Rescaling", "Normalization", "Resizing", "CenterCrop", "Identity",
    }
)  # fmt: skip
ALLOWED_MODELS = frozenset({"Sequential", "Functional", "Model"})
# Objects that appear inside layer configs: initialisers, regularisers, constraints,
# dtype policies, and the markers Keras uses to serialise tensors and tuples.
ALLOWED_HELPERS = frozenset(
    {
        "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
        "LecunUniform", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
        "TruncatedNormal", "VarianceScaling", "Orthogonal", "OrthogonalInitializer",
        "IdentityInitializer",
        "L1", "L2", "L1L2", "OrthogonalRegularizer",
        "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
        "DTypePolicy", "FloatDTypePolicy", "Policy",
        "__keras_tensor__", "__tuple__",
    }
)  # fmt: skip
ALLOWED_ACTIVATIONS = frozenset(
    {
        "relu", "relu6", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu",
        "swish", "silu", "leaky_relu", "softplus", "softsign", "hard_sigmoid",
        "exponential", "log_softmax",
    }
)  # fmt: skip
# Keys that only ever hold serialised Python code (Lambda, custom functions).
_CODE_KEYS = frozenset(
    {
        "function",
        "function_type",
        "__lambda__",
        "__python_function__",
        "closure",
        "code",
        "output_shape_type",
        "module_objects",
    }
)
_CODE_CLASSES = frozenset({"__lambda__", "__python_function__", "Lambda", "TFSMLayer"})
_UNSAFE_FLAG = "enable_unsafe_deserialization"
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)+$")


class ModelRejected(ValueError):
    """The model file is refused; the message says why in plain words."""


def _is_keras_module(module: Any) -> bool:
    return (
        module is None
        or module == "keras"
        or (isinstance(module, str) and module.startswith("keras."))
    )


def _activation_ok(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value in ALLOWED_ACTIVATIONS)


class _ConfigWalker:
    """Recursive allow-list walk over a serialised Keras model config."""

    def check(self, config: Any) -> None:
        if not isinstance(config, dict) or "class_name" not in config:
            raise ModelRejected("The model configuration is not a Keras model.")
        if config["class_name"] not in ALLOWED_MODELS:
            raise ModelRejected(
                f"The file holds a {config['class_name']!r}, not a Sequential or "
                "functional Keras model."
            )
        self._walk(config, where="the model", in_compile=False)

    def _walk(self, node: Any, where: str, in_compile: bool) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item, where, in_compile)
            return
        if isinstance(node, str):
            if _UNSAFE_FLAG in node:
                raise ModelRejected(f"{where} asks Keras to turn off safe mode.")
            return
        if not isinstance(node, dict):
            return
        if "class_name" in node:
            where = self._check_object(node, where, in_compile)
        for key, value in node.items():
            if not isinstance(key, str):
                raise ModelRejected(f"{where} has a malformed configuration.")
            if _UNSAFE_FLAG in key:
                raise ModelRejected(f"{where} asks Keras to turn off safe mode.")
            if key in _CODE_KEYS:
                raise ModelRejected(f"{where} contains serialised Python code ({key!r}).")
            if key == "activation":
                self._check_activation(value, where)
            if key == "compile_config":
                self._walk(value, "the training configuration", in_compile=True)
            else:
                self._walk(value, where, in_compile)

    def _check_object(self, node: dict, where: str, in_compile: bool) -> str:
        class_name = node.get("class_name")
        module = node.get("module")
        registered = node.get("registered_name")
        if not isinstance(class_name, str):
            raise ModelRejected(f"{where} has a malformed class name.")
        cfg = node.get("config")
        name = cfg.get("name") if isinstance(cfg, dict) else None
        label = f"layer {name!r} ({class_name})" if isinstance(name, str) else class_name
        if class_name in _CODE_CLASSES:
            which = f" ({name!r})" if isinstance(name, str) else ""
            raise ModelRejected(
                f"The model contains a {class_name} layer{which}, which can run arbitrary "
                "code; ConvScope refuses it."
            )
        if not _is_keras_module(module):
            raise ModelRejected(
                f"{label} comes from module {module!r}; only built-in Keras classes are allowed."
            )
        if class_name == "function":
            # Keras writes built-in activation functions as
            # {"module": "keras.activations", "class_name": "function", "config": "relu"}.
            fn = cfg if isinstance(cfg, str) else registered
            if not (isinstance(module, str) and "activations" in module and _activation_ok(fn)):
                raise ModelRejected(
                    f"{where} references the function {fn!r} from {module!r}; only built-in "
                    "activations are allowed."
                )
            return where
        if registered is not None and registered != class_name:
            raise ModelRejected(
                f"{label} is a custom registered class ({registered!r}); only built-in "
                "Keras classes are allowed."
            )
        if not in_compile and class_name not in (ALLOWED_LAYERS | ALLOWED_MODELS | ALLOWED_HELPERS):
            raise ModelRejected(
                f"{label} is not an allowed layer type; image classifiers may use only "
                "built-in Keras layers such as Conv2D, Dense and MaxPooling2D."
            )
        return label if class_name in ALLOWED_LAYERS | ALLOWED_MODELS else where

    def _check_activation(self, value: Any, where: str) -> None:
        if _activation_ok(value):
            return
        if isinstance(value, dict):
            return  # checked as a serialised object by _walk ("function" or a layer)
        if isinstance(value, str) and _DOTTED.match(value) and not value.startswith("keras."):
            raise ModelRejected(
                f"{where} uses the function {value!r}; only built-in activations are allowed."
            )
        raise ModelRejected(f"{where} uses an unknown activation {value!r}.")


def check_model_config(config: Any) -> None:
    """Walk a parsed model config; raise :class:`ModelRejected` on anything not allowed."""
    _ConfigWalker().check(config)


def _load_json(raw: bytes, what: str) -> Any:
    if _UNSAFE_FLAG.encode() in raw:
        raise ModelRejected("The model asks Keras to turn off safe mode.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ModelRejected(f"The model's {what} is not valid JSON.") from None


def size_refusal(max_bytes: int) -> str:
    """The one sentence that refuses a too-large model file (web, command line, safety check)."""
    return (
        f"The model file is larger than {max_bytes / 1048576:g} MB, the model-size limit "
        f"(setting {MODEL_SIZE_SETTING})."
    )


def zip_limits(max_bytes: int = MAX_FILE_BYTES) -> ZipLimits:
    """The archive limits for a model-size limit: the unpacked total and the zip-bomb floor
    scale with it (a larger limit admits larger entries before the ratio is judged)."""
    return ZipLimits(
        max_entries=MAX_ENTRIES,
        max_total_bytes=int(max_bytes * UNPACKED_FACTOR),
        max_ratio=MAX_RATIO,
        ratio_min_bytes=max(RATIO_CHECK_MIN_BYTES, max_bytes // 60),
    )


def _refusal(problem: UnsafeZip, limits: ZipLimits) -> ModelRejected:
    """The model upload's words for an unsafe archive."""
    name = problem.entry.filename if problem.entry is not None else ""
    kind = problem.problem
    if kind is ZipProblem.TOO_MANY_ENTRIES:
        return ModelRejected(f"The archive has {problem.entries} entries; at most {MAX_ENTRIES}.")
    if kind is ZipProblem.TOO_LARGE:
        return ModelRejected(
            f"The archive unpacks to more than {limits.max_total_bytes // 1048576} MB "
            f"({UNPACKED_FACTOR:g}× the model-size limit, setting {MODEL_SIZE_SETTING})."
        )
    if kind is ZipProblem.UNSAFE_NAME:
        return ModelRejected(f"The archive has an unsafe entry name {name!r}.")
    if kind is ZipProblem.SYMLINK:
        return ModelRejected(f"The archive entry {name!r} is a symbolic link.")
    if kind is ZipProblem.ENCRYPTED:
        return ModelRejected(f"The archive entry {name!r} is encrypted.")
    return ModelRejected(  # ZipProblem.BOMB
        f"The archive entry {name!r} is compressed suspiciously well (a zip bomb?)."
    )


def _check_zip_entries(zf: zipfile.ZipFile, limits: ZipLimits) -> dict[str, zipfile.ZipInfo]:
    entries: dict[str, zipfile.ZipInfo] = {}

    def keras_entry(info: zipfile.ZipInfo) -> None:
        name = info.filename
        if name not in KERAS_ENTRIES and not name.startswith(KERAS_ASSETS):
            raise ModelRejected(
                f"The archive has an unexpected entry {name!r}; a Keras 3 file holds only "
                "config.json, metadata.json, the weights and assets/."
            )
        # Two entries of one name: which one Keras reads is not the one we checked.
        if name in entries:
            raise ModelRejected(f"The archive has the entry {name!r} twice.")
        entries[name] = info

    try:
        check_zip(zf, limits, keras_entry)
    except UnsafeZip as problem:
        raise _refusal(problem, limits) from None
    return entries


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> bytes:
    if info.file_size > MAX_JSON_BYTES:
        raise ModelRejected(f"The model's {what} is too large.")
    # Read at most the limit: the declared size could lie (zipfile also checks it).
    with zf.open(info) as fh:
        raw = fh.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ModelRejected(f"The model's {what} is too large.")
    return raw


def _check_keras_zip(path: Path, limits: ZipLimits) -> dict:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ModelRejected("The .keras file is not a valid zip archive.") from None
    with zf:
        try:
            entries = _check_zip_entries(zf, limits)
            if "config.json" not in entries:
                raise ModelRejected("The .keras archive has no config.json.")
            if "metadata.json" not in entries:
                raise ModelRejected("The .keras archive has no metadata.json.")
            metadata = _load_json(
                _read_entry(zf, entries["metadata.json"], "metadata.json"), "metadata.json"
            )
            version = metadata.get("keras_version") if isinstance(metadata, dict) else None
            if not (isinstance(version, str) and version.startswith("3.")):
                raise ModelRejected(
                    f"The model was saved by Keras {version!r}; Keras 3 files are required."
                )
            config = _load_json(
                _read_entry(zf, entries["config.json"], "config.json"), "config.json"
            )
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
            raise ModelRejected("The .keras archive is damaged.") from None
    check_model_config(config)
    return config


def _check_h5(path: Path) -> dict:
    import h5py  # local: only needed for legacy files

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
    except (OSError, ValueError):
        raise ModelRejected("The .h5 file is not a valid HDF5 file.") from None
    if raw is None:
        raise ModelRejected(
            "The .h5 file holds no model architecture (only weights?); save the whole model."
        )
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    config = _load_json(bytes(raw), "model_config")
    check_model_config(config)
    return config


def check_model_file(path: str | Path, max_bytes: int = MAX_FILE_BYTES) -> dict:
    """Check a ``.keras`` or legacy ``.h5`` model file without loading it.

    ``max_bytes`` is the model-size limit (the backend's setting); the archive's unpacked-size
    and zip-bomb limits scale with it.

    Returns:
        The parsed model config (the ``config.json`` / ``model_config`` dict).

    Raises:
        ModelRejected: naming the problem (and the offending layer, where there is one).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        raise ModelRejected("The model file could not be read.") from None
    if size == 0:
        raise ModelRejected("The model file is empty.")
    if size > max_bytes:
        raise ModelRejected(size_refusal(max_bytes))
    suffix = path.suffix.lower()
    if suffix == ".keras":
        if not head.startswith(ZIP_MAGIC):
            raise ModelRejected("The .keras file is not a valid zip archive.")
        return _check_keras_zip(path, zip_limits(max_bytes))
    if suffix in (".h5", ".hdf5"):
        if head != HDF5_MAGIC:
            raise ModelRejected("The .h5 file is not a valid HDF5 file.")
        return _check_h5(path)
    raise ModelRejected(
        f"Unsupported model file type {suffix or '(none)'!r}; upload a .keras (or legacy .h5) file."
    )
