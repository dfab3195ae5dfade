"""Which layers a class activation map can use, from the layer description alone.

Django-free and TensorFlow-free: the web process checks a requested layer with it, and
the worker picks the default with the same rule.
"""

from __future__ import annotations

# Identity at inference: the layer before gives the same map under a more telling name.
_PASS_THROUGH = ("Dropout", "Noise")


def spatial_layers(layers: list[dict]) -> list[str]:
    """Names of layers with an H x W x C output (H, W > 1) before the first Flatten, in model
    order. ``layers`` as ``introspection.describe_layers`` gives.

    A global pooling layer does not end the list: squeeze-and-excitation blocks (EfficientNet,
    MobileNetV3) pool globally inside the network, and stopping there left EfficientNetB0 with
    only its first block's layers. The head's own pooling is followed by no spatial layer."""
    names = []
    for layer in layers:
        if layer.get("type", "") == "Flatten":
            break
        shape = layer.get("output_shape")
        if (
            isinstance(shape, list)
            and len(shape) == 3
            and all(isinstance(d, int) for d in shape)
            and shape[0] > 1
            and shape[1] > 1
        ):
            names.append(layer["name"])
    return names


def default_cam_layer(layers: list[dict]) -> str | None:
    """The last spatial layer before flattening, skipping dropout and noise layers."""
    names = spatial_layers(layers)
    kinds = {layer["name"]: layer.get("type", "") for layer in layers}
    for name in reversed(names):
        if not any(word in kinds[name] for word in _PASS_THROUGH):
            return name
    return names[-1] if names else None


# Layers whose output channels are filters: what per-filter guided backpropagation explains.
CONV_TYPES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose")


def conv_layers(layers: list[dict]) -> list[str]:
    """Names of convolutional layers with an H x W x C output, in model order."""
    return [
        layer["name"]
        for layer in layers
        if layer.get("type") in CONV_TYPES
        and isinstance(layer.get("output_shape"), list)
        and len(layer["output_shape"]) == 3
    ]
