"""A deeper convolutional network with batch normalisation, for Fashion-MNIST."""
