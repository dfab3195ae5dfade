"""Training history in the explorer (issue 8 part 4): the epoch slider re-runs the analysis
with the weights saved after that epoch; the URL keeps the epoch. Debian's Chromium."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def prediction_text(page) -> list[str]:
    rows = page.get_by_test_id("prediction-row")
    return [rows.nth(i).get_attribute("title") for i in range(rows.count())]


def test_epoch_slider_shows_the_network_after_each_epoch(
    log_in, page, live_server, celery_worker, zoo, history_network, user, screenshot
):
    network = history_network  # Tiny VGG trained quickly with three checkpoints
    log_in(page, live_server)
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    page.get_by_test_id("sample-thumb").first.click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)

    history = page.get_by_test_id("training-history")
    history.wait_for()
    slider = page.get_by_test_id("epoch-slider")
    assert slider.get_attribute("min") == "1" and slider.get_attribute("max") == "3"
    assert slider.input_value() == "3" and "epoch=" not in page.url
    assert "pass over the training images" in history.inner_text()
    assert page.get_by_test_id("history-chart-loss").locator("polyline").count() == 2
    assert page.get_by_test_id("history-chart-accuracy").locator("polyline").count() == 3
    trained = prediction_text(page)
    # Both zoo networks ship their checkpoints: Tiny VGG's 4 epochs, Deep BN's 12.
    page.get_by_test_id("network-select").select_option(str(zoo["tiny-vgg"].pk))
    page.wait_for_selector("[data-testid=epoch-slider][max='4']", timeout=60_000)
    page.get_by_test_id("network-select").select_option(str(zoo["deep-bn"].pk))
    page.wait_for_url(f"**network={zoo['deep-bn'].pk}*")
    page.wait_for_selector("[data-testid=epoch-slider][max='12']", timeout=60_000)
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.get_by_test_id("network-select").select_option(str(network.pk))
    history.wait_for()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)

    # Back to the network after its first pass over the training images.
    slider.fill("1")
    page.wait_for_url("**epoch=1**")
    page.wait_for_function(
        "t => [...document.querySelectorAll('[data-testid=prediction-row]')]"
        ".map(r => r.title).join('|') !== t",
        arg="|".join(trained),
        timeout=60_000,
    )
    page.wait_for_selector(READY, timeout=30_000)
    assert prediction_text(page) != trained
    assert page.get_by_test_id("epoch-label").inner_text() == "1"
    assert history.get_attribute("data-epoch") == "1"
    from backend.analyses.models import Analysis

    assert Analysis.objects.latest("pk").epoch == 1
    screenshot("training-history-epoch-1")

    # A reload keeps the epoch; the last epoch is the trained network again.
    page.reload()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("epoch-slider").input_value() == "1"
    assert prediction_text(page) != trained
    page.get_by_test_id("epoch-slider").fill("3")
    page.wait_for_function("() => !location.search.includes('epoch=')")
    page.wait_for_function(
        "t => [...document.querySelectorAll('[data-testid=prediction-row]')]"
        ".map(r => r.title).join('|') === t",
        arg="|".join(trained),
        timeout=60_000,
    )
