"""A network prepared for attribution: linear class scores and compiled gradient functions.

Every method explains the pre-softmax class score. A softmax fused into the output layer
(or a trailing ``Softmax``/``Activation("softmax")`` layer) is replaced by the identity in
a private clone of the model, as tf-keras-vis's ``ReplaceToLinear`` does, so gradients do
not vanish when the model is confident. The original model is never modified.

Each computation is a ``tf.function`` with an ``input_signature`` (batch axis None), traced
once per network; large batches are cut into chunks of ``max_batch`` images. When the
process runs TensorFlow in parallel lanes (``tf_env.use_parallel_lanes``: one thread per
op, several ops at once), a batch is also cut into that many independent sub-graphs inside
the same function, so the cores share the work without per-op thread hand-offs. The traced
concrete function is called directly with tensors: the polymorphic ``tf.function`` call
(argument binding, signature matching, NumPy conversion) cost ~0.25 ms per call, a sixth
of a whole single-image gradient of the zoo Tiny VGG on a 2-core CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.runtime.introspection import describe_layers, image_input_shape, output_layer
from worker.runtime.tf_env import configure_tensorflow, parallel_lanes
from worker.techniques.activations import softmax
from worker.techniques.attribution.layers import default_cam_layer, spatial_layers

if TYPE_CHECKING:
    import keras

# Bytes of activations and gradients one chunk may hold (per model call).
CHUNK_BUDGET_BYTES = 256 * 1024 * 1024
MAX_CHUNK = 512

_LINEAR_TYPES = ("Softmax",)


def _is_relu(activation: Any) -> bool:
    name = getattr(activation, "__name__", None) or str(activation)
    return name == "relu"


def _guided_relu():
    """ReLU whose backward pass keeps only positive gradients at positive inputs.

    Springenberg et al. (2015), "Striving for Simplicity: The All Convolutional Net".
    """
    import tensorflow as tf

    @tf.custom_gradient
    def guided_relu(x):
        y = tf.nn.relu(x)

        def grad(dy):
            return dy * tf.cast(dy > 0, dy.dtype) * tf.cast(x > 0, dy.dtype)

        return y, grad

    guided_relu.__name__ = "guided_relu"
    return guided_relu


def _masked_identity_class():
    import keras

    class MaskedIdentity(keras.layers.Layer):
        """The identity, accepting (and ignoring) the ``mask`` argument Softmax takes."""

        def call(self, inputs, mask=None):
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

    return MaskedIdentity


def _MaskedIdentity(name: str):  # noqa: N802 (used like a class)
    return _masked_identity_class()(name=name)


def _clone(model: keras.Model, *, guided: bool) -> keras.Model:
    """Clone ``model`` with a linear output (and guided ReLUs), weights copied."""
    import keras

    out_name = output_layer(model).name
    guided_relu = _guided_relu() if guided else None

    def clone_layer(layer):
        kind = type(layer).__name__
        config = layer.get_config()
        if layer.name == out_name:
            if kind in _LINEAR_TYPES:
                # A functional graph replays Softmax's recorded ``mask`` argument, which
                # an Activation layer would refuse.
                return _MaskedIdentity(name=layer.name)
            if kind == "Activation" and config.get("activation") == "softmax":
                return keras.layers.Activation("linear", name=layer.name)
            if config.get("activation") == "softmax":
                config = {**config, "activation": "linear"}
        if guided:
            if kind == "ReLU" and not config.get("max_value") and not config.get("negative_slope"):
                return keras.layers.Activation(guided_relu, name=layer.name)
            if kind == "Activation" and config.get("activation") == "relu":
                return keras.layers.Activation(guided_relu, name=layer.name)
        new = type(layer).from_config(config)
        if guided and _is_relu(getattr(new, "activation", None)):
            new.activation = guided_relu
        return new

    clone = keras.models.clone_model(model, clone_function=clone_layer)
    clone.set_weights(model.get_weights())
    return clone


def _activation_elements(model: keras.Model) -> int:
    total = 0
    for layer in model.layers:
        try:
            shape = tuple(layer.output.shape)[1:]
        except (AttributeError, ValueError):
            continue
        total += int(np.prod([d or 1 for d in shape]))
    return max(total, 1)


class AttributionModel:
    """Scores, probabilities and gradients of one network, batched and compiled."""

    def __init__(
        self,
        model: keras.Model,
        black: np.ndarray | None = None,
        *,
        batch_budget: int | None = None,
    ) -> None:
        configure_tensorflow()
        import keras
        import tensorflow as tf

        self.input_shape: tuple[int, int, int] = image_input_shape(model)
        self.num_classes: int = int(model.outputs[0].shape[-1])
        # The input value of a black pixel after preprocessing (per channel).
        channels = self.input_shape[2]
        self.black = (
            np.zeros(channels, np.float32) if black is None else np.asarray(black, np.float32)
        )
        self._source = model
        self._linear = _clone(model, guided=False)
        self._guided: keras.Model | None = None
        self.layers: list[dict] = describe_layers(model)
        self.spatial_layers: list[str] = spatial_layers(self.layers)
        self.max_batch = int(
            np.clip(CHUNK_BUDGET_BYTES // (_activation_elements(model) * 4 * 3), 1, MAX_CHUNK)
        )
        self._spec = tf.TensorSpec(shape=(None, *self.input_shape), dtype=tf.float32)
        self._target_spec = tf.TensorSpec(shape=(), dtype=tf.int32)
        linear = self._linear

        self.lanes = parallel_lanes()
        # How many times a computation was traced: each traced function serves every batch
        # size (batch axis None), so this grows only with new functions, never per batch.
        self.traces = 0

        def logits(x):
            return (tf.cast(linear(x, training=False), tf.float32),)

        self._logits_fn = self._compile(logits, [self._spec])
        self._grad_fn = self._make_input_gradient(linear)
        self._guided_fn: Callable | None = None
        self._layer_fns: dict[str, Callable] = {}
        self._layer_output_fns: dict[tuple[str, str], Callable] = {}
        self._filter_fns: dict[tuple[str, str, bool], Callable] = {}
        self._bounded_batch: int | None = None
        # Bytes of activations a batch of altered copies may hold (None: batching's default).
        self.batch_budget = batch_budget
        self._keras = keras

    # ----------------------------------------------------------------- compiled functions
    def _compile(self, body: Callable, signature: list) -> Callable:
        """Trace ``body(x, *rest) -> tuple of batch-first tensors`` once.

        Returns a callable taking tensors. With several lanes, batches of two or more
        images run through a second trace in which ``body`` is applied to ``lanes``
        slices of the batch independently (TensorFlow runs independent ops in parallel)
        and the results are concatenated; a single image takes the plain trace.
        """
        import tensorflow as tf

        def counted(x, *rest):
            self.traces += 1  # Python runs only while TensorFlow traces
            return body(x, *rest)

        plain = tf.function(counted, input_signature=signature).get_concrete_function()
        if self.lanes <= 1:
            return plain
        lanes = self.lanes

        def split_body(x, *rest):
            self.traces += 1
            n = tf.shape(x)[0]
            parts = [
                body(x[(i * n) // lanes : ((i + 1) * n) // lanes], *rest) for i in range(lanes)
            ]
            return tuple(tf.concat(list(outputs), axis=0) for outputs in zip(*parts, strict=True))

        split = tf.function(split_body, input_signature=signature).get_concrete_function()

        def call(x, *rest):
            return (split if x.shape[0] > 1 else plain)(x, *rest)

        return call

    def _make_input_gradient(self, net) -> Callable:
        import tensorflow as tf

        def grad(x, target):
            with tf.GradientTape() as tape:
                tape.watch(x)
                logits = tf.cast(net(x, training=False), tf.float32)
                score = tf.reduce_sum(logits[:, target])
            return tape.gradient(score, x), logits

        return self._compile(grad, [self._spec, self._target_spec])

    def _layer_fn(self, layer: str) -> Callable:
        if layer not in self._layer_fns:
            import tensorflow as tf

            if layer not in self.spatial_layers:
                raise ValueError(
                    f"Layer {layer!r} has no spatial H×W×C output; choose one of "
                    f"{', '.join(self.spatial_layers) or '(none)'}."
                )
            net = self._keras.Model(
                self._linear.inputs,
                [self._linear.get_layer(layer).output, self._linear.outputs[0]],
            )

            def layer_grad(x, target):
                with tf.GradientTape() as tape:
                    activation, logits = net(x, training=False)
                    activation = tf.cast(activation, tf.float32)
                    tape.watch(activation)
                    score = tf.reduce_sum(tf.cast(logits, tf.float32)[:, target])
                return activation, tape.gradient(score, activation), tf.cast(logits, tf.float32)

            self._layer_fns[layer] = self._compile(layer_grad, [self._spec, self._target_spec])
        return self._layer_fns[layer]

    def layer_output_function(
        self, layer: str | tuple[str, ...], kind: str, body: Callable
    ) -> Callable:
        """A traced, lanes-aware function ``x -> body(layer output)``, built once per
        (layer, kind): ``body`` gets the layer's float32 output (batch first) and returns a
        tuple of batch-first tensors. Dataset passes use it (features, per-filter maxima)
        so that only what they need leaves the graph. With a tuple of layers, one forward
        pass feeds each of them to ``body`` and the results come back in one flat tuple."""
        key = (layer, kind)
        if key not in self._layer_output_fns:
            import tensorflow as tf

            names = layer if isinstance(layer, tuple) else (layer,)
            try:
                outputs = [self._linear.get_layer(name).output for name in names]
            except ValueError:
                raise ValueError(f"unknown layer {layer!r}") from None
            sub = self._keras.Model(self._linear.inputs, outputs)

            def traced(x):
                results = sub(x, training=False)
                results = results if isinstance(results, list | tuple) else [results]
                return tuple(t for out in results for t in body(tf.cast(out, tf.float32)))

            self._layer_output_fns[key] = self._compile(traced, [self._spec])
        return self._layer_output_fns[key]

    # ----------------------------------------------------------------- public API
    def _chunks(self, x: np.ndarray, size: int | None = None):
        """Float32 tensors of at most ``size`` (default ``max_batch``) images each."""
        import tensorflow as tf

        from worker.inputs.preprocessing import as_float_batch

        x = as_float_batch(x)
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"expected a batch (N, {self.input_shape}), got {x.shape}")
        size = max(1, int(size or self.max_batch))
        for start in range(0, len(x), size):
            yield tf.convert_to_tensor(x[start : start + size])

    @staticmethod
    def _target_tensor(target: int):
        import tensorflow as tf

        return tf.constant(target, tf.int32)

    def check_target(self, target: int) -> int:
        target = int(target)
        if not 0 <= target < self.num_classes:
            raise ValueError(f"target class {target} is outside 0..{self.num_classes - 1}")
        return target

    def logits(self, x: np.ndarray, chunk: int | None = None) -> np.ndarray:
        """Pre-softmax class scores, N x classes, at most ``chunk`` images per model call.

        The default chunk (``max_batch``) is sized for gradients, which keep every layer's
        output for the backward pass; a forward pass frees them as it goes, so callers that
        only need scores (occlusion) pass ``bounded_batch()`` instead: on ResNet50 at 224 px
        that is 80 images per call rather than 1, and a single image would run on one core
        (the lanes split a batch, never an image)."""
        parts = [self._logits_fn(part)[0].numpy() for part in self._chunks(x, chunk)]
        return np.concatenate(parts).astype(np.float32)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, N x classes (softmax of the scores)."""
        return softmax(self.logits(x))

    def predicted_class(self, image: np.ndarray) -> int:
        return int(np.argmax(self.logits(image[np.newaxis])[0]))

    def input_gradients(self, x: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
        """d score[target] / d input for each image, and the scores; N x H x W x C, N x K."""
        target = self._target_tensor(self.check_target(target))
        grads, logits = [], []
        for chunk in self._chunks(x):
            g, z = self._grad_fn(chunk, target)
            grads.append(g.numpy())
            logits.append(z.numpy())
        return np.concatenate(grads), np.concatenate(logits)

    def guided_gradients(self, x: np.ndarray, target: int) -> np.ndarray:
        """Input gradients with every ReLU's backward pass replaced by the guided rule."""
        target = self._target_tensor(self.check_target(target))
        if self._guided_fn is None:
            if self._guided is None:  # one guided clone serves every guided computation
                self._guided = _clone(self._source, guided=True)
            self._guided_fn = self._make_input_gradient(self._guided)
        return np.concatenate(
            [self._guided_fn(chunk, target)[0].numpy() for chunk in self._chunks(x)]
        )

    def _filter_fn(self, layer: str, rule: str, guided: bool) -> Callable:
        """``(image 1×H×W×C, channels k) -> (k×H×W×C input gradients, k values)``: row i is the
        image's gradient of channel ``channels[i]`` of ``layer``, reduced over space by ``rule``
        ("max" or "sum"). The image is repeated inside the graph, one row per channel, so a
        whole chunk of filters is one forward and one backward pass; rows never mix (inference
        mode), so the gradient of the summed values gives every row its own gradient."""
        key = (layer, rule, guided)
        if key not in self._filter_fns:
            import tensorflow as tf

            if guided and self._guided is None:
                self._guided = _clone(self._source, guided=True)
            net = self._guided if guided else self._linear
            try:
                output = net.get_layer(layer).output
            except ValueError:
                raise ValueError(f"unknown layer {layer!r}") from None
            sub = self._keras.Model(net.inputs, output)
            reduce = tf.reduce_max if rule == "max" else tf.reduce_sum

            def body(x, channels):
                rows = tf.repeat(x, tf.shape(channels)[0], axis=0)
                with tf.GradientTape() as tape:
                    tape.watch(rows)
                    act = tf.cast(sub(rows, training=False), tf.float32)
                    picked = tf.gather(act, channels, axis=3, batch_dims=1)
                    values = reduce(picked, axis=[1, 2])
                    total = tf.reduce_sum(values)
                return tape.gradient(total, rows), values

            def counted(x, channels):
                self.traces += 1
                if self.lanes <= 1:
                    return body(x, channels)
                # lanes split the filters (not the one image) into independent sub-graphs
                n = tf.shape(channels)[0]
                parts = [
                    body(x, channels[(i * n) // self.lanes : ((i + 1) * n) // self.lanes])
                    for i in range(self.lanes)
                ]
                return tuple(tf.concat(list(o), axis=0) for o in zip(*parts, strict=True))

            signature = [self._spec, tf.TensorSpec(shape=(None,), dtype=tf.int32)]
            self._filter_fns[key] = tf.function(
                counted, input_signature=signature
            ).get_concrete_function()
        return self._filter_fns[key]

    def filter_gradients(
        self,
        layer: str,
        image: np.ndarray,
        channels: np.ndarray | list[int],
        *,
        rule: str = "max",
        guided: bool = True,
        chunk: int | None = None,
        on_chunk: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Input gradients of each listed channel of ``layer`` for one image (H×W×C): its
        spatial maximum (``rule="max"``) or sum, through guided ReLUs (``guided``) or the
        network's own. Returns (k×H×W×C gradients, k reduced values). Filters go in chunks
        of at most ``chunk`` rows (default: what fits both the gradient budget and
        ``bounded_batch``), so memory stays bounded however many filters the layer has;
        ``on_chunk(filters done)`` hears after each chunk."""
        import tensorflow as tf

        from worker.inputs.preprocessing import as_float_batch

        if rule not in ("max", "sum"):
            raise ValueError(f"rule must be 'max' or 'sum', not {rule!r}")
        x = as_float_batch(np.asarray(image)[np.newaxis])
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"expected an image of shape {self.input_shape}, got {x.shape[1:]}")
        channels = np.asarray(channels, np.int32).reshape(-1)
        fn = self._filter_fn(layer, rule, guided)
        size = max(1, int(chunk or min(self.max_batch, self.bounded_batch())))
        x_tensor = tf.convert_to_tensor(x)
        grads, values = [], []
        for start in range(0, len(channels), size):
            g, v = fn(x_tensor, tf.convert_to_tensor(channels[start : start + size]))
            grads.append(g.numpy())
            values.append(v.numpy())
            if on_chunk is not None:
                on_chunk(min(len(channels), start + size))
        if not grads:
            return np.zeros((0, *self.input_shape), np.float32), np.zeros(0, np.float32)
        return np.concatenate(grads), np.concatenate(values)

    def layer_gradients(
        self, layer: str, x: np.ndarray, target: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A layer's activations, d score / d activations, and the scores."""
        target = self._target_tensor(self.check_target(target))
        fn = self._layer_fn(layer)
        acts, grads, logits = [], [], []
        for chunk in self._chunks(x):
            a, g, z = fn(chunk, target)
            acts.append(a.numpy())
            grads.append(g.numpy())
            logits.append(z.numpy())
        return np.concatenate(acts), np.concatenate(grads), np.concatenate(logits)

    def bounded_batch(self, requested: int = MAX_CHUNK) -> int:
        """At most ``requested`` images per batch, fewer where their activations would pass
        ``batching.MEMORY_BUDGET`` (forward passes over many images: occlusion's altered copies,
        a dataset's test split)."""
        from worker.runtime.batching import MEMORY_BUDGET, bounded_batch

        if self._bounded_batch is None:
            budget = self.batch_budget or MEMORY_BUDGET
            self._bounded_batch = bounded_batch(self._source, 1 << 30, budget)
        return max(1, min(int(requested), self._bounded_batch))

    def default_cam_layer(self) -> str:
        """The last layer with a spatial output before flattening (Grad-CAM's usual choice)."""
        name = default_cam_layer(self.layers)
        if name is None:
            raise ValueError("This network has no layer with a spatial H×W×C output.")
        return name

    # ----------------------------------------------------------------- weights (trust checks)
    def weighted_layers(self) -> list[str]:
        """Names of layers that hold trainable weights, in model order (input to output)."""
        return [layer.name for layer in self._linear.layers if layer.trainable_weights]

    def named_layer_weights(self, name: str) -> list[tuple[str, np.ndarray]]:
        """(weight name, value) pairs of a layer, e.g. ("kernel", ...), ("moving_variance", ...)."""
        return [(w.name, np.asarray(w.numpy())) for w in self._linear.get_layer(name).weights]

    def set_layer_weights(self, name: str, weights: list[np.ndarray]) -> None:
        """Assign new weights to a layer in every clone (traced functions see the change)."""
        for net in (self._linear, self._guided):
            if net is not None:
                net.get_layer(name).set_weights(weights)

    def reset_weights(self) -> None:
        """Restore the original network's weights in every clone."""
        weights = self._source.get_weights()
        for net in (self._linear, self._guided):
            if net is not None:
                net.set_weights(weights)

    def warm_up(self) -> None:
        x = np.zeros((1, *self.input_shape), np.float32)
        self.input_gradients(x, 0)
