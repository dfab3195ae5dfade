"""Reports that can be filed (issue 22): an analysis with its explanation and trust checks, as
HTML and as PDF (its text read back with pdftotext); private to the owner; the CLI writes
both and `verify-report` passes on a fresh report and fails, naming the difference, when the
network's weights changed or the numbers were edited."""

import re
import subprocess
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.backend.test_analyses_api import upload_sample

pytestmark = pytest.mark.django_db


def analysed(api, run_queued, network) -> dict:
    image = upload_sample(api, 0)
    response = api.post("/api/analyses/", {"network": network.pk, "image": image}, format="json")
    assert response.status_code == 202
    run_queued()
    body = {"network": network.pk, "image": image, "method": "gradient"}
    assert api.post("/api/explanations/", body, format="json").status_code == 202
    assert api.post("/api/trust-checks/", body, format="json").status_code == 202
    run_queued()
    return api.get(f"/api/analyses/{response.json()['id']}/").json()


def keep_for_screenshots(name: str, data: bytes) -> None:
    """The PDF beside the page tests' screenshots, to look at (var/screenshots/)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def test_analysis_report_html_pdf_privacy_and_verification(
    api, other_api, zoo, queued, run_queued, tmp_path
):
    from backend.networks.models import Network

    network = zoo["tiny-vgg"]
    analysis = analysed(api, run_queued, network)
    top = analysis["prediction"][0]["label"]
    from backend.analyses.models import Analysis

    row = Analysis.objects.select_related("image").get(pk=analysis["id"])
    image_sha = row.image.sha256

    html = api.get(f"/api/analyses/{analysis['id']}/report/?format=html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    text = html.content.decode()
    assert f"answer is <strong>{top}</strong>" in text
    assert network.weights_sha256 in text and image_sha in text
    assert "It can only answer with one of these 10 classes." in text
    assert "looks like the pictures the network learned from" in text
    assert re.search(
        r"Trust checks: randomisation <span class=\"badge (pass|fail|unchecked)\"", text
    )
    assert 'src="http' not in text and "data:image/png;base64," in text  # self-contained
    assert "alice" not in text  # no account details unless asked for
    named = api.get(f"/api/analyses/{analysis['id']}/report/?format=html&name=1").content.decode()
    assert "prepared by alice" in named

    pdf = api.get(f"/api/analyses/{analysis['id']}/report/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    keep_for_screenshots("report-analysis.pdf", pdf.content)
    words = pdf_text(pdf.content)
    assert top in words and "Provenance" in words and "randomisation" in words
    squashed = re.sub(r"\s+", "", words)
    assert network.weights_sha256 in squashed and image_sha in squashed

    assert other_api.get(f"/api/analyses/{analysis['id']}/report/").status_code == 404
    # through a share link: the analysis only (no explanations, no names), for anyone
    from tests.backend.test_share_links import share, token_of

    token = token_of(share(api, analysis=analysis["id"]))
    shared = other_api.get(f"/api/shared/{token}/analyses/{analysis['id']}/report/?format=html")
    assert shared.status_code == 200
    shared_text = shared.content.decode()
    assert f"answer is <strong>{top}</strong>" in shared_text
    assert "No attribution map was computed" in shared_text and "prepared by" not in shared_text
    assert api.get(f"/api/analyses/{analysis['id']}/report/?format=doc").status_code == 400

    # the CLI: a PDF and its HTML twin; verify-report reproduces the numbers
    out = tmp_path / "case.pdf"
    call_command("report", "--analysis", str(analysis["id"]), "--out", str(out), stdout=StringIO())
    assert out.read_bytes().startswith(b"%PDF") and out.with_suffix(".html").exists()
    said = StringIO()
    call_command("verify-report", str(out), stdout=said)
    assert "The report matches" in said.getvalue()

    # numbers edited in the file: found
    twin = out.with_suffix(".html")
    edited = tmp_path / "edited.html"
    edited.write_text(
        re.sub(r'"probabilities": \[([0-9.e-]+)', r'"probabilities": [0.5', twin.read_text())
    )
    errors = StringIO()
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("verify-report", str(edited), stdout=StringIO(), stderr=errors)
    assert "probabilities differ" in errors.getvalue()

    # the network re-registered with other weights under the same name and version
    Network.objects.filter(pk=network.pk).update(weights_sha256="f" * 64)
    errors = StringIO()
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("verify-report", str(twin), stdout=StringIO(), stderr=errors)
    assert "weights of tiny-vgg v1 differ" in errors.getvalue()


def test_evaluation_report(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    response = api.post("/api/evaluations/", {"network": network.pk}, format="json")
    assert response.status_code in (201, 202), response.content
    run_queued()
    view_id = response.json()["id"]
    pdf = api.get(f"/api/evaluations/{view_id}/report/")
    assert pdf.status_code == 200, pdf.content[:300]
    keep_for_screenshots("report-evaluation.pdf", pdf.content)
    words = pdf_text(pdf.content)
    assert "Accuracy" in words and "Confusion matrix" in words and "Ankle boot" in words
    html = api.get(f"/api/evaluations/{view_id}/report/?format=html").content.decode()
    assert network.weights_sha256 in html and "Per class" in html
