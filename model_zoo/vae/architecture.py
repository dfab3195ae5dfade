"""The VAE's encoder and decoder: two plain Keras models (standard layers only, so they load
with ``safe_mode``); the sampling z = μ + σ·ε is done by the caller.

Images of at least 16×16 pixels whose sides divide by 4 get a convolutional VAE (two stride-2
convolutions each way); smaller ones (scikit-learn's 8×8 digits) a dense one. Other sizes are
resized to ``working_shape`` first.
"""

from __future__ import annotations

import keras
from keras import layers

HIDDEN = 256


def working_shape(image_shape: tuple[int, int, int] | list[int]) -> tuple[int, int, int]:
    """The H×W×C the VAE of a dataset with ``image_shape`` encodes and decodes."""
    height, width, channels = (int(v) for v in image_shape)
    if height * width <= 16 * 16:
        return height, width, channels
    if height % 4 == 0 and width % 4 == 0 and max(height, width) <= 32:
        return height, width, channels
    return 32, 32, channels  # large pictures: a 32×32 thumbnail is what a small VAE can learn


def is_convolutional(shape: tuple[int, int, int]) -> bool:
    height, width, _ = shape
    return height * width > 16 * 16


def build_encoder(shape: tuple[int, int, int], latent: int) -> keras.Model:
    """Image (pixels in [0, 1]) → (μ, log σ²), each ``latent`` numbers."""
    inputs = keras.Input(shape=shape, name="image")
    if is_convolutional(shape):
        x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc_conv_1")(
            inputs
        )
        x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="enc_conv_2")(x)
        x = layers.Flatten(name="enc_flatten")(x)
    else:
        x = layers.Flatten(name="enc_flatten")(inputs)
        x = layers.Dense(HIDDEN, activation="relu", name="enc_dense_0")(x)
    x = layers.Dense(HIDDEN // 2 if not is_convolutional(shape) else HIDDEN, activation="relu",
                     name="enc_dense")(x)  # fmt: skip
    mean = layers.Dense(latent, name="z_mean")(x)
    log_var = layers.Dense(latent, name="z_log_var")(x)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def build_decoder(shape: tuple[int, int, int], latent: int) -> keras.Model:
    """Code (``latent`` numbers) → image with pixels in [0, 1] (sigmoid)."""
    height, width, channels = shape
    inputs = keras.Input(shape=(latent,), name="code")
    if is_convolutional(shape):
        x = layers.Dense(HIDDEN, activation="relu", name="dec_dense")(inputs)
        x = layers.Dense((height // 4) * (width // 4) * 64, activation="relu", name="dec_grid")(x)
        x = layers.Reshape((height // 4, width // 4, 64), name="dec_reshape")(x)
        x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu",
                                   name="dec_up_1")(x)  # fmt: skip
        x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu",
                                   name="dec_up_2")(x)  # fmt: skip
        outputs = layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="pixels")(x)
    else:
        x = layers.Dense(HIDDEN // 2, activation="relu", name="dec_dense")(inputs)
        x = layers.Dense(HIDDEN, activation="relu", name="dec_dense_1")(x)
        x = layers.Dense(height * width * channels, activation="sigmoid", name="pixels_flat")(x)
        outputs = layers.Reshape(shape, name="pixels")(x)
    return keras.Model(inputs, outputs, name="decoder")
