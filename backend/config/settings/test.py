"""Settings for pytest: fast hashing, a private media root and a file database."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fresh media root per test session, fixed when settings load: override layers that tests
# stack on `settings` can then never point the web thread and the worker at different folders.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="convscope-test-media-"))

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a real Celery worker process sees the same test database; named
    # by CONVSCOPE_TEST_SQLITE so that two test passes can run side by side (make test).
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("CONVSCOPE_TEST_SQLITE", str(VAR_DIR / "test-db.sqlite3"))
    }

# Throttles must never trip ordinary tests (the throttle tests lower these with
# override_settings); counters live in this process's memory, and mail goes to the outbox.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min"),
}
CONVSCOPE_SIGNUP = "open"
# Out-of-distribution statistics fitted on fewer images of the tests' real-size networks
# (every registration fits them): the zoo's small networks still get their full subsets.
CONVSCOPE_OOD_FIT_SECONDS = 3.0
CONVSCOPE_LOGIN_FAILURE_LIMIT = 10_000
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
