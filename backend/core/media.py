"""Stored files: MEDIA_ROOT on this machine, and an S3-compatible object store when configured.

Every stored file (uploads, results, registered networks and datasets, staged uploads) is
named by a path relative to MEDIA_ROOT. Without STORAGE_URL, MEDIA_ROOT is the only copy and
every function here is a cheap pass-through. With STORAGE_URL, the object store is the shared
truth and MEDIA_ROOT is this machine's working copy: a job writes its files locally, then
``publish``es them; a reader asks ``local_path``/``local_dir``, which fetch what is missing.
Stored files are never changed in place (new results get new folders), so a local copy that
exists is up to date.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import uuid
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

STORAGE_ALIAS = "media"  # settings.STORAGES key of the object store, present only when set up

# Query parameters of STORAGE_URL and the S3Storage options they set.
_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "region_name": "region_name",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
}


def parse_storage_url(url: str) -> dict:
    """``s3://bucket/prefix?endpoint_url=…&region=…`` as a settings.STORAGES entry.

    Credentials are not part of the URL: boto3 reads AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY (or an instance role) itself, so they stay out of logs.
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(f"STORAGE_URL must look like s3://bucket/prefix, not {url!r}.")
    options = {
        "bucket_name": parts.hostname,
        "location": parts.path.strip("/"),
        "file_overwrite": True,  # names are chosen by the application, never by users
        "querystring_auth": False,  # files are never handed out by URL, only served by views
        "default_acl": None,
    }
    for key, value in parse_qsl(parts.query):
        if key not in _URL_OPTIONS:
            known = ", ".join(sorted(_URL_OPTIONS))
            raise ImproperlyConfigured(f"STORAGE_URL: unknown option {key!r} (known: {known}).")
        options[_URL_OPTIONS[key]] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def enabled() -> bool:
    """Whether an object store is configured (else MEDIA_ROOT is the only copy)."""
    return STORAGE_ALIAS in settings.STORAGES


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def clean(relative: str | os.PathLike) -> str:
    """``relative`` as a normalised POSIX path inside MEDIA_ROOT; refuses absolute paths,
    ``..`` and empty names (SuspiciousFileOperation, which Django answers with 400)."""
    text = os.fspath(relative).replace("\\", "/")
    path = PurePosixPath(text)
    if not text or path.is_absolute() or ".." in path.parts or text.startswith("~"):
        raise SuspiciousFileOperation(f"Not a path inside the media folder: {text!r}")
    name = posixpath.normpath(text)
    if name in ("", "."):
        raise SuspiciousFileOperation(f"Not a path inside the media folder: {text!r}")
    return name


def relative_name(path: Path) -> str:
    """The name of a local file or folder under MEDIA_ROOT."""
    return clean(Path(path).resolve().relative_to(media_root().resolve()).as_posix())


def local_path(relative: str | os.PathLike) -> Path:
    """The local copy of the stored file ``relative``, fetched from the object store when this
    machine has none. The path is returned even when the file exists nowhere, so callers keep
    their own ``is_file()`` / FileNotFoundError handling."""
    name = clean(relative)
    path = media_root() / name
    if enabled() and not path.is_file():
        _download(name, path)
    return path


def local_dir(relative: str | os.PathLike) -> Path:
    """The local copy of the stored folder ``relative``: every file under it that this machine
    lacks is fetched first."""
    name = clean(relative)
    folder = media_root() / name
    if enabled():
        for file_name in _remote_names(name):
            path = media_root() / file_name
            if not path.is_file():
                _download(file_name, path)
    return folder


def exists(relative: str | os.PathLike) -> bool:
    """Whether the stored file or folder ``relative`` exists here or in the object store."""
    name = clean(relative)
    path = media_root() / name
    if path.exists():
        return True
    return enabled() and bool(_remote_names(name, limit=1))


