"""ConvScope compute package: Django-free code the Celery worker calls.

Importing ``worker`` (or ``worker.images``, ``worker.input_spec``, ``worker.model_safety``)
never imports TensorFlow; modules that need it import it lazily after
:func:`worker.tf_env.configure_tensorflow`.
"""
