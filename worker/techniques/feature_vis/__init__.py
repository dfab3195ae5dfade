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

The parts: :mod:`.params` (what decides the images, what comes back), :mod:`.image_param`
(the Fourier image and the random transformations), :mod:`.target` (the objective's
network), :mod:`.window` and :mod:`.raw_chain` (the two shortcuts above), :mod:`.optimiser`
(the traced loop), :mod:`.model` (:class:`FeatureVisModel`, one per network) and
:mod:`.visualise` (filters or classes in one call).
"""
