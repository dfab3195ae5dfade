"""Photos: real colour pictures, with permissive licences, that users can open at once.

The pictures are scikit-image's sample data (each one's licence, as scikit-image's
``skimage.data`` documentation states it, is recorded below). The dataset layer holds one
image size per dataset, so every photo is centre-cropped to a square and resized
(Pillow bilinear) to 224 × 224, the input size of the ImageNet networks it goes with.

Labels are ImageNet-1k class indices, in the order of the zoo's ImageNet network
(``efficientnet-lite0``, whose built manifest holds the 1,000 class names), plus one last
class, ``NO_CLASS``, for photos that show none of the 1,000 classes (the astronaut, the
galaxies, the retina, the stained tissue). Without that manifest (the zoo not built yet) the
set is not available.

Left out: the stereo motorcycle (the Middlebury 2014 benchmark states no licence in
scikit-image's documentation), the colour wheel and logo (not photos, no licence stated).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datasets.base import Dataset

SIZE = 224
NO_CLASS = "no ImageNet class"
ZOO_MANIFEST = (
    Path(__file__).resolve().parents[1] / "model_zoo" / "efficientnet_lite0" / "manifest.json"
)


@dataclass(frozen=True)
class Photo:
    key: str  # the skimage.data function
    title: str
    licence: str
    credit: str
    imagenet_wnid: str | None  # the ImageNet class it shows, None when there is none

    def imagenet_class_name(self, labels: list[str], wnids: list[str] | None = None) -> str:
        """The expected class's name among ``labels`` (ImageNet order), or NO_CLASS."""
        if self.imagenet_wnid is None:
            return NO_CLASS
        return labels[_sorted_index(self.imagenet_wnid, wnids)]


PHOTOS: tuple[Photo, ...] = (
    Photo("chelsea", "Chelsea the cat", "CC0", "Stefan van der Walt", "n02123045"),
    Photo("coffee", "Coffee cup", "CC0", "Rachel Michetti, Pikolo Espresso Bar", "n07920052"),
    Photo("rocket", "Falcon 9 launch (DSCOVR)", "public domain", "SpaceX", "n03773504"),
    Photo("astronaut", "Astronaut Eileen Collins", "public domain", "NASA", None),
    Photo("hubble_deep_field", "Hubble eXtreme Deep Field", "public domain", "NASA", None),
    Photo("retina", "Human retina (fundus photograph)", "CC0 1.0", "Mikael Häggström", None),
    Photo(
        "immunohistochemistry",
        "Colonic glands, IHC stain",
        "no known copyright restrictions",
        "Center for Microscopy And Molecular Imaging (CMMI)",
        None,
    ),
)


def _zoo_classes() -> list[dict] | None:
    try:
        return json.loads(ZOO_MANIFEST.read_text(encoding="utf-8"))["classes"]
    except (OSError, ValueError, KeyError):
        return None


def _sorted_index(wnid: str, wnids: list[str] | None) -> int:
    if wnids is None:
        classes = _zoo_classes()
        if classes is None:
            raise LookupError("the ImageNet class table is not built (build the model zoo)")
        wnids = [item["wnid"] for item in classes]
    return wnids.index(wnid)


def photo_pixels(photo: Photo, size: int = SIZE) -> np.ndarray:
    """The photo as uint8 size × size × 3: centre-cropped to a square, bilinear resize."""
    import skimage.data
    from PIL import Image

    pixels = np.asarray(getattr(skimage.data, photo.key)())[..., :3].astype(np.uint8)
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = Image.fromarray(pixels[top : top + side, left : left + side])
    return np.asarray(square.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


class Photos(Dataset):
    """The photos above as one test split (the train split is empty)."""

    name = "photos"

    @property
    def _manifest(self) -> dict:  # type: ignore[override]
        classes = _zoo_classes()
        names = [item["name"] for item in classes] + [NO_CLASS] if classes else [NO_CLASS]
        count = len(PHOTOS) if classes else 0
        return {
            "name": self.name,
            "title": "Photos",
            "description": "Real colour photos: a cat, a coffee, a rocket launch, an astronaut.",
            "classes": names,
            "image_shape": [SIZE, SIZE, 3],
            "splits": {"train": 0, "test": count},
            "source": "scikit-image sample data (skimage.data), centre-cropped and resized to "
            f"{SIZE}×{SIZE}; labels are ImageNet-1k classes (see datasets/photos.py)",
            "licence": "; ".join(f"{photo.key}: {photo.licence}" for photo in PHOTOS),
            "photos": [
                {
                    "index": index,
                    "key": photo.key,
                    "title": photo.title,
                    "licence": photo.licence,
                    "credit": photo.credit,
                    "imagenet_wnid": photo.imagenet_wnid,
                }
                for index, photo in enumerate(PHOTOS)
            ],
        }

    def available(self) -> bool:
        return importlib.util.find_spec("skimage") is not None and _zoo_classes() is not None

    def _cache_key(self) -> tuple:
        try:
            return ("zoo", ZOO_MANIFEST.stat().st_mtime_ns)
        except OSError:
            return ("zoo", None)

    def photo_details(self) -> list[dict]:
        """Per photo: key, title, licence, credit and expected ImageNet WordNet id."""
        return self._manifest["photos"]

    def _load_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split == "train":  # sample pictures only: no training split
            return np.zeros((0, SIZE, SIZE, 3), np.uint8), np.zeros(0, np.int64)
        classes = _zoo_classes()
        if classes is None:  # the zoo not built yet: an empty set (its manifest says 0 photos)
            return np.zeros((0, SIZE, SIZE, 3), np.uint8), np.zeros(0, np.int64)
        wnids = [item["wnid"] for item in classes]
        images = np.stack([photo_pixels(photo) for photo in PHOTOS])
        labels = np.array(
            [
                _sorted_index(photo.imagenet_wnid, wnids) if photo.imagenet_wnid else len(wnids)
                for photo in PHOTOS
            ],
            dtype=np.int64,
        )
        return images, labels

    def sample_indices(self, per_class: int = 2) -> list[int]:
        """Every photo, in order (most classes have none)."""
        return list(range(len(self.load("test")[1])))
