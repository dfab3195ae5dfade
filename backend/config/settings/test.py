"""Settings for pytest: fast hashing, a private media root and a file database."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fresh media root per test session, fixed when settings load: override layers that tests
# stack on `settings` can then never point the web thread and the worker at different folders.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="convscope-test-media-"))

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a real Celery worker process sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
