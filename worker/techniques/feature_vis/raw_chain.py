"""The network below a layer as plain TensorFlow ops, batch normalisation folded in.

Each optimisation step runs the network forward and back; Keras layer calls, casts and
inference-time identities cost time there that plain ops do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

# Identities at inference (the optimisation never trains).
_IDENTITY_LAYERS = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
)


def raw_chain(linear: keras.Model, layer: str):
    """The layers from the input to ``layer``'s input as plain TensorFlow ops, or None.

    For a simple chain of Conv2D (linear or ReLU), BatchNormalization (inference),
    ReLU, max/average pooling and inference-time identities (dropout, noise): each
    BatchNormalization is folded into the convolution before it (or kept as one
    per-channel affine op), and no Keras call, cast or identity layer is left in the
    traced step: the deep BN network to conv_3_2 drops five batch normalisations forward
    and back per step. Same function as the Keras layers (within float rounding).
    Returns ``(prepare() -> params, net(x, params) -> layer input)``: ``prepare`` reads
    the weights (so later weight changes are seen) once per call, outside the loop."""
    import tensorflow as tf

    target = linear.get_layer(layer)
    plan: list[list] = []
    previous = None
    for current in linear.layers:
        if current is target:
            break
        kind = type(current).__name__
        config = current.get_config()
        try:
            chained = previous is None or current.input is previous.output
        except (AttributeError, ValueError):  # a layer called more than once
            return None
        if not chained:
            return None  # not a plain chain (branches, skips)
        previous = current
        if kind == "InputLayer" or kind in _IDENTITY_LAYERS:
            continue
        if getattr(current, "compute_dtype", "float32") != "float32":
            return None
        if config.get("data_format", "channels_last") != "channels_last":
            return None
        activation = config.get("activation")
        if kind == "Conv2D":
            if int(config.get("groups", 1)) != 1 or activation not in ("linear", "relu"):
                return None
            if config.get("padding") not in ("same", "valid"):
                return None
            plan.append(["conv", current, [], config, activation == "relu"])
        elif kind == "BatchNormalization":
            if config.get("axis") not in (-1, 3, [-1], [3]) or config.get("renorm"):
                return None
            if plan and plan[-1][0] == "conv" and not plan[-1][4]:
                plan[-1][2].append(current)  # folded into the convolution
            else:
                plan.append(["affine", current])
        elif kind == "ReLU" or (kind == "Activation" and activation == "relu"):
            if kind == "ReLU" and (
                config.get("max_value") is not None
                or float(config.get("negative_slope") or 0.0) != 0.0
                or float(config.get("threshold") or 0.0) != 0.0
            ):
                return None
            if plan and plan[-1][0] == "conv" and not plan[-1][4]:
                plan[-1][4] = True
            else:
                plan.append(["relu"])
        elif kind == "Activation" and activation == "linear":
            continue
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            if config.get("padding") not in ("same", "valid"):
                return None
            plan.append(["pool", kind, config])
        else:
            return None
    else:
        return None
    if previous is None or target.input is not previous.output:
        return None

    def bn_affine(bn):
        mean = tf.cast(bn.moving_mean, tf.float32)
        scale = tf.math.rsqrt(tf.cast(bn.moving_variance, tf.float32) + bn.epsilon)
        if bn.gamma is not None:
            scale *= tf.cast(bn.gamma, tf.float32)
        shift = -mean * scale
        if bn.beta is not None:
            shift += tf.cast(bn.beta, tf.float32)
        return scale, shift

    def prepare():
        params = []
        for step in plan:
            if step[0] == "conv":
                conv = step[1]
                kernel = tf.cast(conv.kernel, tf.float32)
                bias = (
                    tf.cast(conv.bias, tf.float32)
                    if conv.use_bias
                    else tf.zeros((kernel.shape[-1],), tf.float32)
                )
                for bn in step[2]:
                    scale, shift = bn_affine(bn)
                    kernel, bias = kernel * scale, bias * scale + shift
                params.append((kernel, bias))
            elif step[0] == "affine":
                params.append(bn_affine(step[1]))
            else:
                params.append(())
        return params

    def net(x, params):
        for step, values in zip(plan, params, strict=True):
            if step[0] == "conv":
                config = step[3]
                x = tf.nn.conv2d(
                    x,
                    values[0],
                    strides=tuple(config.get("strides", (1, 1))),
                    padding=config["padding"].upper(),
                    dilations=tuple(config.get("dilation_rate", (1, 1))),
                )
                x = tf.nn.bias_add(x, values[1])
                if step[4]:
                    x = tf.nn.relu(x)
            elif step[0] == "affine":
                x = x * values[0] + values[1]
            elif step[0] == "relu":
                x = tf.nn.relu(x)
            else:
                config = step[2]
                pool = tf.nn.max_pool2d if step[1] == "MaxPooling2D" else tf.nn.avg_pool2d
                x = pool(
                    x,
                    tuple(config["pool_size"]),
                    tuple(config.get("strides") or config["pool_size"]),
                    config["padding"].upper(),
                )
        return x

    return prepare, net
