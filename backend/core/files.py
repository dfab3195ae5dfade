"""Serving stored files to their authorised owner: never through a public media URL."""

import io
from pathlib import Path

import numpy as np
from django.http import FileResponse, Http404, HttpResponse


def private_file_response(
    path: Path, content_type: str, filename: str | None = None
) -> FileResponse:
    if not path.is_file():
        raise Http404("This file is no longer available.")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def npy_response(array: np.ndarray) -> HttpResponse:
    """An array as a NumPy .npy file (no pickles), private to the requester."""
    buffer = io.BytesIO()
    # Always row-major: astype() keeps a column-major layout, which clients do not expect.
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    response = HttpResponse(buffer.getvalue(), content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
