"""The attribution methods: names (a public contract), parameters, and plain-language cards.

``normalise_params`` turns a user's parameters into the complete, validated set that a
cache key and a computation use; the web process calls it too (no TensorFlow here).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

METHOD_NAMES = (
    "gradient",
    "gradient-x-input",
    "smoothgrad",
    "guided-backprop",
    "integrated-gradients",
    "gradcam",
    "gradcam++",
    "occlusion",
)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int", "float" or "choice"
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # The default for an image whose shorter side is ``side`` pixels (None: ``default``), and
    # how the API describes it.
    scaled: Callable[[int], Any] | None = None
    scaled_help: str = ""

    def default_for(self, side: int | None) -> Any:
        return self.default if side is None or self.scaled is None else self.scaled(side)

    def clean(self, value: Any) -> Any:
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}.")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{self.name} must be a number.")
        try:
            number = int(value) if self.kind == "int" else float(value)
        except ValueError:
            raise ValueError(f"{self.name} must be a number.") from None
        if self.kind == "int" and float(value) != number:
            raise ValueError(f"{self.name} must be a whole number.")
        if not np.isfinite(number):
            raise ValueError(f"{self.name} must be a finite number.")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.name} must be at least {self.minimum:g}.")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{self.name} must be at most {self.maximum:g}.")
        return number

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "help": self.help,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "choices": list(self.choices),
            "scales_with_input": self.scaled_help or None,
        }


def occlusion_window(side: int) -> int:
    """Occlusion's default window: an eighth of the image's shorter side (about the fraction
    Zeiler & Fergus hid), at least 4 pixels, so the number of model calls does not grow with
    the square of the resolution."""
    return max(4, round(side / 8))


def occlusion_stride(side: int) -> int:
    """Half the default window, at least 2 (4/2 on a 28-pixel image, as before scaling)."""
    return max(2, occlusion_window(side) // 2)


SEED = Param("seed", "int", 0, "Seed of the random numbers, for repeatable maps.", 0, 2**31 - 1)


@dataclass(frozen=True)
class Method:
    name: str
    title: str
    paper: str
    shows: str
    how_to_read: str
    caveats: str
    signed: bool
    uses_layer: bool = False
    params: tuple[Param, ...] = field(default=())
    # Part of every cache key: raise it when the computation changes, so stored maps made
    # by the old code are not served as the new method's.
    version: int = 1

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "paper": self.paper,
            "shows": self.shows,
            "how_to_read": self.how_to_read,
            "caveats": self.caveats,
            "signed": self.signed,
            "uses_layer": self.uses_layer,
            "params": [p.to_dict() for p in self.params],
            "version": self.version,
        }


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            name="gradient",
            title="Gradient (saliency)",
            paper="Simonyan et al. 2014, arXiv:1312.6034",
            shows="How much a tiny change to each pixel would change the score of the class.",
            how_to_read="Bright pixels are ones the score is most sensitive to. It says "
            "nothing about whether the pixel pushes the score up or down.",
            caveats="Noisy and speckled; sensitivity is not the same as importance. "
            "It does pass the randomisation check (the map changes when the model is "
            "scrambled).",
            signed=False,
        ),
        Method(
            name="gradient-x-input",
            title="Gradient × input",
            paper="Shrikumar et al. 2016, arXiv:1605.01713",
            shows="Each pixel's value times its gradient: a first guess at how much the "
            "pixel contributed to the score.",
            how_to_read="Positive (bright) pixels raise the class score, negative ones lower it.",
            caveats="Pixels that are black (zero) always get zero, even when the model "
            "relies on them being dark. It inherits the gradient's noise.",
            signed=True,
        ),
        Method(
            name="smoothgrad",
            title="SmoothGrad",
            paper="Smilkov et al. 2017, arXiv:1706.03825",
            shows="The gradient averaged over many noisy copies of the image, so the "
            "speckle cancels and the shape the model uses stands out.",
            how_to_read="Bright regions are the ones the score is consistently sensitive to.",
            caveats="The noise level matters: too little leaves speckle, too much blurs "
            "everything. Costs one model call per sample.",
            signed=False,
            params=(
                Param("samples", "int", 20, "Noisy copies averaged.", 1, 256),
                Param("noise", "float", 0.2, "Noise as a fraction of the image's range.", 0, 1),
                SEED,
            ),
        ),
        Method(
            name="guided-backprop",
            title="Guided backpropagation",
            paper="Springenberg et al. 2015, arXiv:1412.6806",
            shows="A gradient passed back only through positive signals, which gives "
            "crisp, edge-like pictures.",
            how_to_read="Bright pixels lie on the edges and textures that positive "
            "signals flowed from.",
            caveats="Known to fail the randomisation test (Adebayo et al. 2018): the map "
            "changes little when the top layers' weights are scrambled, so it largely shows "
            "the image's edges rather than what the model learned. Read its trust card before "
            "relying on it.",
            signed=False,
        ),
        Method(
            name="integrated-gradients",
            title="Integrated gradients",
            paper="Sundararajan et al. 2017, arXiv:1703.01365",
            shows="How the score changes along a path from a plain baseline image to this "
            "image, shared out among the pixels.",
            how_to_read="Positive pixels raise the score relative to the baseline, "
            "negative ones lower it; together they add up to the score difference.",
            caveats="The answer depends on the baseline: a black baseline gives black "
            "pixels no credit. More steps give a more exact sum.",
            signed=True,
            params=(
                Param(
                    "baseline",
                    "choice",
                    "black",
                    "The image the path starts from.",
                    choices=("black", "blurred", "noise"),
                ),
                Param("steps", "int", 64, "Points along the path.", 2, 1024),
                SEED,
            ),
        ),
        Method(
            name="gradcam",
            title="Grad-CAM",
            paper="Selvaraju et al. 2017, arXiv:1610.02391",
            shows="Which regions of a convolutional layer's feature maps the class "
            "relies on, weighted by their average gradient.",
            how_to_read="Warm regions are where the layer saw evidence for the class. "
            "The map is coarse: it has the layer's resolution, stretched to the image.",
            caveats="Only as sharp as the chosen layer; a later layer is more "
            "class-specific but blurrier. Shows evidence for the class, never against.",
            signed=False,
            uses_layer=True,
        ),
        Method(
            name="gradcam++",
            title="Grad-CAM++",
            paper="Chattopadhay et al. 2018, arXiv:1710.11063",
            shows="Like Grad-CAM, but each position's gradient is weighted so that "
            "several separate pieces of evidence all show up.",
            how_to_read="Warm regions are evidence for the class at the chosen layer.",
            caveats="Coarse like Grad-CAM, and its weighting assumes the score behaves "
            "like an exponential; on some models it is close to Grad-CAM.",
            signed=False,
            uses_layer=True,
            version=2,  # 2: alpha uses g³·ΣA and is normalised per channel, as in the paper
        ),
        Method(
            name="occlusion",
            title="Occlusion",
            paper="Zeiler & Fergus 2014, arXiv:1311.2901",
            shows="How much the class score drops when a small black square hides each "
            "part of the image.",
            how_to_read="Bright regions are ones the model needs: hiding them lowers the "
            "score. Negative regions raise the score when hidden.",
            caveats="The result depends on the window size: a small window misses large "
            "parts, a big one blurs the map. One model call per window position.",
            signed=True,
            params=(
                Param(
                    "window",
                    "int",
                    4,
                    "Side of the hiding square, in pixels.",
                    1,
                    512,
                    scaled=lambda side: occlusion_window(side),
                    scaled_help="max(4, round(side / 8)): 4 at 28 px, 28 at 224 px",
                ),
                Param(
                    "stride",
                    "int",
                    2,
                    "Step between squares, in pixels.",
                    1,
                    512,
                    scaled=lambda side: occlusion_stride(side),
                    scaled_help="max(2, default window // 2): 2 at 28 px, 14 at 224 px",
                ),
            ),
        ),
    )
}
assert tuple(METHODS) == METHOD_NAMES


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(
            f"Unknown method {name!r}; choose one of {', '.join(METHOD_NAMES)}."
        ) from None


def normalise_params(method: str, params: dict | None, side: int | None = None) -> dict:
    """Every parameter of ``method``, defaults filled in, values checked. ``side`` (the input
    image's shorter side, in pixels) scales the defaults that depend on it (occlusion's window
    and stride); without it they are the listed defaults.

    Raises:
        ValueError: an unknown method or parameter, or a value out of range.
    """
    spec = get_method(method)
    params = dict(params or {})
    known = {p.name for p in spec.params}
    unknown = sorted(set(params) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise ValueError(
            f"{method} has no parameter {', '.join(unknown)} (its parameters: {allowed})."
        )
    return {p.name: p.clean(params.get(p.name, p.default_for(side))) for p in spec.params}


def _function(method: str) -> Callable:
    from worker.techniques.attribution import (
        gradcam,
        gradient,
        gradient_x_input,
        guided_backprop,
        integrated_gradients,
        occlusion,
        smoothgrad,
    )

    return {
        "gradient": gradient.explain,
        "gradient-x-input": gradient_x_input.explain,
        "smoothgrad": smoothgrad.explain,
        "guided-backprop": guided_backprop.explain,
        "integrated-gradients": integrated_gradients.explain,
        "gradcam": gradcam.explain_gradcam,
        "gradcam++": gradcam.explain_gradcam_plus_plus,
        "occlusion": occlusion.explain,
    }[method]


def explain(
    model,
    x: np.ndarray,
    method: str,
    *,
    target: int | None = None,
    layer: str | None = None,
    params: dict | None = None,
    progress: Callable[[float, str], None] | None = None,
):
    """Run ``method`` on one preprocessed image H x W x C; the target defaults to the
    predicted class. Returns an :class:`~worker.techniques.attribution.base.AttributionMap`.
    ``progress(fraction, message)`` hears from methods that make many model calls (and may
    raise to stop them: a cancelled job)."""
    spec = get_method(method)
    side = int(min(np.shape(x)[:2]))
    values = normalise_params(method, params, side)
    target = model.predicted_class(x) if target is None else model.check_target(target)
    if spec.uses_layer:
        values["layer"] = layer or model.default_cam_layer()
    elif layer:
        raise ValueError(f"{method} does not use a layer.")
    function = _function(method)
    if progress is not None and "progress" in inspect.signature(function).parameters:
        values["progress"] = progress
    result = function(model, np.asarray(x, np.float32), target, **values)
    result.info.setdefault("params", normalise_params(method, params, side))
    return result
