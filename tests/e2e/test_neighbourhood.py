"""Why was this misclassified? The neighbourhood view (issue 21 part 2), driven from Evaluate's
grid of a confusion cell and from Explore: the picture and its softmax, 20 labelled neighbours
ordered along the path, parallel coordinates whose brushing filters the grid, the path strip, the
student's weight images with their sentence, and a recompute with another radius. The grid's
choice is checked against the API's summary with an independent Python version of the rule
(the brushed neighbours, sorted by position, 20 evenly spread). Debian's Chromium, a live server
and a real Celery worker with the shipped Fashion-MNIST VAE."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def expected_grid(neighbours: dict, brush: tuple[int, float, float] | None, k: int = 20) -> list:
    """The rule of the page, written again: inside the brush, by position (ties by index), k
    evenly spread from the first to the last."""
    inside = [
        i
        for i, code in enumerate(neighbours["codes"])
        if brush is None or brush[1] <= code[brush[0]] <= brush[2]
    ]
    ordered = sorted(inside, key=lambda i: (neighbours["position"][i], i))
    if len(ordered) <= k:
        return ordered
    return [ordered[int(j * (len(ordered) - 1) / (k - 1) + 0.5)] for j in range(k)]


def shown(page) -> list[int]:
    return [
        int(v)
        for v in page.eval_on_selector_all(
            "[data-testid=neighbour]", "ns => ns.map(n => n.dataset.index)"
        )
    ]


def summary_of(page, live_server, result_id: str) -> dict:
    response = page.request.get(f"{live_server.url}/api/neighbourhoods/{result_id}/")
    assert response.ok
    return response.json()


def wait_result(page, other_than: str = "") -> str:
    """The id of the drawn result (a new one when `other_than` is given)."""
    page.wait_for_selector(
        f"[data-testid=neighbourhood][data-result]:not([data-result='']):not([data-result='{other_than}'])",
        timeout=240_000,
    )
    return page.get_by_test_id("neighbourhood").get_attribute("data-result")


def test_why_was_this_misclassified(log_in, page, live_server, celery_worker, zoo, user):
    network = zoo["tiny-vgg"]
    classes = network.labels
    log_in(page, live_server)
    page.wait_for_url("**network=**")

    # Evaluate: pictures the network gets right have no "Why?" link; in the Shirt → T-shirt
    # cell, each (wrong) example has one
    evaluate = f"{live_server.url}/evaluate?dataset=fashion-mnist&network={network.pk}"
    page.goto(f"{evaluate}&true=0&pred=0")
    page.wait_for_selector("[data-testid=example-grid] [data-testid=example]", timeout=240_000)
    assert page.get_by_test_id("example-why").count() == 0
    page.goto(f"{evaluate}&true=6&pred=0")
    page.wait_for_selector("[data-testid=example-grid] [data-testid=example]", timeout=240_000)
    example = page.get_by_test_id("example").first
    index = int(example.get_attribute("data-index"))
    assert example.get_by_test_id("example-why").count() == 1
    example.get_by_test_id("example-why").click()
    page.wait_for_url("**/neighbourhood?**")
    assert f"network={network.pk}" in page.url and f"index={index}" in page.url
    assert page.title().startswith("Why this answer?")

    # the job's progress, then the grid of 20 labelled neighbours
    first = wait_result(page)
    made = summary_of(page, live_server, first)
    summary = made["summary"]
    assert made["index"] == index and made["settings"]["radius"] == 1
    assert summary["true_label"] == 6 and summary["predicted"] == 0
    n = len(summary["neighbours"]["labels"])
    assert n == 200
    tiles = page.get_by_test_id("neighbour")
    assert tiles.count() == 20
    assert shown(page) == expected_grid(summary["neighbours"], None)
    for i, tile in zip(shown(page), tiles.all(), strict=True):
        name = classes[summary["neighbours"]["labels"][i]]
        assert tile.get_attribute("data-label") == name and name in tile.inner_text()
        assert re.search(r"\d+%", tile.inner_text())
    assert page.get_by_test_id("grid-count").inner_text().startswith("20 of 200 shown")

    # the picture and its softmax: ten bars, the answer first, the true class marked
    rows = page.get_by_test_id("nb-prediction").get_by_test_id("prediction-row")
    assert rows.count() == 10
    assert rows.first.get_attribute("data-label") == classes[0]
    truth = page.locator("[data-testid=nb-prediction] [data-testid=prediction-row].truth")
    assert truth.get_attribute("data-label") == classes[6]
    assert "misclassified" in page.get_by_test_id("nb-prediction").inner_text()

    # parallel coordinates: a line per neighbour, the picture's own code, a legend with counts
    assert page.get_by_test_id("pc-line").count() == n
    assert page.get_by_test_id("pc-own").count() == 1
    assert page.get_by_test_id("pc-hit").count() == summary["latent"] == 8
    legend = page.get_by_test_id("pc-legend").inner_text()
    for label, count in enumerate(summary["neighbours"]["counts"]):
        if count:
            assert f"{classes[label]} {count}" in legend

    # the path strip: the true class's mean … the picture … the predicted class's mean
    stops = page.get_by_test_id("path-stop")
    assert stops.count() == len(summary["path"]["labels"]) == 21
    assert stops.first.get_attribute("data-caption") == f"mean {classes[6]}"
    assert stops.nth(summary["path"]["image_index"]).get_attribute("data-caption") == "this picture"
    assert stops.last.get_attribute("data-caption") == f"mean {classes[0]}"

    # the student's weights, on the brown/teal scale, with the sentence and its fidelity
    assert page.get_by_test_id("weights-push").locator("canvas").count() == 1
    assert page.get_by_test_id("weights-true").locator("canvas").count() == 1
    assert page.get_by_test_id("weights-predicted").locator("canvas").count() == 1
    assert page.get_by_test_id("nb-push-sentence").inner_text() == (
        f"Teal pixels pushed the network towards {classes[0]} rather than {classes[6]} here; "
        f"brown pixels towards {classes[6]}."
    )
    fidelity = round(summary["student"]["fidelity"] * 100)
    assert (
        f"agrees with the network on {fidelity}% of the {summary['student']['held_out']} "
        "neighbours it did not see" in page.get_by_test_id("nb-fidelity").inner_text()
    )
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENSHOTS / "neighbourhood-desktop.png"), full_page=True)

    # brushing axis z1 (a drag over its middle) filters the lines and the grid
    hit = page.get_by_test_id("pc-hit").first
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 0.55, steps=6)
    page.mouse.up()
    brush = page.get_by_test_id("pc-brush")
    brush.wait_for()
    low, high = float(brush.get_attribute("data-low")), float(brush.get_attribute("data-high"))
    assert low < high
    expected = expected_grid(summary["neighbours"], (0, low, high))
    inside = sum(low <= c[0] <= high for c in summary["neighbours"]["codes"])
    assert 0 < inside < n
    assert page.get_by_test_id("pc-line").count() == inside
    assert shown(page) == expected
    assert (
        page.get_by_test_id("grid-count")
        .inner_text()
        .startswith(f"{min(20, inside)} of {inside} shown")
    )
    page.get_by_test_id("neighbour-grid-block").screenshot(
        path=str(SCREENSHOTS / "neighbourhood-brushed-grid.png")
    )
    page.get_by_test_id("parallel-coordinates").screenshot(
        path=str(SCREENSHOTS / "neighbourhood-brushed-axes.png")
    )
    # the reset button is reachable by keyboard and clears the brush
    page.get_by_test_id("pc-reset").focus()
    page.keyboard.press("Enter")
    assert page.get_by_test_id("pc-brush").count() == 0
    assert shown(page) == expected_grid(summary["neighbours"], None)
    # a click (no drag) on an axis clears that axis's brush
    page.mouse.move(x, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] * 0.6, steps=4)
    page.mouse.up()
    assert page.get_by_test_id("pc-brush").count() == 1
    page.mouse.click(x, box["y"] + box["height"] * 0.5)
    assert page.get_by_test_id("pc-brush").count() == 0
    assert len(shown(page)) == 20

    # another radius: a new request, the URL says so, a new result is drawn
    page.get_by_test_id("nb-radius").fill("2")
    page.get_by_test_id("nb-recompute").click()
    page.wait_for_url("**radius=2**")
    second = wait_result(page, other_than=first)
    again = summary_of(page, live_server, second)
    assert again["settings"]["radius"] == 2 and again["index"] == index
    assert shown(page) == expected_grid(again["summary"]["neighbours"], None)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "neighbourhood-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone: {width}px"
    page.set_viewport_size(DESKTOP)

    # Explore: the same picture is a dataset sample the network gets wrong
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample={index}")
    why = page.get_by_test_id("why-link")
    why.wait_for(timeout=180_000)
    assert why.inner_text() == "Why was this misclassified?"
    why.click()
    page.wait_for_url("**/neighbourhood?**")
    assert f"index={index}" in page.url
    wait_result(page)  # the stored result of the first request: reused at once
    assert page.get_by_test_id("neighbour").count() == 20

    # the API's sentence for a picture that does not exist
    page.goto(f"{live_server.url}/neighbourhood?network={network.pk}&index=99999")
    refused = page.get_by_test_id("nb-refused")
    refused.wait_for(timeout=30_000)
    assert "Choose a test picture from 0 to 9999" in refused.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "neighbourhood-refused.png"))

    # a network without a dataset: no test pictures, said in words
    network.dataset = None
    network.save()
    page.goto(f"{live_server.url}/neighbourhood?network={network.pk}&index=3")
    page.get_by_test_id("no-dataset").wait_for(timeout=30_000)
    assert "registered without a dataset" in page.get_by_test_id("no-dataset").inner_text()