def folder_files(relative: str | os.PathLike) -> dict[str, int]:
    """The files stored under the folder ``relative`` (names relative to it) and their sizes:
    in the object store when there is one (the shared truth), else on this machine."""
    name = clean(relative)
    if enabled():
        prefix = _key(name) + "/"
        return {
            summary.key[len(prefix) :]: summary.size
            for summary in _bucket().objects.filter(Prefix=prefix)
        }
    folder = media_root() / name
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()
    }


def folder_bytes(relative: str | os.PathLike) -> int:
    """The bytes stored under the folder ``relative`` (0 when it does not exist)."""
    return sum(folder_files(relative).values())


def write_file(relative: str | os.PathLike, data: bytes) -> Path:
    """Store ``data`` as the file ``relative``: written whole (a temporary file, fsync, rename),
    so a reader never sees half a file, then published. The one way to store a new file."""
    path = media_root() / clean(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    publish(relative)
    return path


def publish(relative: str | os.PathLike) -> None:
    """Copy the local file, or every file of the local folder, ``relative`` to the object store
    (a no-op without one). Called once a job or service has finished writing them."""
    if not enabled():
        return
    name = clean(relative)
    path = media_root() / name
    if path.is_file():
        files = {name: path}
    else:
        files = {f"{name}/{p.relative_to(path).as_posix()}": p for p in sorted(path.rglob("*"))}
    bucket = _bucket()
    for file_name, file in files.items():
        if file.is_file():
            bucket.upload_file(str(file), _key(file_name))


def remove(relative: str | os.PathLike) -> None:
    """Delete the stored file or folder ``relative`` here and in the object store."""
    import shutil

    name = clean(relative)
    path = media_root() / name
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    if enabled():
        bucket = _bucket()
        bucket.Object(_key(name)).delete()
        bucket.objects.filter(Prefix=_key(name) + "/").delete()


# --- the object store, through django-storages' S3Storage (its settings and connection) ------


def _storage():
    from django.core.files.storage import storages

    return storages[STORAGE_ALIAS]


def _bucket():
    return _storage().bucket


def _key(name: str) -> str:
    location = _storage().location.strip("/")
    return f"{location}/{name}" if location else name


def _remote_names(name: str, limit: int | None = None) -> list[str]:
    """Names of the stored files at ``name`` (a file) or under it (a folder); at most
    ``limit`` of the folder's."""
    location = _storage().location.strip("/")
    skip = len(location) + 1 if location else 0
    key = _key(name)
    names = [name] if _object_exists(key) else []
    below = _bucket().objects.filter(Prefix=key + "/")
    for summary in below.limit(limit) if limit else below:
        names.append(clean(summary.key[skip:]))
    return names


def _object_exists(key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        _bucket().Object(key).load()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _download(name: str, path: Path) -> bool:
    """Fetch one object to ``path`` through a temporary file and a rename, so a reader never
    sees half a file (two processes fetching the same file both write whole copies)."""
    from botocore.exceptions import ClientError

    # The temporary file sits outside the target folder, so a missing object leaves no folder
    # behind (an empty result folder would look stored), on the same disk for the rename.
    partial = media_root() / ".fetching"
    partial.mkdir(parents=True, exist_ok=True)
    temporary = partial / f"{uuid.uuid4().hex}.part"
    try:
        _bucket().download_file(_key(name), str(temporary))
    except ClientError as exc:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary.replace(path)
    return True


class StoredFolderMixin:
    """For result rows whose files live in the stored folder ``self.directory``."""

    directory: str

    @property
    def path(self) -> Path:
        """Where the folder is (or would be) on this machine; nothing is fetched."""
        return media_root() / clean(self.directory)

    def file(self, name: str) -> Path:
        """The local copy of one of the folder's files (fetched when missing here)."""
        return local_path(f"{self.directory}/{name}")

    def local_dir(self) -> Path:
        """The local copy of the whole folder (every missing file fetched)."""
        return local_dir(self.directory)

    def is_stored(self) -> bool:
        """Whether the folder's files still exist (here or in the object store)."""
        return exists(self.directory)
