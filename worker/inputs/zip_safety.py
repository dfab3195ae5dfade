"""Checking an untrusted zip archive from its directory alone, before any member is read.

Both zips ConvScope accepts go through here: dataset archives (:mod:`worker.inputs.
dataset_archive`) and ``.keras`` model files (:mod:`worker.runtime.model_safety`). The check
refuses names that point outside the archive (``..``, absolute paths, drive letters, NUL),
symbolic links, encrypted members, too many members, members that compress suspiciously well
(zip bombs) and a total declared size over the limit. Each caller words the refusal its own
way (its users see different things), so the problem comes back as :class:`UnsafeZip` with
what the message needs, never as text.
"""

from __future__ import annotations

import enum
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass


class ZipProblem(enum.StrEnum):
    TOO_MANY_ENTRIES = "too many entries"
    UNSAFE_NAME = "unsafe name"
    SYMLINK = "symbolic link"
    ENCRYPTED = "encrypted"
    BOMB = "zip bomb"
    TOO_LARGE = "too large"


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_total_bytes: int  # declared, uncompressed, over all entries
    # An entry larger than ratio_min_bytes that compresses better than max_ratio is a zip bomb:
    # real payloads (images, random-looking weights) stay far below.
    max_ratio: int
    ratio_min_bytes: int


class UnsafeZip(ValueError):
    """The archive is refused: ``problem`` says why, ``entry`` names the member at fault (None
    for whole-archive problems), ``entries`` is the archive's member count."""

    def __init__(
        self, problem: ZipProblem, entry: zipfile.ZipInfo | None = None, entries: int = 0
    ) -> None:
        super().__init__(f"{problem}: {entry.filename if entry else 'archive'}")
        self.problem = problem
        self.entry = entry
        self.entries = entries


def points_outside(name: str) -> bool:
    """True for a member name that would be written outside the folder it is extracted to."""
    parts = re.split(r"[\\/]", name)
    return (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name) is not None
        or ".." in parts
        or "\x00" in name
    )


def is_bomb(info: zipfile.ZipInfo, limits: ZipLimits) -> bool:
    return info.file_size > limits.ratio_min_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    )


def check_zip(
    zf: zipfile.ZipFile,
    limits: ZipLimits,
    check_entry: Callable[[zipfile.ZipInfo], None] | None = None,
) -> list[zipfile.ZipInfo]:
    """Every member of ``zf``, once all have passed; :class:`UnsafeZip` on the first problem.

    ``check_entry(info)`` adds the caller's own rule (what a member may be called, say); it
    runs on each member after the safety checks of its name, link and encryption, and may
    raise whatever the caller wants. Nothing is decompressed.
    """
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeZip(ZipProblem.TOO_MANY_ENTRIES, entries=len(infos))
    total = 0
    for info in infos:
        if points_outside(info.filename):
            raise UnsafeZip(ZipProblem.UNSAFE_NAME, info, len(infos))
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeZip(ZipProblem.SYMLINK, info, len(infos))
        if info.flag_bits & 0x1:
            raise UnsafeZip(ZipProblem.ENCRYPTED, info, len(infos))
        if check_entry is not None:
            check_entry(info)
        if is_bomb(info, limits):
            raise UnsafeZip(ZipProblem.BOMB, info, len(infos))
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafeZip(ZipProblem.TOO_LARGE, info, len(infos))
    return infos
