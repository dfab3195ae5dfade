"""The network from the input to what is optimised: a layer's pre-activation, the logits
(of the linear clone), or a layer's input for the window shortcut."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

# Layers whose own output we report but whose input we optimise (no gradient where off).
_RELU_LAYERS = ("ReLU",)


def target_net(
    linear: keras.Model, layer: str | None, diversity_layer: str | None, layer_input: bool = False
):
    """(net, activation): ``net(x) -> (objective tensor, lower-layer tensor or None)``
    where the objective tensor is the target layer's pre-activation (N x h x w x C),
    the logits (N x K), or with ``layer_input`` the layer's input; ``activation``
    maps the pre-activation to what the network outputs."""
    import keras
    import tensorflow as tf

    if layer_input:
        outputs, head, act = [linear.get_layer(layer).input], None, None
    elif layer is None:
        outputs = [linear.outputs[0]]
        head, act = None, None
    else:
        target = linear.get_layer(layer)
        kind = type(target).__name__
        config = target.get_config()
        activation = config.get("activation")
        if kind in _RELU_LAYERS or (kind == "Activation" and activation == "relu"):
            outputs, head, act = [target.input], None, tf.nn.relu
        elif activation not in (None, "linear") and kind != "Activation":
            # Same layer without its activation (weights shared by copying).
            head = type(target).from_config({**config, "activation": "linear"})
            head.build(target.input.shape)
            head.set_weights(target.get_weights())
            outputs = [target.input]
            act = keras.activations.get(activation)
        else:
            outputs, head, act = [target.output], None, None
    if diversity_layer is not None:
        outputs.append(linear.get_layer(diversity_layer).output)
    feed = keras.Model(linear.inputs[0], outputs)

    def net(x):
        out = feed(x, training=False)
        out = out if isinstance(out, list | tuple) else [out]
        main = tf.cast(out[0], tf.float32)
        if head is not None:
            main = tf.cast(head(main, training=False), tf.float32)
        lower = tf.cast(out[1], tf.float32) if len(out) > 1 else None
        return main, lower

    net.feed, net.head = feed, head
    return net, act
