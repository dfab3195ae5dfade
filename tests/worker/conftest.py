"""Worker tests: the TensorFlow environment the worker itself uses."""

from worker.runtime.tf_env import configure_tensorflow

configure_tensorflow()
