"""Turning an uploaded zip of class folders into a dataset: checked, decoded, resized, split.

Django-free (NumPy, Pillow and the standard library). The archive is checked as a whole
before anything is read (:mod:`worker.inputs.zip_safety`: unsafe names, symbolic links,
encryption, the member count, compression ratios and the total declared size). Members
are then read one at a time, never more than their declared size, and decoded with the
project's safe decoder (:func:`worker.inputs.images.decode_image`).

Layouts accepted (one wrapping folder, e.g. ``mydata/``, is ignored)::

    cats/1.png  cats/2.jpg  dogs/1.png ...              split here (stratified, seeded)
    train/cats/1.png ... test/cats/9.png ...            split as given
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np
from PIL import Image

from worker.inputs.images import MAX_BYTES as MAX_IMAGE_BYTES
from worker.inputs.images import ImageRejected, decode_image
from worker.inputs.zip_safety import UnsafeZip, ZipLimits, ZipProblem, check_zip

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".dcm"}
)
SPLIT_SEED = 0
MAX_SIDE = 512
MIN_PER_CLASS = 2


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 100_000
    max_total_bytes: int = 2 * 1024**3  # declared, uncompressed
    max_member_bytes: int = MAX_IMAGE_BYTES
    # A member larger than ratio_min_bytes compressing better than this is a zip bomb.
    # Images are already compressed (about 1:1 in a zip); even flat PNG-in-zip stays far below.
    max_ratio: int = 100
    ratio_min_bytes: int = 1024 * 1024
    max_array_bytes: int = 1024**3  # the decoded, resized dataset

    def zip_limits(self) -> ZipLimits:
        return ZipLimits(
            max_entries=self.max_members,
            max_total_bytes=self.max_total_bytes,
            max_ratio=self.max_ratio,
            ratio_min_bytes=self.ratio_min_bytes,
        )


class DatasetRejected(ValueError):
    """The archive is refused; ``check`` names the failed check, ``files`` the files at fault."""

    def __init__(self, message: str, check: str, files: list[str] | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.files = list(files or [])


@dataclass
class Member:
    info: zipfile.ZipInfo
    name: str
    class_name: str
    split: str | None  # "train" / "test" when the archive gives the split


@dataclass
class BuiltDataset:
    classes: list[str]
    image_shape: tuple[int, int, int]
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    split_given: bool
    ignored: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


Report = Callable[[str, str, str], None]


def _no_report(name: str, status: str, detail: str = "") -> None:
    """Report nothing."""


def _files(count: int) -> str:
    return f"{count:,} file{'s' if count != 1 else ''}"


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.0f} MB"


def _refusal(problem: UnsafeZip, limits: ArchiveLimits) -> DatasetRejected:
    """The dataset's words for an unsafe archive."""
    info = problem.entry
    name = info.filename if info is not None else ""
    kind = problem.problem
    if kind is ZipProblem.TOO_MANY_ENTRIES:
        message = (
            f"The zip has {problem.entries:,} entries; at most {limits.max_members:,} are allowed."
        )
        return DatasetRejected(message, "archive")
    if kind is ZipProblem.TOO_LARGE:
        message = f"The zip unpacks to more than {_megabytes(limits.max_total_bytes)}, the limit."
        return DatasetRejected(message, "archive")
    if kind is ZipProblem.UNSAFE_NAME:
        message = f"The zip has an unsafe entry name {name!r} (it points outside the archive)."
    elif kind is ZipProblem.SYMLINK:
        message = f"The zip entry {name!r} is a symbolic link; links are not allowed."
    elif kind is ZipProblem.ENCRYPTED:
        message = f"The zip entry {name!r} is encrypted."
    else:  # ZipProblem.BOMB
        message = (
            f"The zip entry {name!r} unpacks to {_megabytes(info.file_size)} from "
            f"{max(1, info.compress_size // 1024)} KB, which is how zip bombs look; "
            "ConvScope refuses it."
        )
    return DatasetRejected(message, "archive", [name])


