"""A Keras network from a checked recipe (worker/techniques/training/recipe.py): the input, the
user's layers in order, and the output layer (one unit per class, softmax). Layer names are the
recipe's (conv_1, max_pool_1, …), so the page's table and Explore name the same layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from worker.techniques.training.recipe import layer_names

if TYPE_CHECKING:
    import keras


def _activation(name: str) -> str | None:
    return None if name == "none" else name


def build_model(layers: list[dict], input_shape, classes: int) -> keras.Model:
    """The uncompiled network of a recipe already passed by ``check_recipe`` (its cleaned
    ``layers``). A functional model, as the zoo's are, so every view reads it the same way."""
    import keras
    from keras import layers as kl

    inputs = keras.Input(shape=tuple(input_shape), name="input")
    x = inputs
    for layer, name in zip(layers, layer_names(layers), strict=True):
        kind = layer["type"]
        if kind == "conv":
            x = kl.Conv2D(
                layer["filters"],
                layer["kernel"],
                strides=layer["stride"],
                padding=layer["padding"],
                activation=_activation(layer["activation"]),
                name=name,
            )(x)
        elif kind in ("max_pool", "avg_pool"):
            pool = kl.MaxPooling2D if kind == "max_pool" else kl.AveragePooling2D
            x = pool(
                layer["pool"],
                strides=layer["stride"] or layer["pool"],
                padding=layer["padding"],
                name=name,
            )(x)
        elif kind == "global_avg_pool":
            x = kl.GlobalAveragePooling2D(name=name)(x)
        elif kind == "batch_norm":
            x = kl.BatchNormalization(name=name)(x)
        elif kind == "dropout":
            x = kl.Dropout(layer["rate"], name=name)(x)
        elif kind == "flatten":
            x = kl.Flatten(name=name)(x)
        elif kind == "dense":
            x = kl.Dense(layer["units"], activation=_activation(layer["activation"]), name=name)(x)
        elif kind == "activation":
            x = kl.Activation(layer["function"], name=name)(x)
        else:
            raise ValueError(f"unknown layer type {kind!r}")
    outputs = kl.Dense(classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="trained")
