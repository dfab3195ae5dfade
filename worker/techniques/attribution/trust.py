"""Trust checks for an attribution map: does it reflect the model, and is it faithful?

Model randomisation: Adebayo, Gilmer, Muelly, Goodfellow, Hardt & Kim (2018), "Sanity
Checks for Saliency Maps", NeurIPS, arXiv:1810.03292. The weights are re-initialised
layer by layer from the output down (cascading); after each step the map is recomputed
and compared with the original by Spearman rank correlation of absolute values. A map
that stays similar while the model is destroyed shows the image, not the model.

Deletion and insertion: Petsiuk, Das & Saenko (2018), "RISE: Randomized Input Sampling
for Explanation of Black-box Models", BMVC, arXiv:1806.07421. Pixels are removed (set to
black) or inserted (into a blurred copy) most important first; the class probability is
plotted against the fraction changed. A faithful map makes the deletion curve fall fast
(small area) and the insertion curve rise fast (large area). A random map gives the
baseline both are judged against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import rankdata

from worker.techniques.attribution.base import blur_sigma, gaussian_blur
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import explain
from worker.techniques.attribution.trust_rules import (
    CURVE_STEPS,
    FAITHFULNESS_MARGIN,
    RANDOM_MAPS,
    RANDOMISATION_MAX_SIMILARITY,
    UNCHECKED,
    Verdict,
    judge_faithfulness,
    judge_randomisation,
    judged_step,
)

# Kept for readers of the older name: the threshold now lives with the rule (trust_rules).
RANDOMISATION_PASS_BELOW = RANDOMISATION_MAX_SIMILARITY

# Called with (fraction done 0..1, a short message for people).
Progress = Callable[[float, str], None]


def spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    """Spearman rank correlation of two maps (ties share their mean rank); None if a map
    is constant or not finite, where no ranking exists."""
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    if not _has_ranking(a) or not _has_ranking(b):
        return None
    ra, rb = rankdata(a), rankdata(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def _random_like(name: str, value: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A fresh value for one weight array, the way layers are usually initialised.

    Kernels: truncated normal with std sqrt(1 / fan_in) (Adebayo et al. used a truncated
    normal). Vectors (biases, batch-norm parameters): drawn with the original's mean and
    spread, kept positive where the layer needs it.
    """
    if value.ndim > 1:
        fan_in = int(np.prod(value.shape[:-1]))
        std = 1.0 / np.sqrt(max(fan_in, 1))
        return np.clip(rng.normal(0.0, std, value.shape), -2 * std, 2 * std).astype(np.float32)
    spread = float(value.std()) or 0.1
    fresh = rng.normal(float(value.mean()), spread, value.shape)
    if "variance" in name or name.endswith("gamma"):
        fresh = np.abs(fresh) + 1e-3
    return fresh.astype(np.float32)


@dataclass
class RandomisationCheck:
    layers: list[str]  # randomised in this order (output first)
    correlations: list[float | None]  # after randomising layers[: i + 1]
    maps: np.ndarray  # (1 + len(layers)) x H x W: the original, then after each step

    @property
    def final_correlation(self) -> float | None:
        return self.correlations[-1] if self.correlations else None

    @property
    def original_is_flat(self) -> bool:
        return not _has_ranking(self.maps[0])

    def judged(self) -> tuple[Verdict, float | None]:
        """The verdict (trust_rules.judge_randomisation) and the similarity it judged."""
        return judge_randomisation(self.layers, self.correlations, self.original_is_flat)

    @property
    def verdict(self) -> Verdict:
        return self.judged()[0]

    @property
    def passes(self) -> bool | None:
        """None when the check could not be made (an empty map, a scrambled map without a
        ranking): never True then."""
        return self.verdict.passes

    def summary(self) -> dict:
        verdict, similarity = self.judged()
        step = judged_step(len(self.layers))
        return {
            "layers": self.layers,
            "correlations": self.correlations,
            "final_correlation": self.final_correlation,
            "passes": verdict.passes,
            "original_is_flat": self.original_is_flat,
            "threshold": RANDOMISATION_MAX_SIMILARITY,
            # the rule's inputs: judged from this many scrambled layers on, at this similarity
            "judged_step": step,
            "judged_after": self.layers[step - 1] if step else None,
            "similarity": similarity,
            **verdict.to_dict(),
        }


def _has_ranking(values: np.ndarray) -> bool:
    """A map orders pixels only if it is finite and not the same value everywhere."""
    values = np.asarray(values, np.float64)
    return bool(values.size) and bool(np.all(np.isfinite(values))) and bool(np.ptp(values) > 0)


