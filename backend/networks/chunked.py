"""Model files uploaded in chunks: streamed to a private staging file, never held in memory.

The protocol (README "Registering a large model from the browser"):

1. ``POST /api/uploads/model-chunks/`` ``{"filename", "size"}`` opens an upload → its ``id``.
2. ``PUT /api/uploads/model-chunks/{id}/`` with ``Content-Range: bytes START-END/SIZE`` and the
   raw bytes as the body: START must be the bytes received so far (else 409, with ``offset``).
3. ``GET /api/uploads/model-chunks/{id}/`` answers ``offset``: after a dropped connection the
   client resumes from there.
4. ``POST /api/networks/`` with ``upload={id}`` instead of ``file`` registers the completed file.

Each chunk is read from the request stream in small pieces and written straight to the file
(Django's DATA_UPLOAD_MAX_MEMORY_SIZE never applies: ``request.body`` is never read).
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from backend.networks.models import ModelUpload
from backend.networks.registration import ALLOWED_SUFFIXES, model_too_large

READ_BYTES = 1024 * 1024  # what is held in memory at a time
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class UploadProblem(ValueError):
    """A refused request: ``status`` is the HTTP status, the message says why."""

    def __init__(self, message: str, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


def uploads_root() -> Path:
    """Private folder of the chunked uploads in progress (never served)."""
    return Path(settings.MEDIA_ROOT) / "staging" / "model-chunks"


def upload_path(upload: ModelUpload) -> Path:
    return uploads_root() / upload.id.hex / f"model{Path(upload.filename).suffix.lower()}"


def chunk_limit() -> int:
    return int(getattr(settings, "CONVSCOPE_UPLOAD_CHUNK_MAX_BYTES", 16 * 2**20))


def remove_stale_uploads(now=None) -> int:
    """Delete uploads untouched for longer than the age limit (their files too); how many."""
    max_age = int(getattr(settings, "CONVSCOPE_UPLOAD_MAX_AGE_SECONDS", 24 * 3600))
    cutoff = (now or timezone.now()) - timedelta(seconds=max_age)
    stale = list(ModelUpload.objects.filter(updated_at__lt=cutoff))
    for upload in stale:
        discard_upload(upload)
    # Folders no row refers to (a registration that failed between claiming and moving).
    known = {key.hex for key in ModelUpload.objects.values_list("id", flat=True)}
    root = uploads_root()
    for folder in root.iterdir() if root.is_dir() else ():
        too_old = folder.stat().st_mtime < cutoff.timestamp()
        if folder.name not in known and too_old:
            shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


def discard_upload(upload: ModelUpload) -> None:
    shutil.rmtree(upload_path(upload).parent, ignore_errors=True)
    ModelUpload.objects.filter(pk=upload.pk).delete()


def open_upload(owner, filename: str, size: int) -> ModelUpload:
    """Start an upload of ``size`` bytes (checked against the model-size limit)."""
    remove_stale_uploads()
    name = Path(str(filename or "")).name
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise UploadProblem("Upload a Keras model file: .keras (or a legacy .h5 file).")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise UploadProblem("Give the file's size in bytes (a positive whole number).")
    refusal = model_too_large(size)
    if refusal:
        raise UploadProblem(refusal, status=413)
    allowed = int(getattr(settings, "CONVSCOPE_UPLOADS_PER_USER", 3))
    if ModelUpload.objects.filter(owner=owner).count() >= allowed:
        raise UploadProblem(
            f"You already have {allowed} unfinished uploads; finish or cancel one first.",
            status=429,
        )
    upload = ModelUpload.objects.create(owner=owner, filename=name[:255], size=size)
    path = upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return upload


def parse_content_range(header: str | None, upload: ModelUpload) -> tuple[int, int]:
    """(start, length) from ``bytes START-END/SIZE``; UploadProblem when it does not fit."""
    match = _RANGE.match((header or "").strip())
    if not match:
        raise UploadProblem("Send each chunk with a Content-Range: bytes START-END/SIZE header.")
    start, end, total = (int(group) for group in match.groups())
    if total != upload.size:
        raise UploadProblem(f"This upload is {upload.size} bytes, not {total}.")
    if end < start or end >= total:
        raise UploadProblem("The Content-Range does not describe bytes of this file.")
    length = end - start + 1
    if length > chunk_limit():
        raise UploadProblem(f"Send chunks of at most {chunk_limit() // 1048576} MB.", status=413)
    return start, length


def write_chunk(upload: ModelUpload, start: int, length: int, stream) -> ModelUpload:
    """Append ``length`` bytes read from ``stream`` at ``start`` (which must be the offset
    received so far); the updated upload. A chunk cut short (a dropped connection) is
    discarded: the offset stays where it was, and the client resends from there."""
    path = upload_path(upload)
    if not path.is_file():
        raise UploadProblem("This upload is no longer available.", status=404)
    with path.open("r+b") as handle:
        try:  # one writer per upload: a second PUT at once would interleave bytes
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadProblem(
                "Another chunk of this upload is being written.", status=409
            ) from None
        upload.refresh_from_db()
        if start != upload.received:
            raise UploadProblem(
                f"Expected the chunk starting at byte {upload.received}, not {start}.",
                status=409,
                offset=upload.received,
            )
        handle.seek(start)
        handle.truncate(start)  # drop any tail of an earlier, broken chunk
        written = 0
        while written < length:
            piece = stream.read(min(READ_BYTES, length - written))
            if not piece:
                break
            handle.write(piece)
            written += len(piece)
        extra = stream.read(1)
        if written != length or extra:
            handle.truncate(start)
            raise UploadProblem(
                f"The chunk had {written + len(extra)} bytes, not the {length} its "
                "Content-Range announced; send it again.",
                offset=upload.received,
            )
        handle.flush()
    ModelUpload.objects.filter(pk=upload.pk).update(
        received=start + length, updated_at=timezone.now()
    )
    upload.refresh_from_db()
    return upload


def take_completed(owner, upload_id) -> Path:
    """Claim a completed upload for a registration: its file, moved out of the uploads folder
    (the row is deleted, so an upload registers once). UploadProblem when not ready."""
    upload = find_upload(owner, upload_id)
    if not upload.complete:
        raise UploadProblem(
            f"The upload is not complete: {upload.received:,} of {upload.size:,} bytes received."
        )
    if ModelUpload.objects.filter(pk=upload.pk, received=upload.size).delete()[0] == 0:
        raise UploadProblem("This upload is no longer available.", status=404)
    return upload_path(upload)


def find_upload(owner, upload_id) -> ModelUpload:
    """The owner's upload of that id; UploadProblem 404 for anyone else's or a bad id."""
    with contextlib.suppress(ValueError, TypeError):
        import uuid

        key = uuid.UUID(str(upload_id))
        upload = ModelUpload.objects.filter(pk=key, owner=owner).first()
        if upload is not None:
            return upload
    raise UploadProblem("There is no such upload.", status=404)
