"""The rule that turns a trust check's numbers into its verdict: one place, plain Python.

Every verdict shown anywhere (the API's trust-check summary, the Explain page's cards and
ranking table, the CLI) is one of these functions' answers; the page only displays them.
Plain Python on purpose: the web process imports this module (cache keys, costs) and must
never load TensorFlow or NumPy-heavy code for it.

Verdicts: ``"pass"``, ``"fail"`` or ``"unchecked"`` ("could not be checked"): a check whose
numbers do not exist (an empty or constant map, a scrambled map without a ranking, a NaN,
no curve at all) is never a pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PASS, FAIL, UNCHECKED = "pass", "fail", "unchecked"
VERDICTS = (PASS, FAIL, UNCHECKED)

# Randomisation (Adebayo et al. 2018). The map's rank similarity to the original (absolute
# Spearman correlation of |map|) must be below this once the top layers are scrambled...
RANDOMISATION_MAX_SIMILARITY = 0.5
# ...where "the top layers" are this fraction of the weighted layers, counted from the output
# (rounded up): a map that still looks the same after the layers that decide the class are
# gone does not depend on them. It must also stay below as the lower layers are scrambled.
RANDOMISATION_TOP_FRACTION = 0.5

# Deletion / insertion (Petsiuk et al. 2018): the map's deletion area must be lower than that
# of every one of RANDOM_MAPS random pixel orderings by at least this margin (probability x
# fraction of pixels), or its insertion area higher than every one of them by it. Measured on
# the zoo Tiny VGG: one random map's areas vary by 0.1-0.3 from seed to seed on one image, so
# beating a single random map (or their mean) by a small margin is chance, not evidence.
FAITHFULNESS_MARGIN = 0.05
RANDOM_MAPS = 8
# Points on each deletion / insertion curve after the first (the job's cost counts them too).
CURVE_STEPS = 56

# Raise when a rule or its numbers change: part of the trust checks' cache key, so stored
# reports judged by an older rule are computed again.
RULES_VERSION = 2


@dataclass(frozen=True)
class Verdict:
    verdict: str  # PASS, FAIL or UNCHECKED
    rule: str  # the rule with its numbers, for people
    reason: str  # why this verdict, with this map's numbers

    @property
    def passes(self) -> bool | None:
        """The older boolean form: None when the check could not be made."""
        return None if self.verdict == UNCHECKED else self.verdict == PASS

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "rule": self.rule, "reason": self.reason}


def _finite(value: float | None) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def judged_step(layers: int) -> int:
    """How many layers (from the output) are scrambled when randomisation is judged: the top
    RANDOMISATION_TOP_FRACTION of them, rounded up, at least one."""
    return max(1, math.ceil(layers * RANDOMISATION_TOP_FRACTION)) if layers else 0


def randomisation_rule(layers: int) -> str:
    step = judged_step(layers)
    top = f"the top {step} of {layers} weighted layers" if layers else "the top layers"
    return (
        f"Passes when the map's similarity to the original (rank correlation) is below "
        f"{_fmt(RANDOMISATION_MAX_SIMILARITY)} once {top} are scrambled, and stays below as "
        "the rest are scrambled."
    )


def judge_randomisation(
    layers: Sequence[str], correlations: Sequence[float | None], original_is_flat: bool
) -> tuple[Verdict, float | None]:
    """The randomisation verdict and the similarity it was judged on (the largest |rho| from
    the judged step to the end), from the correlations after each cascading step."""
    rule = randomisation_rule(len(layers))
    if original_is_flat:
        reason = "The map is empty (the same value everywhere) for this image: there is no "
        reason += "ranking of pixels to compare."
        return Verdict(UNCHECKED, rule, reason), None
    if not layers:
        reason = "The model has no weighted layer to scramble: there is no curve to judge."
        return Verdict(UNCHECKED, rule, reason), None
    if len(correlations) != len(layers):
        reason = "The randomisation curve is incomplete: not every scrambling step has a number."
        return Verdict(UNCHECKED, rule, reason), None
    step = judged_step(len(layers))
    judged = list(correlations[step - 1 :])
    for offset, value in enumerate(judged):
        if not _finite(value):
            name = layers[step - 1 + offset]
            reason = (
                f"After scrambling down to {name} the map is empty (or not a number), so its "
                "similarity to the original cannot be measured."
            )
            return Verdict(UNCHECKED, rule, reason), None
    similarity = max(abs(float(v)) for v in judged)
    where = layers[step - 1]
    threshold = _fmt(RANDOMISATION_MAX_SIMILARITY)
    if similarity < RANDOMISATION_MAX_SIMILARITY:
        reason = (
            f"From {where} on, its similarity to the original is at most {_fmt(similarity)} "
            f"(below {threshold}): the map changes when the model is scrambled."
        )
        return Verdict(PASS, rule, reason), similarity
    reason = (
        f"After scrambling down to {where} and beyond, its similarity to the original reaches "
        f"{_fmt(similarity)} (not below {threshold}): the map barely depends on what the "
        "model learned."
    )
    return Verdict(FAIL, rule, reason), similarity


def faithfulness_rule() -> str:
    return (
        f"Passes when its deletion area is at least {_fmt(FAITHFULNESS_MARGIN)} lower than "
        f"that of each of {RANDOM_MAPS} random maps, or its insertion area at least "
        f"{_fmt(FAITHFULNESS_MARGIN)} higher than each of theirs."
    )


def judge_faithfulness(
    deletion: float | None,
    insertion: float | None,
    random_deletions: Sequence[float | None],
    random_insertions: Sequence[float | None],
    map_is_flat: bool,
) -> Verdict:
    """The faithfulness verdict from the map's deletion / insertion areas and those of the
    random maps."""
    rule = faithfulness_rule()
    if map_is_flat:
        reason = "The map is empty (the same value everywhere): it gives no order of pixels "
        reason += "to remove or add back."
        return Verdict(UNCHECKED, rule, reason)
    numbers = [deletion, insertion, *random_deletions, *random_insertions]
    if not random_deletions or not random_insertions or not all(map(_finite, numbers)):
        reason = "A deletion or insertion area could not be computed (not a number)."
        return Verdict(UNCHECKED, rule, reason)
    best_random_deletion = min(float(v) for v in random_deletions)
    best_random_insertion = max(float(v) for v in random_insertions)
    deletes_faster = deletion <= best_random_deletion - FAITHFULNESS_MARGIN
    inserts_faster = insertion >= best_random_insertion + FAITHFULNESS_MARGIN
    numbers_text = (
        f"deletion area {_fmt(deletion)} against the random maps' lowest "
        f"{_fmt(best_random_deletion)}, insertion area {_fmt(insertion)} against their "
        f"highest {_fmt(best_random_insertion)}"
    )
    if deletes_faster or inserts_faster:
        return Verdict(PASS, rule, f"Its ranking of pixels beats chance: {numbers_text}.")
    return Verdict(
        FAIL, rule, f"Its ranking of pixels is no better than a random one: {numbers_text}."
    )
