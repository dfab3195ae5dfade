"""ConvScope compute package: Django-free code the Celery worker calls.

Three parts by role: :mod:`worker.runtime` (TensorFlow settings, safe model loading, the
model cache), :mod:`worker.inputs` (decoding uploads, the input spec, preprocessing) and
:mod:`worker.techniques` (what is computed about a network).

Importing ``worker`` (or ``worker.inputs``, ``worker.runtime.model_safety``) never imports
TensorFlow; modules that need it import it lazily after
:func:`worker.runtime.tf_env.configure_tensorflow`.
"""
