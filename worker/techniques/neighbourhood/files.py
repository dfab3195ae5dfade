"""The stored pictures' file names and the compute version (no TensorFlow: the web process
serves the files and keys results by the version)."""

NEIGHBOURS_FILE = "neighbours.npy"
PATH_FILE = "path.npy"
# Results of an older version are computed again (it is part of their cache key).
VERSION = 2
