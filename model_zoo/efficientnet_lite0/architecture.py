"""EfficientNet-Lite0 as a Keras 3 functional model, with one named layer per PyTorch module.

Lite0 is EfficientNet-B0 made for mobile accelerators: ReLU6 instead of swish, no
squeeze-and-excitation, stem and head not scaled. The PyTorch model the weights come from
(``efficientnet-lite-pytorch``) pads every convolution like TensorFlow's "same" (the extra
row and column, when there is one, go at the bottom and right: ``Conv2dStaticSamePadding``),
so Keras ``padding="same"`` reproduces it exactly, stride 2 included.
"""

from __future__ import annotations

import string

import keras
from keras import layers

NUM_CLASSES = 1000
INPUT_SHAPE = (224, 224, 3)
BN_EPSILON = 1e-3
STEM_FILTERS = 32
HEAD_FILTERS = 1280
# (repeats, kernel, stride, expansion, output channels) per stage.
STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)


def block_names() -> list[str]:
    """Keras block prefixes in PyTorch's ``_blocks`` order: block1a, block2a, block2b, …"""
    return [
        f"block{stage}{string.ascii_lowercase[repeat]}"
        for stage, (repeats, *_rest) in enumerate(STAGES, start=1)
        for repeat in range(repeats)
    ]


def _relu6(name: str) -> layers.Layer:
    return layers.ReLU(max_value=6.0, name=name)


def _batch_norm(name: str) -> layers.Layer:
    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.99, name=name)


def _block(x, prefix: str, kernel: int, stride: int, expansion: int, filters: int):
    """An inverted-residual (MBConv) block: expand 1×1, depthwise k×k, project 1×1."""
    inputs = x
    in_filters = x.shape[-1]
    if expansion != 1:
        x = layers.Conv2D(in_filters * expansion, 1, use_bias=False, name=f"{prefix}_expand_conv")(
            x
        )
        x = _batch_norm(f"{prefix}_expand_bn")(x)
        x = _relu6(f"{prefix}_expand_relu6")(x)
    x = layers.DepthwiseConv2D(
        kernel, strides=stride, padding="same", use_bias=False, name=f"{prefix}_dwconv"
    )(x)
    x = _batch_norm(f"{prefix}_dw_bn")(x)
    x = _relu6(f"{prefix}_dw_relu6")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{prefix}_project_conv")(x)
    x = _batch_norm(f"{prefix}_project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}_add")([x, inputs])
    return x


def build_model() -> keras.Model:
    """The uncompiled EfficientNet-Lite0: 224×224×3 in, 1,000 ImageNet probabilities out."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="input")
    x = layers.Conv2D(STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(
        inputs
    )
    x = _batch_norm("stem_bn")(x)
    x = _relu6("stem_relu6")(x)
    names = iter(block_names())
    for repeats, kernel, stride, expansion, filters in STAGES:
        for repeat in range(repeats):
            x = _block(x, next(names), kernel, stride if repeat == 0 else 1, expansion, filters)
    x = layers.Conv2D(HEAD_FILTERS, 1, use_bias=False, name="top_conv")(x)
    x = _batch_norm("top_bn")(x)
    x = _relu6("top_relu6")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    # PyTorch's dropout (0.2) is left out: it does nothing at inference.
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="efficientnet_lite0")
