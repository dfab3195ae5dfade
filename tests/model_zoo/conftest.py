"""Zoo tests: TensorFlow quiet and bit-reproducible (non-oneDNN kernels) before it is imported."""

from model_zoo.spec import set_tf_env

set_tf_env()