def cascading_randomisation(
    model: AttributionModel,
    x: np.ndarray,
    method: str,
    *,
    target: int,
    layer: str | None = None,
    params: dict | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    original: np.ndarray | None = None,
) -> RandomisationCheck:
    """Randomise ``model``'s weights layer by layer from the top, recomputing the map.

    ``model`` is changed while this runs and restored afterwards, so pass a copy that no
    other request is using (see ``model_cache.get_attribution_model(..., scratch=True)``).
    """

    def draw() -> np.ndarray:
        return explain(model, x, method, target=target, layer=layer, params=params).map

    return randomise_cascade(model, draw, seed=seed, progress=progress, original=original)


def randomise_cascade(
    model: AttributionModel,
    draw: Callable[[], np.ndarray],
    *,
    seed: int = 0,
    progress: Progress | None = None,
    original: np.ndarray | None = None,
) -> RandomisationCheck:
    """The cascade for any way of drawing a map from ``model`` as it is now (``draw``): the
    trained model's map, then the map after each layer is scrambled, output first."""
    rng = np.random.default_rng(seed)
    model.reset_weights()
    try:
        if original is None:  # the caller may already have the trained model's map
            original = draw()
        order = list(reversed(model.weighted_layers()))
        maps, correlations = [original], []
        for step, name in enumerate(order):
            if progress is not None:
                progress(step / len(order), f"Scrambling layer {name} ({step + 1}/{len(order)})")
            named = model.named_layer_weights(name)
            model.set_layer_weights(name, [_random_like(n, v, rng) for n, v in named])
            current = draw()
            correlations.append(spearman(np.abs(original), np.abs(current)))
            maps.append(current)
    finally:
        model.reset_weights()
    return RandomisationCheck(order, correlations, np.stack(maps).astype(np.float32))


@dataclass
class Curve:
    fractions: list[float]
    probabilities: list[float]

    @property
    def auc(self) -> float:
        return float(np.trapezoid(self.probabilities, self.fractions))

    def summary(self) -> dict:
        return {"fractions": self.fractions, "probabilities": self.probabilities, "auc": self.auc}


@dataclass
class Faithfulness:
    deletion: Curve
    insertion: Curve

    def summary(self) -> dict:
        return {
            "deletion": self.deletion.summary(),
            "insertion": self.insertion.summary(),
            # One number to rank maps by: high insertion area, low deletion area.
            "score": self.insertion.auc - self.deletion.auc,
        }


def importance_order(importance: np.ndarray) -> np.ndarray:
    """Pixel indices (row-major), most important first; ties keep reading order."""
    return np.argsort(-np.asarray(importance, np.float64).ravel(), kind="stable")


def deletion_insertion(
    model: AttributionModel,
    x: np.ndarray,
    importance: np.ndarray,
    *,
    target: int,
    steps: int = CURVE_STEPS,
) -> Faithfulness:
    """Deletion and insertion curves for one map, all 2 x (steps + 1) images in batches."""
    height, width = x.shape[:2]
    pixels = height * width
    steps = max(1, min(steps, pixels))
    order = importance_order(importance)
    counts = np.round(np.linspace(0, pixels, steps + 1)).astype(int)
    blurred = gaussian_blur(x, blur_sigma(height, width))
    black = np.broadcast_to(model.black, x.shape)
    flat_x = x.reshape(pixels, -1)
    deleted = np.repeat(flat_x[np.newaxis], steps + 1, axis=0)
    inserted = np.repeat(blurred.reshape(pixels, -1)[np.newaxis], steps + 1, axis=0)
    flat_black = black.reshape(pixels, -1)
    for k, count in enumerate(counts):
        chosen = order[:count]
        deleted[k, chosen] = flat_black[chosen]
        inserted[k, chosen] = flat_x[chosen]
    batch = np.concatenate([deleted, inserted]).reshape(-1, *x.shape)
    probabilities = model.probabilities(batch)[:, target].astype(np.float64)
    fractions = [float(c) / pixels for c in counts]
    return Faithfulness(
        deletion=Curve(fractions, [float(p) for p in probabilities[: steps + 1]]),
        insertion=Curve(fractions, [float(p) for p in probabilities[steps + 1 :]]),
    )


