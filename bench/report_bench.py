"""Report rendering time (issue 22): an analysis report of a zoo network with two attribution
maps — building its content (PNG images, maps, provenance), its HTML, and its PDF through
Chromium — on a throw-away database, as the API builds it. Prints a markdown section."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
RUNS = 5


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="convscope-report-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.local"
    os.environ["CONVSCOPE_VAR_DIR"] = str(scratch)
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from backend.analyses.models import Analysis, AnalysisResult
    from backend.analyses.services import compute_result, load_pixels, result_directory
    from backend.datasets.services import sync_builtin_datasets
    from backend.explanations.models import Explanation, ExplanationResult
    from backend.explanations.services import compute, params_key
    from backend.explanations.services import result_directory as map_directory
    from backend.jobs.models import Job
    from backend.networks.zoo import register_zoo_entry
    from backend.reports.content import analysis_report
    from backend.reports.html import render_html
    from backend.reports.pdf import html_to_pdf
    from backend.uploads.services import store_sample
    from model_zoo.registry import get_zoo_entry

    sync_builtin_datasets()
    network = register_zoo_entry(get_zoo_entry("tiny-vgg"))
    user = get_user_model().objects.create_user("bench")
    image = store_sample(user, "fashion-mnist", 0)
    pixels = load_pixels(image)
    directory = result_directory(network, image.sha256)
    output = compute_result(network, pixels, Path(django.conf.settings.MEDIA_ROOT) / directory)
    result = AnalysisResult.objects.create(
        network=network, image_sha256=image.sha256, directory=directory,
        probabilities=output.probabilities, layers=output.layers, ood=output.ood,
    )  # fmt: skip
    analysis = Analysis.objects.create(
        owner=user, network=network, image=image, result=result,
        job=Job.objects.create(owner=user, kind="analysis", status="succeeded"),
    )  # fmt: skip
    for method in ("gradient", "gradcam"):
        key = params_key(method, {}, "")
        folder = map_directory(network, image.sha256, "map", method, 9, key)
        summary = compute(
            network, pixels, kind="map", method=method, target=9, layer="", params={},
            out_dir=Path(django.conf.settings.MEDIA_ROOT) / folder,
        )  # fmt: skip
        stored = ExplanationResult.objects.create(
            network=network, image_sha256=image.sha256, kind="map", method=method, target=9,
            params_key=key, params={}, layer=summary.get("layer") or "", directory=folder,
            summary=summary,
        )  # fmt: skip
        Explanation.objects.create(
            owner=user, kind="map", network=network, image=image, method=method, result=stored,
            job=Job.objects.create(owner=user, kind="explanation", status="succeeded"),
        )  # fmt: skip

    def timed(fn):
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            value = fn()
            samples.append(time.perf_counter() - started)
        return value, statistics.median(samples)

    content, content_s = timed(lambda: analysis_report(analysis))
    html, html_s = timed(lambda: render_html(content))
    pdf, pdf_s = timed(lambda: html_to_pdf(html))
    print(
        "\n".join(
            [
                "",
                "## Reports",
                "",
                f"An analysis report of `tiny-vgg` with two maps (median of {RUNS}): content "
                "(images, maps, provenance), its HTML, and its PDF through Chromium.",
                "",
                "| step | time | size |",
                "| --- | ---: | ---: |",
                f"| content | {content_s * 1000:.0f} ms | — |",
                f"| HTML | {html_s * 1000:.1f} ms | {len(html.encode()) / 1024:.0f} KiB |",
                f"| PDF (Chromium print) | {pdf_s:.2f} s | {len(pdf) / 1024:.0f} KiB |",
            ]
        )
    )


if __name__ == "__main__":
    main()
