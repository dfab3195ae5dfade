"""A new user's first minutes: log in, pick a sample, see the prediction and every layer."""

import pytest

from tests.fixtures.images import fashion_sample_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def first_sample_label() -> str:
    """The true class of the first thumbnail (the zoo network gets these easy ones right)."""
    from datasets.registry import get_dataset

    dataset = get_dataset("fashion-mnist")
    return dataset.manifest["classes"][dataset.sample(dataset.sample_indices()[0])[1]]


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    page.wait_for_url("**/login**")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("pw-alice")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("dataset-select").wait_for()


def test_wrong_password_is_explained(page, live_server, user):
    page.goto(f"{live_server.url}/login")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("wrong")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("error-message")
    error.wait_for()
    assert "do not match" in error.inner_text()


def test_sample_analysis_shows_prediction_and_layers(
    page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    log_in(page, live_server)
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(zoo["tiny-vgg"].pk))
    page.get_by_test_id("sample-thumb").first.click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    rows = page.get_by_test_id("prediction-row")
    assert rows.count() == 10
    assert rows.first.get_attribute("data-label") == first_sample_label()
    assert page.get_by_test_id("layer-row").count() == len(zoo["tiny-vgg"].layers)
    page.wait_for_timeout(500)  # let the heatmaps paint
    screenshot("explore-sample")
    assert "network=" in page.url  # the choice lives in the URL

    # Reload restores the same view from the URL.
    page.reload()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("prediction-row").first.get_attribute("data-label") == (
        first_sample_label()
    )

    # Upload a file, then a file that is not an image.
    data, _ = fashion_sample_png(2)
    good = tmp_path / "trousers.png"
    good.write_bytes(data)
    page.get_by_test_id("upload-input").set_input_files(str(good))
    page.wait_for_function(
        "() => document.querySelector('[data-testid=prediction-row]')"
        "?.getAttribute('data-label') === 'Trouser'",
        timeout=60_000,
    )
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not a picture")
    page.get_by_test_id("upload-input").set_input_files(str(bad))
    error = page.get_by_test_id("error-message")
    error.wait_for(timeout=20_000)
    assert "not an image" in error.inner_text()
    screenshot("explore-upload-error")
