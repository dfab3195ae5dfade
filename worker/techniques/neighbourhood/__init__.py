"""Why was this picture misclassified? Its neighbourhood in a VAE's latent space, labelled by
the network (the teacher), and a linear student fitted on those neighbours (issue 21, after
"Visualize it Deeper"). ``vae`` encodes and decodes, ``student`` fits the linear classifier,
``view`` puts them together for one picture."""
