"""The clinician's journey (issue 19), replayed in Chromium: a chest-scan-like DICOM (pydicom's
CT test file) and a photo of a cat get the "unlike what it learned from" warning; a
Fashion-MNIST test image does not; the model card says what the network knows."""

import pytest

from tests.fixtures.images import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def test_out_of_distribution_warning_and_model_card(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    from pydicom.data import get_testdata_file
    from skimage import data

    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0")
    page.get_by_test_id("ood-ok").wait_for(timeout=120_000)
    assert page.get_by_test_id("ood-warning").count() == 0
    card = page.get_by_test_id("model-card")
    assert "It can only answer with one of these 10 classes." in card.inner_text()
    assert "Fashion-MNIST" in card.inner_text() and "60,000" in card.inner_text()
    card.get_by_test_id("model-card-classes").locator("summary").click()
    assert "Ankle boot" in card.inner_text()
    # calibrated percentages by default, what they mean in tests, the raw softmax one click away
    meaning = page.get_by_test_id("confidence-meaning")
    assert "In tests, when this network said about" in meaning.inner_text()
    top = page.get_by_test_id("prediction-row").first
    calibrated = float(top.get_attribute("data-value"))
    page.get_by_test_id("raw-toggle").click()
    page.get_by_test_id("raw-toggle").filter(has_text="Show calibrated").wait_for()
    assert "raw scores" in meaning.inner_text()
    assert float(top.get_attribute("data-value")) != calibrated
    page.get_by_test_id("raw-toggle").click()

    scan = tmp_path / "chest-scan.dcm"
    scan.write_bytes(open(get_testdata_file("CT_small.dcm"), "rb").read())  # noqa: SIM115
    cat = tmp_path / "cat.png"
    cat.write_bytes(image_bytes(data.chelsea()))
    for path, shot in ((scan, "honest-explore-scan-warning"), (cat, "honest-explore-cat-warning")):
        page.get_by_test_id("input-tab-upload").click()
        page.get_by_test_id("upload-input").set_input_files(str(path))
        warning = page.get_by_test_id("ood-warning")
        warning.wait_for(timeout=120_000)
        assert "unlike the pictures this network learned from" in warning.inner_text()
        assert "probably meaningless" in warning.inner_text()
        assert page.get_by_test_id("prediction-row").count() == 10  # the answer is still there
        assert (
            "this picture is not like them"
            in page.get_by_test_id("confidence-meaning").inner_text()
        )
        page.wait_for_selector(READY, timeout=60_000)  # the page settled on this image
        # under "more": the score against the limit that 95% of its test pictures stay under
        assert "95%" in warning.text_content() and "above the limit" in warning.text_content()
        warning.locator("summary").click()
        screenshot(shot)

    # A light-background picture (a Fashion-MNIST boot, inverted): the hint, and one click
    # inverts it back into the kind of picture the network knows.
    from datasets.registry import get_dataset

    pixels, label = get_dataset("fashion-mnist").sample(0)
    light = tmp_path / "light-boot.png"
    light.write_bytes(image_bytes(255 - pixels[:, :, 0]))
    page.get_by_test_id("input-tab-upload").click()
    page.get_by_test_id("upload-input").set_input_files(str(light))
    hint = page.get_by_test_id("invert-hint")
    hint.wait_for(timeout=120_000)
    assert "light" in hint.inner_text() and "dark" in hint.inner_text()
    page.wait_for_selector(READY, timeout=60_000)
    screenshot("honest-explore-invert-hint")
    before = page.url
    page.get_by_test_id("invert-colours").click()
    page.wait_for_function("u => location.href !== u", arg=before)
    page.get_by_test_id("ood-ok").wait_for(timeout=120_000)
    assert page.get_by_test_id("invert-hint").count() == 0
    top = page.get_by_test_id("prediction-row").first.get_attribute("data-label")
    assert top == network.labels[label]

    # Evaluate: the reliability diagram, before and after calibration
    page.goto(f"{live_server.url}/evaluate?dataset=fashion-mnist&network={network.pk}")
    diagram = page.get_by_test_id("reliability")
    diagram.wait_for(timeout=120_000)
    assert page.get_by_test_id("reliability-bar").count() >= 3
    assert page.get_by_test_id("reliability-dot").count() >= 3
    before = float(page.get_by_test_id("ece-before").inner_text().rstrip("%"))
    after = float(page.get_by_test_id("ece-after").inner_text().rstrip("%"))
    assert after <= before
    diagram.scroll_into_view_if_needed()
    screenshot("honest-evaluate-reliability")
