"""How a network wants its input image: size, channels and normalisation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

RESIZE_MODES = ("stretch", "center-crop")
CHANNEL_ORDERS = ("rgb", "bgr")

# The three conventions of keras.applications' preprocess_input, as spec fields (RGB images in
# 0..255). "tf": x/127.5 - 1, in [-1, 1]; "torch": x/255 then ImageNet mean/std per channel;
# "caffe": RGB -> BGR, then minus the ImageNet means in BGR order, no scaling.
PRESETS: dict[str, dict[str, Any]] = {
    "tf": {"scale": 1 / 127.5, "mean": (1.0,), "std": (1.0,), "channel_order": "rgb"},
    "torch": {
        "scale": 1 / 255,
        "mean": (0.485, 0.456, 0.406),
        "std": (0.229, 0.224, 0.225),
        "channel_order": "rgb",
    },
    "caffe": {
        "scale": 1.0,
        "mean": (103.939, 116.779, 123.68),
        "std": (1.0,),
        "channel_order": "bgr",
    },
}


@dataclass(frozen=True)
class InputSpec:
    """Input contract of a network.

    Preprocessing is ``((pixels * scale) - mean) / std`` per channel after resizing to
    ``height`` x ``width``. ``mean``/``std`` hold one value (applied to all channels) or
    one per channel, in the network's channel order: ``channel_order`` "bgr" (three channels
    only) reverses RGB pixels to BGR first, as caffe-style networks expect.
    """

    height: int
    width: int
    channels: int
    scale: float = 1 / 255
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    resize: str = "stretch"
    channel_order: str = "rgb"

    def __post_init__(self) -> None:
        # Normalise lists (from JSON) to tuples so the dataclass stays hashable.
        object.__setattr__(self, "mean", tuple(float(v) for v in self.mean))
        object.__setattr__(self, "std", tuple(float(v) for v in self.std))
        for name in ("height", "width"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.channels not in (1, 3) or isinstance(self.channels, bool):
            raise ValueError(f"channels must be 1 or 3, got {self.channels!r}")
        if not math.isfinite(self.scale) or self.scale <= 0:
            raise ValueError(f"scale must be a positive number, got {self.scale!r}")
        for name in ("mean", "std"):
            values = getattr(self, name)
            if len(values) not in (1, self.channels):
                raise ValueError(f"{name} must have 1 or {self.channels} values, got {len(values)}")
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"{name} values must be finite numbers")
        if any(v <= 0 for v in self.std):
            raise ValueError("std values must be greater than zero")
        if self.resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {RESIZE_MODES}, got {self.resize!r}")
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(
                f"channel_order must be one of {CHANNEL_ORDERS}, got {self.channel_order!r}"
            )
        if self.channel_order == "bgr" and self.channels != 3:
            raise ValueError("channel_order 'bgr' needs 3 channels")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (mean/std as lists); ``channel_order`` only when not the default
        RGB, so the specs stored before it existed read the same."""
        out = {
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "scale": self.scale,
            "mean": list(self.mean),
            "std": list(self.std),
            "resize": self.resize,
        }
        if self.channel_order != "rgb":
            out["channel_order"] = self.channel_order
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InputSpec:
        """Build from a dict as produced by :meth:`to_dict`; missing optional keys default."""
        if not isinstance(d, dict):
            raise ValueError("input spec must be an object")
        known = {"height", "width", "channels", "scale", "mean", "std", "resize", "channel_order"}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown input spec keys: {sorted(unknown)}")
        try:
            kwargs: dict[str, Any] = {
                "height": d["height"],
                "width": d["width"],
                "channels": d["channels"],
            }
        except KeyError as exc:
            raise ValueError(f"input spec is missing {exc.args[0]!r}") from None
        if "scale" in d:
            kwargs["scale"] = float(d["scale"])
        for key in ("mean", "std"):
            if key in d:
                value = d[key]
                kwargs[key] = tuple(value) if isinstance(value, list | tuple) else (value,)
        for key in ("resize", "channel_order"):
            if key in d:
                kwargs[key] = d[key]
        return cls(**kwargs)
