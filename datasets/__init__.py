"""Image datasets for ConvScope: loaders and manifests, NumPy only.

This package is imported by the web process, so it must never import TensorFlow.
Use :func:`datasets.registry.get_dataset` / :func:`datasets.registry.list_datasets`.
"""
