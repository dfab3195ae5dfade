"""ConvScope's zoo of networks trained here by the project's own recipes.

:mod:`model_zoo.registry` is safe to import from the web process (no TensorFlow);
:mod:`model_zoo.train` and the ``architecture`` modules import Keras.
"""
