"""The explorer on a real-size network (ResNet50 at 64×64, 176 layers): blocks found from the
graph start collapsed, expand on click; the minimap and the search jump along the strip; the
first paint loads only previews; an opened layer's hover value is the exact stored one. Also
DenseNet121's overview, for its screenshot. Debian's Chromium."""

import io

import numpy as np
import pytest
from django.core.management import call_command

from tests.fixtures.real_size import real_size_model_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def register(name: str, tmp_path):
    from backend.networks.models import Network

    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"class {i}\n" for i in range(10)))
    call_command(
        "register_network",
        file=real_size_model_file(name),
        name=name.replace("_", "-"),
        labels=labels,
        dataset="fashion-mnist",
        public=True,
    )
    return Network.objects.get(name=name.replace("_", "-"))


def watch_responses(page) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    def on_response(response):
        if "/api/analyses/" in response.url and response.request.method == "GET":
            try:
                seen.append((response.url, len(response.body())))
            except Exception:  # a redirect or an aborted request has no body
                seen.append((response.url, 0))

    page.on("response", on_response)
    return seen


def open_explorer(page, live_server, network):
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    page.get_by_test_id("sample-thumb").first.click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=90_000)
    page.wait_for_selector(READY, timeout=60_000)


def test_resnet50_overview_blocks_minimap_search_and_exact_values(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    network = register("resnet50", tmp_path)
    assert len(network.layers) > 150
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server)
    seen = watch_responses(page)
    open_explorer(page, live_server, network)

    # The first paint: previews only, a small fraction of the layers' values.
    first_paint = list(seen)
    previews = [(url, size) for url, size in first_paint if "/previews/" in url]
    assert previews, first_paint
    assert not [url for url, _ in first_paint if "/activations/" in url], first_paint
    assert sum(size for _, size in previews) < 1_000_000

    # Collapsed blocks: the stem, the four stages, the head.
    blocks = page.get_by_test_id("block-column")
    ids = [blocks.nth(i).get_attribute("data-block") for i in range(blocks.count())]
    assert ids == ["conv1", "pool1", "conv2", "conv3", "conv4", "conv5"]
    assert page.get_by_test_id("layer-row").count() == 2  # avg_pool, predictions
    stage = page.locator("[data-testid=block-column][data-block=conv4]")
    stage.locator("canvas").first.wait_for()  # the stage's output maps, from its preview
    page.get_by_test_id("minimap-viewport").wait_for()
    screenshot("real-size-resnet50-overview")

    # Expand a stage: its six residual blocks; expand one: its layers, the shortcut drawn.
    stage.get_by_test_id("block-expand").click()
    page.locator("[data-testid=block-open][data-block=conv4]").wait_for()
    inner = page.locator("[data-testid=block-column][data-block^=conv4_block]")
    assert inner.count() == 6
    page.locator(
        "[data-testid=block-column][data-block=conv4_block1] [data-testid=block-expand]"
    ).click()
    row = page.locator("[data-testid=layer-row][data-layer=conv4_block1_add]")
    row.wait_for()
    row.locator("canvas").first.wait_for(timeout=30_000)
    assert page.locator("[data-testid=graph-edge][data-to=conv4_block1_add]").count() >= 1

    # The main path runs straight: the third convolution follows the second's ReLU; the
    # projection shortcut (listed between them by Keras) sits in a row below, linked both ways.
    def box_of(name):
        return page.locator(f"[data-testid=layer-row][data-layer={name}]").bounding_box()

    relu2, conv3_, short = (
        box_of("conv4_block1_2_relu"),
        box_of("conv4_block1_3_conv"),
        box_of("conv4_block1_0_conv"),
    )
    assert relu2["x"] < conv3_["x"] < relu2["x"] + 2 * relu2["width"] + 10
    assert abs(conv3_["y"] - relu2["y"]) < 2
    assert short["y"] > relu2["y"] + relu2["height"]
    shortcut = page.locator("[data-testid=layer-row][data-layer=conv4_block1_0_conv]")
    assert shortcut.get_attribute("data-row") == "1"
    assert page.locator(
        "[data-testid=graph-edge][data-from=conv4_block1_0_bn][data-to=conv4_block1_add]"
    ).count()
    screenshot("real-size-resnet50-expanded")
    # … and collapse it again
    page.locator("[data-testid=block-open][data-block=conv4] [data-testid=block-collapse]").click()
    page.locator("[data-testid=block-column][data-block=conv4]").wait_for()

    # The minimap: a click near its right end moves the strip to the end.
    strip = page.get_by_test_id("overview")
    page.locator("[data-testid=block-column][data-block=conv2] [data-testid=block-expand]").click()
    page.locator(
        "[data-testid=block-column][data-block=conv2_block1] [data-testid=block-expand]"
    ).click()
    page.locator("[data-testid=layer-row][data-layer=conv2_block1_out]").wait_for()
    assert strip.evaluate("el => el.scrollWidth > el.clientWidth * 1.5")
    assert strip.evaluate("el => el.scrollLeft") == 0
    minimap = page.get_by_test_id("minimap")
    box = minimap.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "() => { const el = document.querySelector('[data-testid=overview]');"
        " return el.scrollLeft >= 0.9 * (el.scrollWidth - el.clientWidth) }"
    )
    viewport = page.get_by_test_id("minimap-viewport").bounding_box()
    assert viewport["x"] + viewport["width"] >= box["x"] + 0.9 * box["width"]

    # Search: a layer inside a collapsed block is opened up to and scrolled into view.
    page.get_by_test_id("layer-search-input").fill("conv3_block2_2_conv")
    page.get_by_test_id("layer-search-go").click()
    target = page.locator("[data-testid=layer-row][data-layer=conv3_block2_2_conv]")
    target.wait_for()
    strip_box = strip.bounding_box()
    target_box = target.bounding_box()
    assert strip_box["x"] <= target_box["x"] and (
        target_box["x"] + target_box["width"] <= strip_box["x"] + strip_box["width"]
    )
    target.locator("canvas").first.wait_for(timeout=30_000)
    screenshot("real-size-resnet50-search")

    # Open it: the full values come from the per-layer endpoint; the hover value is exact.
    before = len(seen)
    target.get_by_test_id("layer-open").click()
    panel = page.get_by_test_id("layer-panel")
    panel.wait_for()
    page.locator("[data-testid=layer-map][data-channel='1'] canvas").wait_for(timeout=30_000)
    assert any("/activations/" in url for url, _ in seen[before:])
    from backend.analyses.models import Analysis

    analysis = page.request.get(
        f"{live_server.url}/api/analyses/{Analysis.objects.latest('pk').pk}/"
    ).json()
    url = next(x["url"] for x in analysis["layers"] if x["name"] == "conv3_block2_2_conv")
    values = np.load(io.BytesIO(page.request.get(f"{live_server.url}{url}?dtype=float16").body()))
    h, w, c = values.shape
    assert c == 128 and page.get_by_test_id("layer-map").count() == 64  # one page of maps
    row_, col = np.unravel_index(np.abs(values[:, :, 1]).argmax(), (h, w))
    canvas = page.locator("[data-testid=layer-map][data-channel='1'] canvas")
    page.wait_for_timeout(600)  # the panel's smooth scroll into view
    cbox = canvas.bounding_box()
    canvas.hover(
        position={"x": (col + 0.5) * cbox["width"] / w, "y": (row_ + 0.5) * cbox["height"] / h}
    )
    readout = page.get_by_test_id("hover-readout")
    assert readout.get_attribute("data-channel") == "1"
    assert float(readout.get_attribute("data-value")) == float(values[row_, col, 1])
    assert "Showing 64 of 128 maps" in page.get_by_test_id("maps-paging").inner_text()
    page.get_by_test_id("maps-more").click()
    page.locator("[data-testid=layer-map][data-channel='127']").wait_for()
    assert page.get_by_test_id("layer-map").count() == 128


def test_densenet121_overview_screenshot(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    network = register("densenet121", tmp_path)
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server)
    seen = watch_responses(page)
    open_explorer(page, live_server, network)
    assert not [url for url, _ in seen if "/activations/" in url]
    blocks = page.get_by_test_id("block-column")
    ids = [blocks.nth(i).get_attribute("data-block") for i in range(blocks.count())]
    assert {"conv2", "conv3", "conv4", "conv5", "pool2"} <= set(ids)
    page.locator("[data-testid=block-column][data-block=conv3] [data-testid=block-expand]").click()
    page.locator("[data-testid=block-column][data-block=conv3_block12]").wait_for()
    page.locator("[data-testid=block-column][data-block=conv3_block12] canvas").first.wait_for(
        timeout=30_000
    )
    screenshot("real-size-densenet121-overview")
