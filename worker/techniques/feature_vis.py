"""Feature visualisation: images that maximally activate a filter or a class.

Activation maximisation with the regularisers of Olah, Mordvintsev & Schubert (2017),
"Feature Visualization", Distill, doi:10.23915/distill.00007: the image is parameterised
in a decorrelated Fourier basis (Mordvintsev, Pezzotti, Schubert & Olah (2018),
"Differentiable Image Parameterizations", Distill, doi:10.23915/distill.00012; as Lucid's
``fft_image``: spectrum scaled by 1/frequency, colour decorrelated with Lucid's ImageNet
colour matrix for RGB, squashed to [0, 1] by a sigmoid), and every step sees the image
through a fresh random jitter, scale and rotation (transformation robustness). Optional
total-variation and L2 penalties, and Olah et al.'s diversity term (negative cosine
similarity of Gram matrices of a lower layer between images of the same filter).

All filters of a layer are optimised together: one batch of F x images_per_filter
images, each maximising its own filter (a gather), one gradient per step for the whole
batch. The target is the filter's *pre-activation* (a fused ReLU would give no gradient
where the filter is off, as Lucid's ``*_pre_relu`` targets) or, for classes, the
pre-softmax logit (the linear clone of ``worker.techniques.attribution.model``). The network's own
preprocessing (``InputSpec``: scale, mean, std) runs inside the graph, so images are
optimised in pixel space. Penalty and diversity weights are relative to each image's own
objective (held constant in the gradient), so one setting suits networks whose
activations differ in scale. For the mean of a plain convolution's filter the objective
is linear in the layer's input, so the layer itself is skipped (``_window_mean_score``),
and a plain chain of layers below it runs as plain TensorFlow ops with batch
normalisation folded into the convolutions (``_raw_chain``).

The whole optimisation loop (Adam written out, no ``tf.Variable``) runs inside one traced
``tf.function`` per (layer, objective, image size, group size), called once per progress
chunk; randomness uses stateless ops seeded by (seed, step), so the same seed gives the
same images bit for bit, whatever ran before in the process. With parallel lanes
(``tf_env.use_parallel_lanes``) the batch is cut into independent sub-graphs per step.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.runtime.introspection import describe_layers, image_input_shape
from worker.runtime.tf_env import configure_tensorflow, parallel_lanes
from worker.techniques.attribution.layers import spatial_layers
from worker.techniques.attribution.model import _clone

if TYPE_CHECKING:
    import keras

VERSION = 2
# Zoo Tiny VGG conv_2_2: 64 steps at lr 0.1 give the same-looking images and mean activation
# as 128 steps at Lucid's lr 0.05 (0.32 vs 0.32) in half the time: 0.44 s for all 32
# filters warm on 2 cores (bench/results.md). The activation still rises slowly after that.
DEFAULT_STEPS = 64
DEFAULT_LEARNING_RATE = 0.1
MAX_STEPS = 4096
MAX_BATCH = 1024
# Lucid's square root of the ImageNet colour covariance (columns: decorrelated channels).
_COLOUR_SQRT = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32
)
_COLOUR = _COLOUR_SQRT / np.max(np.linalg.norm(_COLOUR_SQRT, axis=0))
# Number of optimisation chunks (progress callbacks) per run.
PROGRESS_CHUNKS = 8

# Layers whose own output we report but whose input we optimise (no gradient where off).
_RELU_LAYERS = ("ReLU",)
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


@dataclass(frozen=True)
class FeatureVisParams:
    """Everything that decides the images (with the network and the targets)."""

    steps: int = DEFAULT_STEPS
    seed: int = 0
    size: int | None = None  # square image side; None: the network's input size
    images_per_filter: int = 1
    diversity: float = 0.0
    learning_rate: float = DEFAULT_LEARNING_RATE
    jitter: int | None = None  # pixels; None: size / 14 (2 px at 28)
    scale: tuple[float, float] = (0.9, 1.1)
    rotation: float = 8.0  # degrees, either way
    total_variation: float = 0.0
    l2: float = 0.0
    objective: str = "mean"  # "mean" of the channel, or the "centre" neuron
    decay_power: float = 1.0
    diversity_layer: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= int(self.steps) <= MAX_STEPS:
            raise ValueError(f"steps must be in 1..{MAX_STEPS}, got {self.steps}")
        if int(self.images_per_filter) < 1:
            raise ValueError("images_per_filter must be at least 1")
        if self.objective not in ("mean", "centre"):
            raise ValueError(f"objective must be 'mean' or 'centre', got {self.objective!r}")
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "images_per_filter", int(self.images_per_filter))
        if not math.isfinite(float(self.decay_power)):
            raise ValueError("decay_power must be a finite number")
        for name in ("diversity", "learning_rate", "rotation", "total_variation", "l2"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0")
        low, high = (float(v) for v in self.scale)
        if not 0 < low <= high:
            raise ValueError("scale must be (low, high) with 0 < low <= high")
        object.__setattr__(self, "scale", (low, high))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scale"] = list(self.scale)
        return out


@dataclass
class FeatureVisResult:
    """Images ordered target-major: image ``i`` is for ``targets[i // images_per_filter]``."""

    kind: str  # "filter" or "class"
    layer: str
    filters: list[int]  # the target filters (or classes)
    images: np.ndarray  # N x H x W x C uint8, pixel space 0..255, display-ready
    inputs: np.ndarray  # N x h x w x C float32: the network input (after preprocessing)
    activations: np.ndarray  # N float32: each image's own target, on the final image
    activation_matrix: np.ndarray  # N x F float32: every target on every image
    params: dict[str, Any]
    version: int = VERSION
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # free for callers' notes

    @property
    def image_targets(self) -> np.ndarray:
        """The target (filter or class) of each image."""
        per = int(self.params["images_per_filter"])
        return np.repeat(np.asarray(self.filters, np.int64), per)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "layer": self.layer,
            "filters": list(self.filters),
            "activations": [float(a) for a in self.activations],
            "params": self.params,
            "version": self.version,
            "seconds": self.seconds,
        }


