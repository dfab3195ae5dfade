"""Deep BN architecture: three VGG-style blocks of (conv, batch norm, ReLU) × 2 + max-pool.

Convolutions have no bias because the following batch normalisation subtracts the mean
anyway. Global average pooling keeps the classifier small and the file light.
"""

from __future__ import annotations

import keras
from keras import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)


def build_model(filters: tuple[int, int, int] = (24, 48, 96), dropout: float = 0.25) -> keras.Model:
    """Build the uncompiled network (28→14→7→3 spatially, then GAP and a softmax)."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="input")
    x = inputs
    for block, width in enumerate(filters, start=1):
        for index in (1, 2):
            suffix = f"{block}_{index}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv_{suffix}")(x)
            x = layers.BatchNormalization(name=f"bn_{suffix}")(x)
            x = layers.ReLU(name=f"relu_{suffix}")(x)
        x = layers.MaxPooling2D(2, name=f"max_pool_{block}")(x)
        x = layers.Dropout(dropout, name=f"dropout_{block}")(x)
    x = layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="deep_bn")
