"""Training recipe for ``tiny-vgg``."""

from model_zoo.spec import Recipe

RECIPE = Recipe(
    name="tiny-vgg",
    title="Tiny VGG",
    description=(
        "A small network of four filter layers, in the style of CNN Explainer, "
        "that recognises ten kinds of clothing in small greyscale photos."
    ),
    seed=1234,
    epochs=4,
    batch_size=64,
    optimizer="adam",
    learning_rate=1e-3,
    lr_schedule="constant",
)
