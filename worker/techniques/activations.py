"""Every layer's activation for one image, from one traced forward pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from worker.runtime.introspection import (
    describe_layers,
    has_softmax_output,
    image_input_shape,
    non_input_layers,
    output_layer,
)
from worker.runtime.tf_env import configure_tensorflow

if TYPE_CHECKING:
    import keras


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis (float32)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


class ActivationExtractor:
    """Runs a model and returns every non-input layer's output.

    A multi-output Keras model over the same graph is wrapped in a ``tf.function`` with
    an ``input_signature`` (batch axis None), so it traces once and then costs about a
    millisecond per call, where ``model.predict`` costs ~90 ms.
    """

    def __init__(self, model: keras.Model) -> None:
        configure_tensorflow()
        import keras
        import tensorflow as tf

        self.model = model
        self.input_shape: tuple[int, int, int] = image_input_shape(model)
        self.layers: list[dict] = describe_layers(model)
        self.softmax_output: bool = has_softmax_output(model)
        layers = non_input_layers(model)
        out = output_layer(model)
        # The model's output layer need not be last in a functional graph.
        self.output_index: int = next(
            (i for i, layer in enumerate(layers) if layer is out), len(layers) - 1
        )
        self._multi = keras.Model(inputs=model.inputs, outputs=[layer.output for layer in layers])
        spec = tf.TensorSpec(shape=(None, *self.input_shape), dtype=tf.float32)

        @tf.function(input_signature=[spec])
        def forward(x):
            outputs = self._multi(x, training=False)
            return [tf.cast(o, tf.float32) for o in outputs]

        self._forward = forward

    def warm_up(self) -> None:
        """Trace the function once (0.1-0.7 s) so the first real request is fast."""
        self.run_batch(np.zeros((1, *self.input_shape), dtype=np.float32))

    def run_batch(self, x: np.ndarray) -> list[np.ndarray]:
        """Outputs for a batch N x H x W x C; each array keeps the batch axis."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"expected a batch of shape (N, {', '.join(map(str, self.input_shape))}), "
                f"got {x.shape}"
            )
        return [np.asarray(o.numpy(), dtype=np.float32) for o in self._forward(x)]

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        """Outputs for one preprocessed image H x W x C, batch axis dropped."""
        return [o[0] for o in self.run_batch(np.asarray(x, dtype=np.float32)[np.newaxis])]

    def run_layers(self, x: np.ndarray, positions: list[int]) -> list[np.ndarray]:
        """Outputs of the layers at ``positions`` (in ``self.layers``) for one image H x W x C,
        batch axis dropped: the same traced pass, only the asked-for tensors copied out."""
        x = np.asarray(x, dtype=np.float32)[np.newaxis]
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"expected an image of shape {self.input_shape}, got {x.shape[1:]}")
        outputs = self._forward(x)
        return [np.asarray(outputs[p].numpy()[0], dtype=np.float32) for p in positions]

    def probabilities(self, last_output: np.ndarray) -> np.ndarray:
        """Class probabilities from the model output (softmax applied unless already)."""
        out = np.asarray(last_output, dtype=np.float32)
        return out if self.softmax_output else softmax(out)
