"""The explorer (issue 3): overview of every layer, layer view with hover values, colour scope,
URL state across reload and history, upload, and a phone-sized layout. Debian's Chromium."""

import io

import numpy as np
import pytest

from tests.fixtures.images import fashion_sample_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def latest_analysis_json(page, live_server) -> dict:
    from backend.analyses.models import Analysis

    analysis = Analysis.objects.latest("pk")
    return page.request.get(f"{live_server.url}/api/analyses/{analysis.pk}/").json()


def load_layer(page, live_server, url: str) -> np.ndarray:
    """The same float16 .npy the page fetched, through the page's own session."""
    body = page.request.get(f"{live_server.url}{url}?dtype=float16").body()
    array = np.load(io.BytesIO(body))
    while array.ndim > 1 and array.shape[0] == 1 and array.ndim in (2, 4):
        array = array[0]
    return array


def api_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: "/api/" in request.url and seen.append(request.url))
    return seen


def test_overview_layer_view_hover_scope_and_url_state(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.get_by_test_id("first-visit-hint").wait_for()
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    page.get_by_test_id("sample-thumb").first.click()

    # Prediction and every layer, with maps drawn from the API's numbers.
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)
    assert page.get_by_test_id("prediction-row").count() == 10
    assert page.get_by_test_id("true-label").inner_text().startswith("True label")
    rows = page.get_by_test_id("layer-row")
    assert rows.count() == len(network.layers)
    for i in range(rows.count()):
        assert rows.nth(i).locator("canvas").count() >= 1, rows.nth(i).get_attribute("data-layer")
    conv = page.locator("[data-testid=layer-row][data-layer=conv_1_1]")
    assert conv.locator("canvas").count() == 6  # the first N channels …
    conv.get_by_test_id("show-all").click()
    assert conv.locator("canvas").count() == 16  # … and all of them on demand
    page.get_by_test_id("network-input").first.wait_for()  # what the network sees
    screenshot("explorer-1-overview")

    # Hovering a node highlights what feeds it and says what the layer does, in plain words.
    page.locator("[data-layer=max_pool_1] [data-testid=layer-open]").hover()
    assert "feeds" in page.locator("[data-testid=layer-row][data-layer=conv_1_2]").get_attribute(
        "class"
    )
    assert "shrinks each map" in page.get_by_test_id("overview-explain").inner_text()

    # Open a layer: all channels large, kernels, an explanation with "more".
    page.locator("[data-testid=layer-row][data-layer=conv_1_2] [data-testid=layer-open]").click()
    panel = page.get_by_test_id("layer-panel")
    panel.wait_for()
    assert panel.get_attribute("data-layer") == "conv_1_2"
    assert "layer=conv_1_2" in page.url
    assert page.get_by_test_id("layer-map").count() == 16
    page.get_by_test_id("kernels").locator("canvas").first.wait_for()
    explanation = page.get_by_test_id("layer-explanation")
    assert "pattern" in explanation.inner_text()
    explanation.get_by_test_id("explain-more").click()
    assert explanation.locator("#layer-more").is_visible()

    # Hover the strongest cell of channel 3 and read the value the API returned for it.
    analysis = latest_analysis_json(page, live_server)
    url = next(layer["url"] for layer in analysis["layers"] if layer["name"] == "conv_1_2")
    values = load_layer(page, live_server, url)
    h, w, _ = values.shape
    channel = 3
    row, col = np.unravel_index(np.abs(values[:, :, channel]).argmax(), (h, w))
    canvas = page.locator("[data-testid=layer-map][data-channel='3'] canvas")
    box = canvas.bounding_box()
    # hover() waits until the canvas stops moving (the opened panel scrolls into view)
    canvas.hover(
        position={"x": (col + 0.5) * box["width"] / w, "y": (row + 0.5) * box["height"] / h}
    )
    readout = page.get_by_test_id("hover-readout")
    assert readout.get_attribute("data-channel") == "3"
    assert (int(readout.get_attribute("data-row")), int(readout.get_attribute("data-col"))) == (
        row,
        col,
    )
    assert float(readout.get_attribute("data-value")) == float(values[row, col, channel]) != 0
    assert f"row {row}, column {col}" in readout.inner_text()
    screenshot("explorer-2-layer-view-hover")
    # The same values from the keyboard: focus a map, move with the arrow keys.
    page.locator("[data-testid=layer-map][data-channel='0'] canvas").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert readout.get_attribute("data-channel") == "0"
    assert (readout.get_attribute("data-row"), readout.get_attribute("data-col")) == ("1", "1")
    assert float(readout.get_attribute("data-value")) == float(values[1, 1, 0])

    # Switch the colour scope: the legend changes, no request is made.
    seen = api_requests(page)
    high = page.get_by_test_id("layer-panel").get_by_test_id("legend-high").first.inner_text()
    page.locator("label[for=scope-network]").click()
    page.wait_for_selector("[data-testid=layers][data-scope=network]")
    assert "scope=network" in page.url
    assert (
        page.get_by_test_id("layer-panel").get_by_test_id("legend-high").first.inner_text() != high
    )
    page.locator("label[for=scope-unit]").click()
    page.wait_for_selector("[data-testid=layers][data-scope=unit]")
    assert "±" in page.get_by_test_id("layer-map").first.inner_text()
    # switching layer is instant too: the values are already in memory
    page.locator("[data-testid=layer-row][data-layer=max_pool_1] [data-testid=layer-open]").click()
    page.wait_for_selector(
        "[data-testid=layer-panel][data-layer=max_pool_1] [data-testid=layer-map]"
    )
    page.locator("[data-testid=layer-row][data-layer=conv_1_2] [data-testid=layer-open]").click()
    page.wait_for_selector("[data-testid=layer-panel][data-layer=conv_1_2] [data-testid=layer-map]")
    assert seen == [], seen
    screenshot("explorer-3-scope-unit")

    # Reload: the same view (network, sample, open layer, scope) comes back from the URL.
    before = page.url
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    assert page.url == before
    assert page.get_by_test_id("layer-panel").get_attribute("data-layer") == "conv_1_2"
    assert page.get_by_test_id("scope-unit").is_checked()
    assert page.get_by_test_id("layer-map").count() == 16
    screenshot("explorer-4-reloaded")

    # Back and forward walk through the views.
    page.go_back()
    page.wait_for_selector("[data-testid=layer-panel][data-layer=max_pool_1]")
    page.go_forward()
    page.wait_for_selector("[data-testid=layer-panel][data-layer=conv_1_2]")

    # Flatten as a strip, the dense output as bars, never a 1-pixel image.
    page.locator("[data-testid=layer-row][data-layer=flatten] [data-testid=layer-open]").click()
    page.get_by_test_id("layer-strip").wait_for()
    assert page.get_by_test_id("layer-strip").bounding_box()["height"] >= 20
    page.locator("[data-testid=layer-row][data-layer=output] [data-testid=layer-open]").click()
    bars = page.get_by_test_id("layer-bars")
    bars.wait_for()
    assert bars.bounding_box()["height"] >= 100
    screenshot("explorer-5-output-bars")


