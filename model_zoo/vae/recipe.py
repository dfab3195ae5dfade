"""Training recipes of the zoo's VAEs: seeded, so a re-run on the same machine gives the same
weights. ``default_recipe`` serves datasets registered by users (trained by a job)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class VaeRecipe:
    dataset: str
    latent: int = 8  # eight axes: what a parallel-coordinates plot still reads well
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 2026
    # At most this many training images (a registered dataset's job stays bounded).
    max_images: int = 60_000

    def as_dict(self) -> dict:
        return asdict(self)


RECIPES: dict[str, VaeRecipe] = {
    "fashion-mnist": VaeRecipe("fashion-mnist", epochs=10, batch_size=128),
    # 1,438 training images: many more passes over them, in smaller batches.
    "digits": VaeRecipe("digits", epochs=300, batch_size=64),
}


def default_recipe(dataset: str, train_images: int) -> VaeRecipe:
    """The zoo recipe of ``dataset``, else one of about 3,000 optimiser steps at most (what a
    worker finishes within its 15-minute limit on 2 cores), on at most 20,000 images."""
    if dataset in RECIPES:
        return RECIPES[dataset]
    images = max(1, min(train_images, 20_000))
    steps_per_epoch = -(-images // 128)
    epochs = max(1, min(100, 3_000 // steps_per_epoch))
    return VaeRecipe(dataset, epochs=epochs, max_images=images)
