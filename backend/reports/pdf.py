"""A report's HTML printed to PDF by Debian's Chromium (headless, no network, its own
throw-away profile), which the project already installs for its page tests and `make dev`."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 60


class PdfUnavailable(RuntimeError):
    """Chromium is missing or failed: the HTML report still stands."""


def html_to_pdf(html: str) -> bytes:
    chromium = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not chromium:
        raise PdfUnavailable(
            "Making a PDF needs Chromium (Debian's chromium package; `make dev` installs it). "
            "Download the HTML report instead."
        )
    with tempfile.TemporaryDirectory(prefix="convscope-report-") as scratch:
        folder = Path(scratch)
        source, target = folder / "report.html", folder / "report.pdf"
        source.write_text(html, encoding="utf-8")
        command = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
            "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={folder / 'profile'}",
            # the report is self-contained: nothing may be fetched while printing it
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--print-to-pdf={target}", source.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=True)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PdfUnavailable(f"Chromium could not print the report: {exc}") from exc
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("Chromium printed nothing.")
        return target.read_bytes()
