"""A report downloaded from Explore as a user would (issue 22): its PDF's text (pdftotext)
holds the answer, the weights' and the image's sha256 and the trust verdicts."""

import re
import subprocess
import time

import pytest

from tests.e2e.test_pages_audit import post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_done(page, live_server, path: str) -> dict:
    for _ in range(240):
        body = page.request.get(f"{live_server.url}{path}").json()
        if body["job"]["status"] in ("succeeded", "failed"):
            assert body["job"]["status"] == "succeeded", body["job"]
            return body
        time.sleep(0.5)
    raise AssertionError(f"{path} did not finish")


def test_download_a_report_from_explore(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    from backend.analyses.models import Analysis

    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0")
    rows = page.get_by_test_id("prediction-row")
    rows.first.wait_for(timeout=120_000)
    top = rows.first.get_attribute("data-label")
    analysis = Analysis.objects.select_related("image").latest("pk")
    body = {"network": network.pk, "image": analysis.image_id, "method": "gradient"}
    explanation = post(page, live_server, "/api/explanations/", body)
    trust = post(page, live_server, "/api/trust-checks/", body)
    wait_done(page, live_server, f"/api/explanations/{explanation['id']}/")
    wait_done(page, live_server, f"/api/trust-checks/{trust['id']}/")

    links = page.get_by_test_id("report-links")
    links.wait_for()
    screenshot("report-links-explore")
    with page.expect_download() as download:
        page.get_by_test_id("report-pdf").click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, check=True)
    words = text.stdout.decode()
    squashed = re.sub(r"\s+", "", words)
    assert f"The network's answer is {top}" in " ".join(words.split())
    assert network.weights_sha256 in squashed and analysis.image.sha256 in squashed
    assert re.search(r"randomisation\s+(pass|fail|could not be checked)", words)
    assert re.search(r"faithfulness\s+(pass|fail|could not be checked)", words)
