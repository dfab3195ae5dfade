"""Running a network safely: TensorFlow settings, checking and loading model files, the
per-process model cache, training checkpoints and what a model's layers look like."""
