"""A network prepared for feature visualisation: its linear clone, its preprocessing as
graph ops, and its traced optimisers and measurements, cached per target."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.runtime.introspection import describe_layers, image_input_shape
from worker.runtime.tf_env import configure_tensorflow, parallel_lanes
from worker.techniques.attribution.layers import spatial_layers
from worker.techniques.attribution.model import _clone
from worker.techniques.feature_vis.optimiser import trace
from worker.techniques.feature_vis.params import (
    MAX_BATCH,
    PROGRESS_CHUNKS,
    FeatureVisParams,
    FeatureVisResult,
)
from worker.techniques.feature_vis.raw_chain import raw_chain
from worker.techniques.feature_vis.target import target_net
from worker.techniques.feature_vis.window import window_mean_score

if TYPE_CHECKING:
    import keras

# How long one uninterrupted chunk of optimisation steps may take (cancel and time-limit latency).
CHUNK_SECONDS = 1.0


class FeatureVisModel:
    """A network prepared for feature visualisation: linear clone, traced optimisers."""

    def __init__(self, model: keras.Model, spec: InputSpec | None = None) -> None:
        configure_tensorflow()
        import keras

        self._keras = keras
        self.input_shape: tuple[int, int, int] = image_input_shape(model)
        height, width, channels = self.input_shape
        self.spec = spec or InputSpec(height=height, width=width, channels=channels)
        mean = np.broadcast_to(np.asarray(self.spec.mean, np.float32), (channels,))
        std = np.broadcast_to(np.asarray(self.spec.std, np.float32), (channels,))
        # x = (255 p * scale - mean) / std  for pixels p in [0, 1].
        self._pre_mul = (255.0 * self.spec.scale / std).astype(np.float32)
        self._pre_add = (-mean / std).astype(np.float32)
        self.num_classes = int(model.outputs[0].shape[-1])
        self._source = model
        self._linear = _clone(model, guided=False)
        self.layers = describe_layers(model)
        self.spatial_layers = spatial_layers(self.layers)
        self.output_name = self._linear.layers[-1].name
        self.lanes = parallel_lanes()
        # Trace the network to the layer as plain ops where possible (``_raw_chain``).
        self.raw = True
        self._fns: dict[tuple, tuple[Callable, Callable | None]] = {}
        self._measure_fns: dict[tuple, Callable] = {}
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- graph pieces
    def _preprocess(self, pixels):
        """RGB pixels in [0, 1] to the network's input, as ``worker.inputs.preprocessing``:
        reversed to BGR first where the spec says so (mean and std are in the network's order)."""
        if self.spec.channel_order == "bgr":
            pixels = pixels[..., ::-1]
        return pixels * self._pre_mul + self._pre_add

    def _window_mean_score(self, layer: str) -> tuple[Callable, Callable] | None:
        """The window-mean shortcut for ``layer`` (see :func:`.window.window_mean_score`)."""
        return window_mean_score(self._linear, layer)

    def _raw_chain(self, layer: str):
        """The plain-op network below ``layer`` (see :func:`.raw_chain.raw_chain`)."""
        return raw_chain(self._linear, layer)

    def _target_net(
        self, layer: str | None, diversity_layer: str | None, layer_input: bool = False
    ):
        """The objective's network (see :func:`.target.target_net`)."""
        return target_net(self._linear, layer, diversity_layer, layer_input)

    def default_diversity_layer(self, layer: str | None) -> str:
        """A rectified spatial layer (ReLU, a conv with a fused ReLU, pooling) about halfway
        between the input and ``layer``: Gram matrices of non-negative features compare
        textures, as in Olah et al."""
        names = self.spatial_layers
        before = names[: names.index(layer)] if layer in names else names
        if not before:
            return names[0] if names else layer or ""
        kinds = {d["name"]: d for d in self.layers}

        def rectified(name: str) -> bool:
            kind = kinds[name].get("type", "")
            activation = kinds[name].get("config", {}).get("activation")
            return kind == "ReLU" or "Pooling" in kind or activation == "relu"

        candidates = [name for name in before if rectified(name)] or before
        return candidates[len(candidates) // 2]

    def _optimiser(
        self,
        layer: str | None,
        objective: str,
        size: tuple[int, int],
        group: int,
        diverse: str,
        penalties: bool,
    ):
        """The traced optimiser of one target (see :func:`.optimiser.trace`), traced once."""
        key = (layer, objective, size, group, diverse, penalties)
        with self._lock:
            if key not in self._fns:
                self._fns[key] = trace(self, *key)
            return self._fns[key]

    def _measure_fn(self, layer: str | None):
        """x -> per-image mean of every channel of the layer as the network outputs it
        (N x C), or the logits (N x K)."""
        key = (layer,)
        with self._lock:
            if key in self._measure_fns:
                return self._measure_fns[key]
        import tensorflow as tf

        net, act = self._target_net(layer, None)
        h, w, c = self.input_shape

        def measure(x):
            pre, _ = net(x)
            post = pre if act is None else tf.cast(act(pre), tf.float32)
            if layer is None:
                return pre, pre, pre, pre
            out = []
            for value in (post, pre):
                out.append(tf.reduce_mean(value, axis=(1, 2)))
                out.append(value[:, value.shape[1] // 2, value.shape[2] // 2, :])
            return tuple(out)

        fn = tf.function(
            measure, input_signature=[tf.TensorSpec((None, h, w, c), tf.float32)]
        ).get_concrete_function()
        with self._lock:
            self._measure_fns[key] = fn
        return fn

    # ----------------------------------------------------------------- public API
    def pixel_model(self, layer: str | None) -> keras.Model:
        """A Keras model from pixels (0..255, before preprocessing) to the optimised target:
        the layer's pre-activation, or the logits. For comparisons with other tools."""
        keras = self._keras
        net, _ = self._target_net(layer, None)
        feed, head = net.feed, net.head
        mean = self._pre_add
        inputs = keras.Input(self.input_shape)
        x = inputs
        if self.spec.channel_order == "bgr":
            x = keras.layers.Lambda(lambda t: keras.ops.flip(t, axis=-1))(x)
        x = keras.layers.Rescaling(self._pre_mul / 255.0, offset=mean)(x)
        out = feed(x)
        out = out[0] if isinstance(out, list | tuple) else out
        # Inputs as a list: tf-keras-vis calls models with a list of inputs.
        return keras.Model([inputs], head(out) if head is not None else out)

    def check_layer(self, layer: str) -> int:
        """Number of filters (channels) of a spatial layer, or ValueError."""
        if layer not in self.spatial_layers:
            raise ValueError(
                f"Layer {layer!r} has no spatial H×W×C output; choose one of "
                f"{', '.join(self.spatial_layers) or '(none)'}."
            )
        return int(self._linear.get_layer(layer).output.shape[-1])

    def measure(
        self,
        layer: str | None,
        pixels: np.ndarray,
        *,
        objective: str = "mean",
        pre_activation: bool = False,
    ) -> np.ndarray:
        """Per-image value of every channel of ``layer`` (None: the logits) for images in
        pixel space 0..255 (uint8 or float), after the network's preprocessing: N x C.
        The channel's mean over the map (or its centre neuron), as the network outputs it
        or, with ``pre_activation``, before a fused activation (the optimised quantity)."""
        import tensorflow as tf

        if layer is not None:
            self.check_layer(layer)
        pixels = np.asarray(pixels, np.float32) / 255.0
        x = tf.constant(self._preprocess(pixels))
        outputs = self._measure_fn(layer)(x)
        index = (2 if pre_activation else 0) + (1 if objective == "centre" else 0)
        return outputs[index].numpy().astype(np.float32)

    def visualise(
        self,
        layer: str | None,
        targets: list[int],
        params: FeatureVisParams,
        progress: Callable[[float], None] | None = None,
    ) -> FeatureVisResult:
        import tensorflow as tf

        started = time.perf_counter()
        net_h, net_w, channels = self.input_shape
        side = params.size
        size = (net_h, net_w) if side is None else (int(side), int(side))
        if min(size) < 4 or max(size) > 1024:
            raise ValueError("size must be in 4..1024")
        per = int(params.images_per_filter)
        n = len(targets) * per
        if n == 0:
            raise ValueError("no targets")
        if n > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} images at once, asked for {n}")
        diverse = ""
        if per > 1 and params.diversity > 0:
            diverse = params.diversity_layer or self.default_diversity_layer(layer)
            self.check_layer(diverse)
        get_run, render = self._optimiser(
            layer,
            params.objective if layer is not None else "mean",
            size,
            per,
            diverse,
            params.total_variation > 0 or params.l2 > 0,
        )
        jitter = params.jitter if params.jitter is not None else max(1, round(size[0] / 14))
        hyper = tf.constant(
            [
                params.learning_rate,
                float(jitter),
                params.scale[0],
                params.scale[1],
                params.rotation,
                params.total_variation,
                params.l2,
                params.diversity,
                params.decay_power,
            ],
            tf.float32,
        )
        height, width = size
        shape = (n, channels, height, width // 2 + 1, 2)
        seed = tf.constant(int(params.seed), tf.int64)
        spectrum = 0.01 * tf.random.stateless_normal(shape, seed=tf.stack([seed, -1]))
        m = tf.zeros(shape)
        v = tf.zeros(shape)
        target_t = tf.constant(np.repeat(np.asarray(targets, np.int32), per))
        groups = len(targets)
        fn = get_run(self.lanes if groups >= self.lanes else 1)
        # Short chunks of steps (about CHUNK_SECONDS each, at most an eighth of the run), with a
        # progress report between them: where a cancel or the time limit stops the work. The
        # randomness is seeded by step, so how the steps are chunked does not change the images.
        longest = max(1, -(-params.steps // PROGRESS_CHUNKS))
        done, count = 0, 1
        while done < params.steps:
            count = min(count, longest, params.steps - done)
            began = time.perf_counter()
            spectrum, m, v = fn(
                spectrum, m, v, target_t, tf.constant(done), tf.constant(count), seed, hyper
            )
            elapsed = time.perf_counter() - began
            done += count
            if progress is not None:
                progress(done / params.steps)
            count = max(1, min(2 * count, int(count * CHUNK_SECONDS / max(elapsed, 1e-3))))
        pixels = render(spectrum, tf.constant(params.decay_power, tf.float32))[0].numpy()
        images = np.clip(np.round(pixels * 255.0), 0, 255).astype(np.uint8)
        network_pixels = images.astype(np.float32)
        if size != (net_h, net_w):
            network_pixels = tf.image.resize(network_pixels, (net_h, net_w)).numpy()
        inputs = self._preprocess(network_pixels / 255.0).astype(np.float32)
        all_means = self.measure(layer, network_pixels, objective=params.objective)
        matrix = all_means[:, np.asarray(targets)]
        own = all_means[np.arange(n), target_t.numpy()]
        return FeatureVisResult(
            kind="filter" if layer is not None else "class",
            layer=layer if layer is not None else self.output_name,
            filters=[int(t) for t in targets],
            images=images,
            inputs=inputs,
            activations=own.astype(np.float32),
            activation_matrix=matrix.astype(np.float32),
            params={**params.to_dict(), "jitter": jitter, "diversity_layer": diverse or None},
            seconds=time.perf_counter() - started,
        )
