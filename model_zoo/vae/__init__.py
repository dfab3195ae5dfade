"""Variational autoencoders of the zoo's datasets: the neighbourhood view's generator (issue 21).

One small VAE per dataset (``fashion-mnist``, ``digits``), trained here by ``train.py`` with the
seeded recipe below and shipped like the zoo networks: ``encoder.keras``, ``decoder.keras`` and
``manifest.json`` (reconstruction error and KL on the test split, each class's mean code).
"""