def _inverse_frequencies(height: int, width: int) -> np.ndarray:
    """1 / max(f, 1/max(h, w)) over the rfft2 grid (Lucid's spectrum scale, decay 1)."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.abs(np.fft.fftfreq(width)[: width // 2 + 1])
    freqs = np.sqrt(fx * fx + fy * fy)
    return (1.0 / np.maximum(freqs, 1.0 / max(height, width))).astype(np.float32)


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
        return pixels * self._pre_mul + self._pre_add

    def _window_mean_score(self, layer: str) -> tuple[Callable, Callable] | None:
        """For a plain Conv2D (stride 1, no dilation, no groups) the mean of a filter's
        pre-activation over the map is linear in the layer's input x: <x, M_f> + b_f, where
        M_f (h x w x Cin) is the transposed convolution of a map of ones on channel f,
        divided by the map's size. M depends only on the weights, so it is computed once
        per run and each step skips the layer's convolution forward and backward (a third
        of the work for Tiny VGG's conv_2_2) for the same objective and gradient. Returns
        ``(prepare(targets) -> M, score(x, M, targets) -> N)``, or None."""
        import tensorflow as tf

        target = self._linear.get_layer(layer)
        if type(target).__name__ != "Conv2D":
            return None
        config = target.get_config()
        if (
            tuple(config.get("strides", (1, 1))) != (1, 1)
            or tuple(config.get("dilation_rate", (1, 1))) != (1, 1)
            or int(config.get("groups", 1)) != 1
            or config.get("data_format", "channels_last") != "channels_last"
            or config.get("padding") not in ("same", "valid")
        ):
            return None
        padding = config["padding"].upper()
        in_shape = tuple(int(d) for d in target.input.shape[1:])
        out_h, out_w, filters = (int(d) for d in target.output.shape[1:])
        kernel = target.kernel  # kh x kw x Cin x Cout (a variable: weight changes are seen)
        bias = target.bias if config.get("use_bias", True) else None

        def prepare(targets):
            n = tf.shape(targets)[0]
            ones = tf.one_hot(targets, filters, dtype=tf.float32)[:, None, None, :]
            ones = tf.broadcast_to(ones, (n, out_h, out_w, filters)) / float(out_h * out_w)
            return tf.nn.conv2d_transpose(
                ones,
                tf.cast(kernel, tf.float32),
                output_shape=tf.concat([[n], tf.constant(in_shape)], axis=0),
                strides=1,
                padding=padding,
            )

        def score(x, weights, targets):
            value = tf.reduce_sum(x * weights, axis=(1, 2, 3))
            if bias is not None:
                value += tf.cast(tf.gather(bias, targets), tf.float32)
            return value

        return prepare, score

    def _raw_chain(self, layer: str):
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

        linear = self._linear
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

    def _target_net(
        self, layer: str | None, diversity_layer: str | None, layer_input: bool = False
    ):
        """(net, activation): ``net(x) -> (objective tensor, lower-layer tensor or None)``
        where the objective tensor is the target layer's pre-activation (N x h x w x C),
        the logits (N x K), or with ``layer_input`` the layer's input; ``activation``
        maps the pre-activation to what the network outputs."""
        import tensorflow as tf

        keras = self._keras
        linear = self._linear
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
        key = (layer, objective, size, group, diverse, penalties)
        with self._lock:
            if key not in self._fns:
                self._fns[key] = self._trace(*key)
            return self._fns[key]

    def _trace(self, layer, objective, size, group, diverse, penalties):
        import tensorflow as tf

        height, width = size
        net_h, net_w, channels = self.input_shape
        window = self._window_mean_score(layer) if objective == "mean" and layer else None
        net, _ = self._target_net(layer, diverse or None, window is not None)
        raw = self._raw_chain(layer) if window is not None and not diverse and self.raw else None
        if raw is not None:
            prepare_net, raw_net = raw
            net = lambda x, params: (raw_net(x, params), None)  # noqa: E731
        else:
            prepare_net = lambda: ()  # noqa: E731
            plain = net
            net = lambda x, params: plain(x)  # noqa: E731
        inverse_f = tf.constant(_inverse_frequencies(height, width))
        root_area = float(np.sqrt(height * width))
        colour = tf.constant(_COLOUR.T) if channels == 3 else None
        resize = (height, width) != (net_h, net_w)
        wf = width // 2 + 1
        spec_sig = tf.TensorSpec((None, channels, height, wf, 2), tf.float32)

        def pixels_of(spectrum, decay):
            scale = tf.pow(inverse_f, decay) * root_area
            z = tf.complex(spectrum[..., 0] * scale, spectrum[..., 1] * scale)
            image = tf.signal.irfft2d(z, fft_length=[height, width])  # N x C x H x W
            image = tf.transpose(image, (0, 2, 3, 1)) / 4.0
            if colour is not None:
                image = tf.tensordot(image, colour, axes=1)
            return tf.sigmoid(image)

        def transform(pixels, u, hyper):
            # u: N x 4 uniform in [-1, 1], drawn for the whole batch (lane-independent).
            jitter, lo, hi, rotation = hyper[1], hyper[2], hyper[3], hyper[4]
            dx = tf.round(u[:, 0] * jitter)
            dy = tf.round(u[:, 1] * jitter)
            s = lo + (hi - lo) * (u[:, 2] + 1.0) / 2.0
            theta = u[:, 3] * rotation * (math.pi / 180.0)
            cos, sin = tf.cos(theta) / s, tf.sin(theta) / s
            cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
            # Output pixel (x, y) samples input (a0 x + a1 y + a2, b0 x + b1 y + b2).
            a2 = cx - cos * cx + sin * cy + dx
            b2 = cy - sin * cx - cos * cy + dy
            zeros = tf.zeros_like(cos)
            transforms = tf.stack([cos, -sin, a2, sin, cos, b2, zeros, zeros], axis=1)
            out = tf.raw_ops.ImageProjectiveTransformV3(
                images=pixels,
                transforms=transforms,
                output_shape=tf.constant([height, width], tf.int32),
                fill_value=0.0,
                interpolation="BILINEAR",
                fill_mode="REFLECT",
            )
            out.set_shape((None, height, width, channels))
            return out

        def targets_of(main, targets, weights):
            if window is not None:  # main: the layer's input
                return window[1](main, weights, targets)
            if layer is None:  # logits N x K
                return tf.gather(main, targets, axis=1, batch_dims=1)
            if objective == "centre":
                h, w = main.shape[1], main.shape[2]
                return tf.gather(main[:, h // 2, w // 2, :], targets, axis=1, batch_dims=1)
            channel = tf.gather(main, targets, axis=3, batch_dims=1)  # N x h x w
            return tf.reduce_mean(channel, axis=(1, 2))

        def loss_of(spectrum, targets, weights, u, hyper, params):
            pixels = pixels_of(spectrum, hyper[8])
            seen = transform(pixels, u, hyper)
            if resize:
                seen = tf.image.resize(seen, (net_h, net_w), method="bilinear")
            main, lower = net(self._preprocess(seen), params)
            score = targets_of(main, targets, weights)  # N
            # Penalties are relative to each image's own objective (unitless weights).
            size_of = tf.stop_gradient(tf.abs(score)) + 1e-6
            loss = -score
            tv_weight, l2_weight, div_weight = hyper[5], hyper[6], hyper[7]
            if penalties:  # traced only when asked for: a fifth of a Tiny VGG step otherwise
                tv = tf.reduce_mean(tf.abs(pixels[:, 1:] - pixels[:, :-1]), axis=(1, 2, 3))
                tv += tf.reduce_mean(tf.abs(pixels[:, :, 1:] - pixels[:, :, :-1]), axis=(1, 2, 3))
                l2 = tf.sqrt(tf.reduce_mean(tf.square(pixels - 0.5), axis=(1, 2, 3)) + 1e-12)
                loss += size_of * (tv_weight * tv + l2_weight * l2)
            if lower is not None and group > 1:
                n, c = tf.shape(lower)[0], lower.shape[-1]
                flat = tf.reshape(lower, (n, -1, c))
                gram = tf.matmul(flat, flat, transpose_a=True)
                gram = tf.math.l2_normalize(tf.reshape(gram, (-1, group, c * c)), axis=-1)
                similarity = tf.matmul(gram, gram, transpose_b=True)  # G x k x k
                off = tf.reduce_sum(similarity, axis=-1) - tf.linalg.diag_part(similarity)
                group_size = tf.reduce_mean(tf.reshape(size_of, (-1, group)), axis=1, keepdims=True)
                penalty = tf.reshape(off / (group - 1) * group_size, (-1,))
                loss += div_weight * penalty
            return tf.reduce_sum(loss)

        def gradient(spectrum, targets, weights, u, hyper, params):
            with tf.GradientTape() as tape:
                tape.watch(spectrum)
                loss = loss_of(spectrum, targets, weights, u, hyper, params)
            return tape.gradient(loss, spectrum)

        def make_run(lanes: int):
            def step_gradient(spectrum, targets, weights, seed, hyper, params):
                n = tf.shape(spectrum)[0]
                u = tf.random.stateless_uniform((n, 4), seed=seed, minval=-1.0, maxval=1.0)
                if lanes <= 1:
                    return gradient(spectrum, targets, weights, u, hyper, params)
                # Cut on group boundaries: the diversity term couples a group's images.
                groups = tf.shape(spectrum)[0] // group
                parts = []
                for i in range(lanes):
                    lo_ = (i * groups) // lanes * group
                    hi_ = ((i + 1) * groups) // lanes * group
                    part = slice(lo_, hi_)
                    parts.append(
                        gradient(
                            spectrum[part], targets[part], weights[part], u[part], hyper, params
                        )
                    )
                return tf.concat(parts, axis=0)

            def run(spectrum, m, v, targets, start, count, seed, hyper):
                lr = hyper[0]
                # Loop-invariant per-image weights of the window shortcut (else unused).
                weights = window[0](targets) if window is not None else tf.zeros_like(spectrum)
                params = prepare_net()  # the plain-op network's (folded) weights
                beta1, beta2, eps = 0.9, 0.999, 1e-8
                for i in tf.range(count):
                    t = tf.cast(start + i, tf.int64)
                    step_seed = tf.stack([seed, t])
                    g = step_gradient(spectrum, targets, weights, step_seed, hyper, params)
                    m = beta1 * m + (1.0 - beta1) * g
                    v = beta2 * v + (1.0 - beta2) * g * g
                    tf_ = tf.cast(t + 1, tf.float32)
                    m_hat = m / (1.0 - tf.pow(beta1, tf_))
                    v_hat = v / (1.0 - tf.pow(beta2, tf_))
                    spectrum = spectrum - lr * m_hat / (tf.sqrt(v_hat) + eps)
                return spectrum, m, v

            signature = [
                spec_sig,
                spec_sig,
                spec_sig,
                tf.TensorSpec((None,), tf.int32),
                tf.TensorSpec((), tf.int32),
                tf.TensorSpec((), tf.int32),
                tf.TensorSpec((), tf.int64),
                tf.TensorSpec((9,), tf.float32),
            ]
            return tf.function(run, input_signature=signature).get_concrete_function()

        def render(spectrum, decay):
            return (pixels_of(spectrum, decay),)

        render_fn = tf.function(
            render, input_signature=[spec_sig, tf.TensorSpec((), tf.float32)]
        ).get_concrete_function()
        runs: dict[int, Callable] = {}

        def get_run(lanes: int) -> Callable:
            # Traced on first use: a layer visualised with one lane never pays for two.
            with self._lock:
                if lanes not in runs:
                    runs[lanes] = make_run(lanes)
                return runs[lanes]

        return get_run, render_fn

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
        x = keras.layers.Rescaling(self._pre_mul / 255.0, offset=mean)(inputs)
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
        chunks = max(1, min(PROGRESS_CHUNKS, params.steps))
        done = 0
        for c in range(chunks):
            count = (params.steps * (c + 1)) // chunks - done
            spectrum, m, v = fn(
                spectrum, m, v, target_t, tf.constant(done), tf.constant(count), seed, hyper
            )
            done += count
            if progress is not None:
                progress(done / params.steps)
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


def _as_model(model: keras.Model | FeatureVisModel, spec: InputSpec | None) -> FeatureVisModel:
    if isinstance(model, FeatureVisModel):
        return model
    return FeatureVisModel(model, spec)


def visualise_filters(
    model: keras.Model | FeatureVisModel,
    layer_name: str,
    filters: list[int] | None = None,
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    size: int | None = None,
    images_per_filter: int = 1,
    diversity: float = 0.0,
    progress: Callable[[float], None] | None = None,
    spec: InputSpec | None = None,
    **options: Any,
) -> FeatureVisResult:
    """Images maximising each filter (channel) of ``layer_name``, all in one batch.

    ``filters``: channel indices (default: every channel). ``options``: the other
    :class:`FeatureVisParams` fields (learning_rate, jitter, scale, rotation,
    total_variation, l2, objective, decay_power, diversity_layer). ``spec``: the network's
    preprocessing (default 1/255 scale, no mean/std), used when ``model`` is a Keras model.
    """
    vis = _as_model(model, spec)
    count = vis.check_layer(layer_name)
    targets = list(range(count)) if filters is None else [int(f) for f in filters]
    bad = [f for f in targets if not 0 <= f < count]
    if bad:
        raise ValueError(f"filters {bad} are outside 0..{count - 1} of {layer_name!r}")
    params = FeatureVisParams(
        steps=steps,
        seed=seed,
        size=size,
        images_per_filter=images_per_filter,
        diversity=diversity,
        **options,
    )
    return vis.visualise(layer_name, targets, params, progress)


def visualise_classes(
    model: keras.Model | FeatureVisModel,
    classes: list[int] | None = None,
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    size: int | None = None,
    images_per_filter: int = 1,
    diversity: float = 0.0,
    progress: Callable[[float], None] | None = None,
    spec: InputSpec | None = None,
    **options: Any,
) -> FeatureVisResult:
    """Images maximising each class's pre-softmax logit (softmax removed, so a confident
    class still has a gradient). ``activations`` are logits. Other arguments as
    :func:`visualise_filters`."""
    vis = _as_model(model, spec)
    targets = list(range(vis.num_classes)) if classes is None else [int(c) for c in classes]
    bad = [c for c in targets if not 0 <= c < vis.num_classes]
    if bad:
        raise ValueError(f"classes {bad} are outside 0..{vis.num_classes - 1}")
    options.pop("objective", None)
    params = FeatureVisParams(
        steps=steps,
        seed=seed,
        size=size,
        images_per_filter=images_per_filter,
        diversity=diversity,
        **options,
    )
    return vis.visualise(None, targets, params, progress)
