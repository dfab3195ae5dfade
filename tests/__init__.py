"""The test suite (a regular package, so a stray top-level `tests` in site-packages, such as
tf-keras-vis 0.8.7 installs, cannot shadow it)."""
