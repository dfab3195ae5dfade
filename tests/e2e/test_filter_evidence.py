"""What made each filter fire: a conv layer's switch shows, per filter, its map beside its guided
backpropagation and gradient, in the order of the maps, with values on hover."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("CONVSCOPE_SHOTS_FILTERS", "/work/notes/shots-filters"))


def test_each_filter_beside_what_made_it_fire(log_in, page, live_server, celery_worker, zoo,
                                              user):  # fmt: skip
    network = zoo["tiny-vgg"]
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_2_2"
    )
    page.get_by_test_id("layer-map").first.wait_for(timeout=60_000)
    order = [m.get_attribute("data-channel") for m in page.get_by_test_id("layer-map").all()]
    page.get_by_text("what made each filter fire").click()
    evidence = page.get_by_test_id("evidence-filter")
    evidence.first.wait_for(timeout=60_000)
    # every map of the page, in the maps' order, each with its three images
    assert [e.get_attribute("data-filter") for e in evidence.all()] == order
    assert evidence.first.locator("canvas").count() == 3
    assert "guided backpropagation" in page.get_by_test_id("filter-evidence").inner_text()
    # hovering the guided image of filter 0 reads a value of that filter's own image
    guided = evidence.first.get_by_test_id("evidence-guided")
    box = guided.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = page.get_by_test_id("evidence-readout")
    assert readout.get_attribute("data-filter") == order[0]
    assert readout.get_attribute("data-what") == "guided"
    assert float(readout.get_attribute("data-value")) >= 0
    # the switch, the explanation and the first rows of pairs in one 1280×800 view
    page.evaluate(
        "const top = document.querySelector('label[for=layer-view-fire]').getBoundingClientRect()"
        ".top; window.scrollTo({top: window.scrollY + top - 12, behavior: 'instant'})"
    )
    page.wait_for_timeout(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "filter-evidence.png"))
    # back to the maps
    page.get_by_text("maps", exact=True).click()
    page.get_by_test_id("layer-maps").wait_for()
