"""The stored pictures' file names (no TensorFlow: the web process serves them)."""

NEIGHBOURS_FILE = "neighbours.npy"
PATH_FILE = "path.npy"
