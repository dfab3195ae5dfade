"""Build and train a small network from a user's layer stack (the Build & train page)."""
