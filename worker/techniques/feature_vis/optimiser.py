"""The traced optimisation: the objective and its penalties, Adam written out, parallel lanes.

The whole loop runs inside one ``tf.function`` per (layer, objective, image size, group size,
diversity layer, penalties), called once per progress chunk; randomness uses stateless ops
seeded by (seed, step), so the same seed gives the same images bit for bit, whatever ran
before in the process. The penalty and diversity weights are relative to each image's own
objective (held constant in the gradient), so one setting suits networks whose activations
differ in scale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from worker.techniques.feature_vis.image_param import fourier_image, random_transform

if TYPE_CHECKING:
    from worker.techniques.feature_vis.model import FeatureVisModel


def trace(
    vis: FeatureVisModel,
    layer: str | None,
    objective: str,
    size: tuple[int, int],
    group: int,
    diverse: str,
    penalties: bool,
) -> tuple[Callable[[int], Callable], Callable]:
    """``(get_run(lanes) -> run, render)`` for ``vis``: ``run(spectrum, m, v, targets, start,
    count, seed, hyper)`` takes ``count`` Adam steps; ``render(spectrum, decay)`` the pixels."""
    import tensorflow as tf

    height, width = size
    net_h, net_w, channels = vis.input_shape
    window = vis._window_mean_score(layer) if objective == "mean" and layer else None
    net, _ = vis._target_net(layer, diverse or None, window is not None)
    raw = vis._raw_chain(layer) if window is not None and not diverse and vis.raw else None
    if raw is not None:
        prepare_net, raw_net = raw
        net = lambda x, params: (raw_net(x, params), None)  # noqa: E731
    else:
        prepare_net = lambda: ()  # noqa: E731
        plain = net
        net = lambda x, params: plain(x)  # noqa: E731
    pixels_of = fourier_image(height, width, channels)
    transform = random_transform(height, width, channels)
    resize = (height, width) != (net_h, net_w)
    wf = width // 2 + 1
    spec_sig = tf.TensorSpec((None, channels, height, wf, 2), tf.float32)

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
        main, lower = net(vis._preprocess(seen), params)
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
                    gradient(spectrum[part], targets[part], weights[part], u[part], hyper, params)
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
        with vis._lock:
            if lanes not in runs:
                runs[lanes] = make_run(lanes)
            return runs[lanes]

    return get_run, render_fn
