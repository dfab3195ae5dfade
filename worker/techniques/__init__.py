"""What ConvScope computes about a network: activations, attribution, feature visualisation,
embeddings, evaluation, top activations, filter ranking, kernels and receptive fields."""
