"""Serving stored files to their authorised owner: never through a public media URL."""

from pathlib import Path

from django.http import FileResponse, Http404


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