def test_upload_shows_result_and_a_text_file_a_clear_error(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    log_in(page, live_server)
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(zoo["deep-bn"].pk))
    data, _ = fashion_sample_png(2)
    good = tmp_path / "trousers.png"
    good.write_bytes(data)
    page.get_by_test_id("upload-input").set_input_files(str(good))
    page.wait_for_function(
        "() => document.querySelector('[data-testid=prediction-row]')"
        "?.getAttribute('data-label') === 'Trouser'",
        timeout=60_000,
    )
    page.wait_for_selector(READY, timeout=30_000)
    assert "image=" in page.url and "sample=" not in page.url
    assert page.get_by_test_id("layer-row").count() == len(zoo["deep-bn"].layers)
    page.get_by_test_id("network-input").first.wait_for()
    screenshot("explorer-6-upload-deep-bn")

    bad = tmp_path / "notes.txt"
    bad.write_text("this is a shopping list, not a picture")
    page.get_by_test_id("upload-input").set_input_files(str(bad))
    error = page.get_by_test_id("error-message")
    error.wait_for(timeout=20_000)
    text = error.inner_text()
    assert "Upload failed" in text and "image" in text
    assert "Traceback" not in text and "<" not in text
    screenshot("explorer-7-upload-error")


def test_phone_layout(log_in, browser, live_server, celery_worker, zoo, user):
    from tests.e2e.conftest import SCREENSHOTS

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        log_in(page, live_server)
        network = zoo["deep-bn"]
        page.goto(
            f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=1&layer=bn_1_1"
        )
        page.wait_for_selector(READY, timeout=60_000)
        page.get_by_test_id("layer-panel").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        page.get_by_test_id("hint-dismiss").click()
        page.get_by_test_id("first-visit-hint").wait_for(state="detached")
        page.reload()
        page.wait_for_selector(READY, timeout=60_000)
        assert page.get_by_test_id("first-visit-hint").count() == 0  # once dismissed, gone
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "explorer-8-phone.png"), full_page=True)
    finally:
        context.close()
