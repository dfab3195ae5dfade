"""The web process stays light: importing every view and URL must not import TensorFlow."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.test"
import django
django.setup()
from django.urls import get_resolver
import backend.config.wsgi  # noqa: F401
get_resolver().url_patterns  # imports every view module
heavy = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print(",".join(heavy) or "none")
"""


def test_web_process_never_imports_tensorflow():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"


def test_client_pages_answer_get_and_head(client, db):
    """Every client route is the single-page shell; HEAD (link checkers, proxies) works too."""
    for path in ("/", "/learn", "/explain", "/s/some-token"):
        for method in (client.get, client.head):
            response = method(path)
            assert response.status_code in (200, 503), (path, response.status_code)
            assert response["Content-Type"].startswith("text/html")
    assert client.post("/learn").status_code == 405  # the shell changes nothing
