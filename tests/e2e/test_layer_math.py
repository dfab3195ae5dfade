"""Detail views with live math: point at an output value of a layer and the arithmetic written
out on the page equals the value the API returns for that cell."""

import io

import numpy as np
import pytest

from backend.analyses.models import Analysis

pytestmark = pytest.mark.django_db(transaction=True)


def api_activation(page, live_server, network, layer_name: str) -> np.ndarray:
    """The layer's activation as the API serves it (float32), for the latest analysis."""
    analysis = Analysis.objects.filter(network=network).latest("pk")
    index = next(x["index"] for x in network.layers if x["name"] == layer_name)
    response = page.request.get(
        f"{live_server.url}/api/analyses/{analysis.pk}/activations/{index}/"
    )
    assert response.ok
    return np.load(io.BytesIO(response.body()), allow_pickle=False)


def open_layer(page, live_server, network, layer: str) -> None:
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer={layer}"
    )
    page.get_by_test_id("math-open").click(timeout=60_000)
    page.locator("[data-testid=layer-math][data-kind]:not([data-kind=''])").wait_for(timeout=30_000)


def hover_map_cell(page, channel: int, row: int, col: int, size: tuple[int, int]) -> None:
    canvas = page.locator(f"[data-testid=layer-map][data-channel='{channel}'] canvas")
    box = canvas.bounding_box()
    h, w = size
    canvas.hover(
        position={"x": (col + 0.5) * box["width"] / w, "y": (row + 0.5) * box["height"] / h}
    )


def hover_bar(page, index: int, n: int) -> None:
    bars = page.get_by_test_id("layer-bars")
    box = bars.bounding_box()
    bars.hover(position={"x": (index + 0.5) * box["width"] / n, "y": box["height"] / 2})


def math_state(page) -> dict:
    view = page.get_by_test_id("layer-math")
    cell = page.get_by_test_id("math-cell")
    return {
        "kind": view.get_attribute("data-kind"),
        "value": float(view.get_attribute("data-value")),
        "network": float(view.get_attribute("data-network")),
        "written": float(page.get_by_test_id("math-result").inner_text()),
        "row": cell.get_attribute("data-row"),
        "col": cell.get_attribute("data-col"),
        "channel": cell.get_attribute("data-channel"),
        "index": cell.get_attribute("data-index"),
    }


def wait_for_cell(page, **attrs) -> None:
    selector = "".join(f"[data-{k}='{v}']" for k, v in attrs.items())
    page.locator(f"[data-testid=math-cell]{selector}").wait_for(timeout=10_000)


def test_hovering_a_conv_cell_writes_out_the_networks_own_sum(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    open_layer(page, live_server, network, "conv_1_2")
    expected = api_activation(page, live_server, network, "conv_1_2")
    assert expected.shape == (28, 28, 16)

    for channel, row, col in [(3, 12, 14), (7, 20, 9), (0, 0, 0)]:
        hover_map_cell(page, channel, row, col, (28, 28))
        wait_for_cell(page, channel=channel, row=row, col=col)
        state = math_state(page)
        assert state["kind"] == "conv"
        api_value = float(expected[row, col, channel])
        # The float64 sum of the written products is the network's float32 value.
        assert state["value"] == pytest.approx(api_value, abs=1e-4)
        assert state["written"] == pytest.approx(api_value, rel=1e-5, abs=1e-5)
        # One written line per input channel: 16 sums of 3×3 products each.
        lines = page.get_by_test_id("math-conv-lines").locator("li")
        assert lines.count() == 16
        assert lines.first.inner_text().count("×") == 9

    # The corner cell of a 'same' convolution reads 5 padding zeros of its 3×3 window.
    conv = page.get_by_test_id("math-conv")
    assert conv.locator("table").first.locator("td.pad").count() == 5
    assert "padding" in page.get_by_test_id("windowed-map").locator("xpath=..").inner_text()
    page.get_by_test_id("layer-math").scroll_into_view_if_needed()
    screenshot("layer-math-conv")


def test_pooling_and_softmax_are_written_out_with_the_networks_numbers(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    open_layer(page, live_server, network, "max_pool_1")
    expected = api_activation(page, live_server, network, "max_pool_1")
    hover_map_cell(page, 5, 6, 8, (14, 14))
    wait_for_cell(page, channel=5, row=6, col=8)
    state = math_state(page)
    assert state["kind"] == "max-pool"
    assert state["written"] == pytest.approx(float(expected[6, 8, 5]), rel=1e-5, abs=1e-6)
    assert "max(" in page.get_by_test_id("layer-math").inner_text()

    # The output layer: dense scores, then softmax written out class by class.
    page.get_by_test_id("layer-close").click()
    open_layer(page, live_server, network, "output")
    probabilities = api_activation(page, live_server, network, "output")
    for index in (int(np.argmax(probabilities)), 3):
        hover_bar(page, index, 10)
        wait_for_cell(page, index=index)
        state = math_state(page)
        assert state["kind"] == "dense"
        assert state["value"] == pytest.approx(float(probabilities[index]), abs=1e-5)
    table = page.get_by_test_id("math-dense").locator("table").nth(1)
    assert table.locator("tbody tr").count() == 11  # ten classes and the sum
    page.get_by_test_id("layer-math").scroll_into_view_if_needed()
    screenshot("layer-math-softmax")


def test_batch_norm_relu_and_global_pooling(log_in, page, live_server, celery_worker, zoo, user):
    network = zoo["deep-bn"]
    log_in(page, live_server)
    for layer, kind in [("bn_1_1", "batchnorm"), ("relu_1_1", "elementwise")]:
        open_layer(page, live_server, network, layer)
        expected = api_activation(page, live_server, network, layer)
        hover_map_cell(page, 2, 10, 11, (28, 28))
        wait_for_cell(page, channel=2, row=10, col=11)
        state = math_state(page)
        assert state["kind"] == kind
        assert state["written"] == pytest.approx(float(expected[10, 11, 2]), rel=1e-5, abs=1e-5)
        if kind == "batchnorm":  # its four numbers are written out
            text = page.get_by_test_id("layer-math").inner_text()
            assert all(word in text for word in ("γ", "β", "mean", "variance"))

    open_layer(page, live_server, network, "global_avg_pool")
    expected = api_activation(page, live_server, network, "global_avg_pool")
    hover_bar(page, 7, expected.shape[0])
    wait_for_cell(page, index=7)
    state = math_state(page)
    assert state["kind"] == "global-avg"
    assert state["written"] == pytest.approx(float(expected[7]), rel=1e-5, abs=1e-6)
