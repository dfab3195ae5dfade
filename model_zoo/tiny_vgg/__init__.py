"""Tiny VGG, after CNN Explainer's network (Wang et al., 2020), for Fashion-MNIST."""
