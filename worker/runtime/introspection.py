"""Reading a Keras model's structure: input contract and per-layer description.

The layer description is the JSON the UI receives (name, type, shapes, params,
connections), in the spirit of CNN Explainer's ``cnn.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from worker.runtime.model_safety import ModelRejected

if TYPE_CHECKING:
    import keras

# Config keys worth showing in the UI, when a layer has them.
CONFIG_KEYS = (
    "filters", "kernel_size", "strides", "padding", "activation", "pool_size", "units",
    "rate", "axis", "epsilon", "dilation_rate", "max_value", "negative_slope", "threshold", "alpha",
)  # fmt: skip


def _dims(shape: Any) -> list | None:
    """Shape without the batch axis, as a JSON list (None for unknown dims)."""
    if shape is None:
        return None
    return [None if d is None else int(d) for d in tuple(shape)[1:]]


def _tensor_shapes(tensors: Any) -> list:
    if isinstance(tensors, list | tuple):
        shapes = [_dims(t.shape) for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes
    if isinstance(tensors, dict):
        return [_dims(t.shape) for t in tensors.values()]
    return _dims(tensors.shape)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        # e.g. an activation serialised as an object: show its name only
        return (
            value.get("config", value.get("class_name"))
            if "class_name" in value
            else {k: _jsonable(v) for k, v in value.items()}
        )
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def non_input_layers(model: keras.Model) -> list:
    """The model's layers in order, without InputLayer (the layers the UI shows)."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _inbound_names(layer: Any) -> list[str]:
    """Names of layers whose outputs feed ``layer`` (first call site only).

    The model's input layer is named too, so the UI can tell which layers read the image.
    """
    try:
        inputs = layer.input
    except (AttributeError, ValueError):
        return []
    tensors = inputs if isinstance(inputs, list | tuple) else [inputs]
    names = []
    for tensor in tensors:
        history = getattr(tensor, "_keras_history", None)
        if history is not None and history.operation.name not in names:
            names.append(history.operation.name)
    return names


def image_input_shape(model: keras.Model) -> tuple[int, int, int]:
    """``(height, width, channels)`` of an image classifier, or refuse the model.

    Raises:
        ModelRejected: unless there is one fixed-size H x W x C input (C in 1..4) and one
            ``(batch, classes)`` output with at least two classes.
    """
    inputs = model.inputs
    if inputs is None or len(inputs) != 1:
        raise ModelRejected(
            f"The model must have exactly one image input; it has {len(inputs or [])}."
        )
    shape = tuple(inputs[0].shape)
    if len(shape) != 4:
        raise ModelRejected(
            f"The model's input has shape {list(shape)}; an image input must be "
            "(batch, height, width, channels)."
        )
    _, height, width, channels = shape
    if height is None or width is None or channels is None:
        raise ModelRejected("The model's input height, width and channels must be fixed.")
    if not 1 <= int(channels) <= 4:
        raise ModelRejected(f"The model's input has {channels} channels; expected 1 to 4.")
    outputs = model.outputs
    if outputs is None or len(outputs) != 1:
        raise ModelRejected("The model must have exactly one output (class scores).")
    out_shape = tuple(outputs[0].shape)
    if len(out_shape) != 2 or out_shape[1] is None or int(out_shape[1]) < 2:
        raise ModelRejected(
            f"The model's output has shape {list(out_shape)}; a classifier must output "
            "(batch, classes) with at least two classes."
        )
    return int(height), int(width), int(channels)


def output_layer(model: keras.Model) -> Any:
    """The layer producing the model's (first) output."""
    history = getattr(model.outputs[0], "_keras_history", None)
    return history.operation if history is not None else model.layers[-1]


def describe_layers(model: keras.Model) -> list[dict]:
    """One JSON-ready dict per non-input layer, in model order.

    Keys: index (0-based among returned layers), name, type, input_shape, output_shape
    (no batch axis; a list of shapes for multi-input layers), params, inbound (names of
    layers feeding it), config (UI-relevant subset of the layer config).
    """
    described = []
    for index, layer in enumerate(non_input_layers(model)):
        try:
            input_shape = _tensor_shapes(layer.input)
        except (AttributeError, ValueError):
            input_shape = None
        try:
            output_shape = _tensor_shapes(layer.output)
        except (AttributeError, ValueError):
            output_shape = None
        config = layer.get_config()
        described.append(
            {
                "index": index,
                "name": layer.name,
                "type": type(layer).__name__,
                "input_shape": input_shape,
                "output_shape": output_shape,
                "params": int(layer.count_params()),
                "inbound": _inbound_names(layer),
                "config": {k: _jsonable(config[k]) for k in CONFIG_KEYS if k in config},
            }
        )
    return described


def has_softmax_output(model: keras.Model) -> bool:
    """True when the model's output already is a softmax (probabilities)."""
    layer = output_layer(model)
    while hasattr(layer, "layers") and hasattr(layer, "outputs") and layer.outputs:
        layer = output_layer(layer)  # a nested model as the last layer
    if type(layer).__name__ == "Softmax":
        return True
    activation = layer.get_config().get("activation")
    if isinstance(activation, dict):
        activation = activation.get("config")
    return activation == "softmax"
