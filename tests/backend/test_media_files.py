"""core.media.write_file: the one way a new stored file is written (uploads use it)."""

import pytest
from django.core.exceptions import SuspiciousFileOperation

from backend.core import media


def test_write_file_stores_whole_files_and_leaves_no_temporary_behind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = media.write_file("uploads/7/a.png", b"first")
    assert path == tmp_path / "uploads" / "7" / "a.png" and path.read_bytes() == b"first"
    media.write_file("uploads/7/a.png", b"second")  # replaced whole
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.png"]


def test_write_file_refuses_paths_outside_the_media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(SuspiciousFileOperation):
        media.write_file("../outside.png", b"x")
    assert not (tmp_path / "outside.png").exists()