def check_archive(zf: zipfile.ZipFile, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """Refuse an unsafe or oversized archive from its directory alone (nothing is extracted)."""
    try:
        return check_zip(zf, limits.zip_limits())
    except UnsafeZip as problem:
        raise _refusal(problem, limits) from None


def _ignored(parts: list[str]) -> bool:
    return parts[0] == "__MACOSX" or any(part.startswith(".") for part in parts)


def find_members(infos: list[zipfile.ZipInfo]) -> tuple[list[Member], list[str]]:
    """Image files by class (and split, when given); the names of files that were ignored."""
    ignored: list[str] = []
    files: list[tuple[zipfile.ZipInfo, list[str]]] = []
    for info in infos:
        if info.is_dir():
            continue
        parts = [part for part in info.filename.split("/") if part]
        if not parts or _ignored(parts):
            continue  # macOS resource forks, .DS_Store and other hidden files
        files.append((info, parts))
    if not files:
        raise DatasetRejected("The zip holds no files.", "layout")
    # One folder wrapping everything (zipping a folder does that): look inside it.
    tops = {parts[0] for _, parts in files}
    if (
        len(tops) == 1
        and all(len(parts) >= 2 for _, parts in files)
        and any(len(parts) >= 3 for _, parts in files)
    ):
        top = next(iter(tops))
        if top.lower() not in ("train", "test"):
            files = [(info, parts[1:]) for info, parts in files]
    split_layout = any(parts[0].lower() in ("train", "test") for _, parts in files)
    members: list[Member] = []
    for info, parts in files:
        suffix = PurePosixPath(parts[-1]).suffix.lower()
        depth = 3 if split_layout else 2
        if split_layout and parts[0].lower() not in ("train", "test"):
            raise DatasetRejected(
                f"'{info.filename}' is outside train/ and test/. Put every class folder either "
                "at the top of the zip or inside train/ and test/, not both.",
                "layout",
                [info.filename],
            )
        if len(parts) < depth or suffix not in IMAGE_SUFFIXES:
            ignored.append(info.filename)
            continue
        members.append(
            Member(
                info=info,
                name=info.filename,
                class_name=parts[1] if split_layout else parts[0],
                split=parts[0].lower() if split_layout else None,
            )
        )
    return members, ignored


def _check_counts(members: list[Member], where: str) -> list[str]:
    counts = Counter(member.class_name for member in members)
    classes = sorted(counts)
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if classes else "no class folders with images"
        raise DatasetRejected(
            f"A dataset needs at least two classes (one folder of images each); the zip has "
            f"{found}{where}.",
            "layout",
        )
    few = [name for name in classes if counts[name] < MIN_PER_CLASS]
    if few:
        raise DatasetRejected(
            f"Every class needs at least {MIN_PER_CLASS} images; "
            + ", ".join(f"{name!r} has {counts[name]}" for name in few)
            + f"{where}.",
            "layout",
        )
    return classes


def _read(zf: zipfile.ZipFile, member: Member, limits: ArchiveLimits) -> bytes:
    if member.info.file_size > limits.max_member_bytes:
        raise ImageRejected(
            f"the file is {_megabytes(member.info.file_size)}; the limit is "
            f"{_megabytes(limits.max_member_bytes)}"
        )
    with zf.open(member.info) as handle:  # never more than the declared size (zipfile checks)
        data = handle.read(limits.max_member_bytes + 1)
    if len(data) > limits.max_member_bytes:
        raise ImageRejected("the file is larger than its zip entry says")
    return data


def _fit(pixels: np.ndarray, height: int, width: int, channels: int) -> np.ndarray:
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    image = image.convert("L" if channels == 1 else "RGB")
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    array = np.asarray(image, dtype=np.uint8)
    return array[:, :, np.newaxis] if array.ndim == 2 else array


def stratified_split(labels: np.ndarray, fraction: float, seed: int = SPLIT_SEED) -> np.ndarray:
    """A boolean mask of test images: per class round(n × fraction), at least one image in
    each split, chosen with a fixed seed."""
    rng = np.random.default_rng(seed)
    is_test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        indices = np.flatnonzero(labels == label)
        count = int(min(max(round(len(indices) * fraction), 1), len(indices) - 1))
        is_test[rng.permutation(indices)[:count]] = True
    return is_test


def build_dataset(
    zf: zipfile.ZipFile,
    *,
    test_fraction: float = 0.2,
    image_size: tuple[int, int] | None = None,
    channels: int | None = None,
    limits: ArchiveLimits | None = None,
    report: Report | None = None,
) -> BuiltDataset:
    """Check and read a zip of class folders into train and test arrays.

    ``report(check, status, detail)`` hears about the checks ``archive``, ``layout``,
    ``images``, ``size`` and ``split`` as they run and pass.

    Raises:
        DatasetRejected: naming the failed check and, for unreadable images, every file.
    """
    limits = limits or ArchiveLimits()
    report = report or _no_report

    report("archive", "running", "Checking the zip's entries, sizes and compression…")
    infos = check_archive(zf, limits)
    report(
        "archive",
        "passed",
        f"{len(infos):,} entries; no unsafe paths, links or zip-bomb members.",
    )

    report("layout", "running", "Looking for class folders…")
    members, ignored = find_members(infos)
    split_given = any(member.split for member in members)
    classes = _check_counts(members, "")
    if split_given:
        for split in ("train", "test"):
            present = {m.class_name for m in members if m.split == split}
            missing = [name for name in classes if name not in present]
            if missing:
                raise DatasetRejected(
                    f"The {split}/ folder has no images of {', '.join(map(repr, missing))}.",
                    "layout",
                )
    layout = "train/ and test/ folders" if split_given else "class folders"
    report(
        "layout",
        "passed",
        f"{len(classes)} classes in {layout}, {len(members):,} image files"
        + (f"; {_files(len(ignored))} that are not images ignored." if ignored else "."),
    )

    report("images", "running", f"Reading {len(members):,} images…")
    unreadable: list[str] = []
    sizes: Counter = Counter()
    colour = False
    for done, member in enumerate(members, 1):
        try:
            decoded = decode_image(_read(zf, member, limits))
        except ImageRejected as exc:
            unreadable.append(f"{member.name}: {str(exc).rstrip('.')}")
            continue
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            unreadable.append(f"{member.name}: the zip entry is damaged")
            continue
        sizes[(decoded.height, decoded.width)] += 1
        colour = colour or decoded.pixels.shape[2] == 3
        if done % 50 == 0:
            report("images", "running", f"Read {done:,} of {len(members):,} images…")
    if unreadable:
        count = len(unreadable)
        listed = "; ".join(unreadable[:10]) + (f"; and {count - 10} more" if count > 10 else "")
        raise DatasetRejected(
            f"{_files(count)} could not be read as {'images' if count != 1 else 'an image'}: "
            f"{listed}. Remove or replace {'them' if count != 1 else 'it'} and upload the zip "
            "again.",
            "images",
            unreadable,
        )
    report("images", "passed", f"All {len(members):,} images decoded.")

    report("size", "running", "Choosing one image size…")
    if image_size is None:
        (height, width), _ = sizes.most_common(1)[0]
        how = "the most common size"
    else:
        height, width = image_size
        how = "the size you chose"
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        raise DatasetRejected(
            f"Images would be stored at {height}×{width}; each side must be at most "
            f"{MAX_SIDE}. Choose a smaller image size.",
            "size",
        )
    channels = channels or (3 if colour else 1)
    array_bytes = len(members) * height * width * channels
    if array_bytes > limits.max_array_bytes:
        raise DatasetRejected(
            f"{len(members):,} images of {height}×{width}×{channels} need "
            f"{_megabytes(array_bytes)}; the limit is {_megabytes(limits.max_array_bytes)}. "
            "Choose a smaller image size.",
            "size",
        )
    images = np.empty((len(members), height, width, channels), dtype=np.uint8)
    labels = np.empty(len(members), dtype=np.int64)
    index = {name: i for i, name in enumerate(classes)}
    for i, member in enumerate(members):
        pixels = decode_image(_read(zf, member, limits)).pixels
        images[i] = _fit(pixels, height, width, channels)
        labels[i] = index[member.class_name]
    resized = sum(count for size, count in sizes.items() if size != (height, width))
    report(
        "size",
        "passed",
        f"{height}×{width}, {'RGB' if channels == 3 else 'greyscale'} ({how}); "
        f"{resized:,} images resized.",
    )

    report("split", "running", "Splitting into train and test…")
    if split_given:
        is_test = np.array([member.split == "test" for member in members])
        how = "as given by the train/ and test/ folders"
    else:
        is_test = stratified_split(labels, test_fraction)
        how = f"{test_fraction:.0%} of each class held out for testing (seed {SPLIT_SEED})"
    train = (images[~is_test], labels[~is_test])
    test = (images[is_test], labels[is_test])
    report("split", "passed", f"{len(train[1]):,} train and {len(test[1]):,} test images, {how}.")
    return BuiltDataset(
        classes=classes,
        image_shape=(height, width, channels),
        train=train,
        test=test,
        split_given=split_given,
        ignored=ignored,
        counts={name: int((labels == i).sum()) for i, name in enumerate(classes)},
    )