def random_map(shape: tuple[int, int], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@dataclass
class RandomBaseline:
    """Deletion and insertion with RANDOM_MAPS random pixel orderings: the mean curves (the
    dashed lines on the page) and every map's areas (what the rule compares against)."""

    runs: list[Faithfulness]

    @property
    def mean(self) -> Faithfulness:
        def mean_curve(curves: list[Curve]) -> Curve:
            probabilities = np.mean([c.probabilities for c in curves], axis=0)
            return Curve(curves[0].fractions, [float(p) for p in probabilities])

        return Faithfulness(
            deletion=mean_curve([r.deletion for r in self.runs]),
            insertion=mean_curve([r.insertion for r in self.runs]),
        )

    @property
    def deletion_aucs(self) -> list[float]:
        return [r.deletion.auc for r in self.runs]

    @property
    def insertion_aucs(self) -> list[float]:
        return [r.insertion.auc for r in self.runs]

    def summary(self) -> dict:
        return {
            **self.mean.summary(),
            "maps": len(self.runs),
            "deletion_aucs": self.deletion_aucs,
            "insertion_aucs": self.insertion_aucs,
        }


def random_baseline(
    model: AttributionModel,
    x: np.ndarray,
    *,
    target: int,
    steps: int = CURVE_STEPS,
    seed: int = 0,
    maps: int = RANDOM_MAPS,
) -> RandomBaseline:
    shape = x.shape[:2]
    return RandomBaseline(
        [
            deletion_insertion(model, x, random_map(shape, seed + k), target=target, steps=steps)
            for k in range(maps)
        ]
    )


def judge_map_faithfulness(
    importance: np.ndarray, faithfulness: Faithfulness, baseline: RandomBaseline
) -> Verdict:
    """trust_rules.judge_faithfulness on one map's curves and the random maps'."""
    return judge_faithfulness(
        faithfulness.deletion.auc,
        faithfulness.insertion.auc,
        baseline.deletion_aucs,
        baseline.insertion_aucs,
        map_is_flat=not _has_ranking(importance),
    )


@dataclass
class TrustReport:
    method: str
    target: int
    layer: str | None
    params: dict
    map: np.ndarray
    randomisation: RandomisationCheck
    faithfulness: Faithfulness
    random_baseline: RandomBaseline
    extra: dict = field(default_factory=dict)

    @property
    def faithfulness_verdict(self) -> Verdict:
        return judge_map_faithfulness(self.map, self.faithfulness, self.random_baseline)

    @property
    def verdict(self) -> str:
        """A plain-language reading of the two verdicts, for people who will not read curves;
        it says only what the verdicts (trust_rules) say."""
        randomisation = self.randomisation.verdict.verdict
        faithfulness = self.faithfulness_verdict.verdict
        if self.randomisation.original_is_flat:
            return (
                "This map is empty for this image: the method found no evidence for the "
                "class at this layer, so neither check could be made. Try an earlier layer "
                "or another method."
            )
        parts = [
            {
                "pass": "This map changes when the model is scrambled: it reflects what the "
                "model learned.",
                "fail": "This map barely changes when the model is scrambled: it may show the "
                "image's structure more than the model's reasoning.",
                UNCHECKED: "Whether this map depends on the model could not be checked.",
            }[randomisation],
            {
                "pass": "Its pixel ranking beats every random one on this image.",
                "fail": "Its pixel ranking is no better than a random one on this image.",
                UNCHECKED: "Whether its pixel ranking beats chance could not be checked.",
            }[faithfulness],
        ]
        return " ".join(parts)

    def summary(self) -> dict:
        return {
            "method": self.method,
            "target": self.target,
            "layer": self.layer,
            "params": self.params,
            "randomisation": self.randomisation.summary(),
            "faithfulness": {
                **self.faithfulness.summary(),
                "margin": FAITHFULNESS_MARGIN,
                **self.faithfulness_verdict.to_dict(),
            },
            "random_baseline": self.random_baseline.summary(),
            "verdict": self.verdict,
            **self.extra,
        }


def run_trust_checks(
    model: AttributionModel,
    x: np.ndarray,
    method: str,
    *,
    target: int | None = None,
    layer: str | None = None,
    params: dict | None = None,
    steps: int = CURVE_STEPS,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrustReport:
    """Every check for one method on one image. ``model`` must be a scratch copy.

    ``progress`` hears about each randomisation step (most of the time goes there)."""
    model.reset_weights()
    result = explain(model, x, method, target=target, layer=layer, params=params)
    target, layer = result.target, result.layer

    def scaled(fraction: float, message: str) -> None:
        if progress is not None:
            progress(0.9 * fraction, message)

    randomisation = cascading_randomisation(
        model, x, method, target=target, layer=layer, params=params, seed=seed,
        progress=scaled, original=result.map,
    )  # fmt: skip
    if progress is not None:
        progress(0.9, "Deletion and insertion curves")
    faithfulness = deletion_insertion(model, x, result.map, target=target, steps=steps)
    baseline = random_baseline(model, x, target=target, steps=steps, seed=seed)
    return TrustReport(
        method=method,
        target=target,
        layer=layer,
        params=result.info["params"],
        map=result.map,
        randomisation=randomisation,
        faithfulness=faithfulness,
        random_baseline=baseline,
        extra={"score": result.score, "probability": result.probability},
    )
