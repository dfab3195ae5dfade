"""The Evaluate page (dataset level): accuracy and per-class bars, confusion matrix → grid of
images → Explore, the misclassification chord diagram with its tooltip, the embedding scatter
(hover, box selection), top-activating examples with receptive-field boxes, URL state and the
phone layout. Debian's Chromium, a live server and a real Celery worker."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The largest off-diagonal cell of the matrix: [true, predicted, count].
WORST_CELL = """() => {
  let best = null
  for (const c of document.querySelectorAll('[data-testid=confusion-cell]')) {
    const t = +c.dataset.true, p = +c.dataset.pred, n = +c.dataset.count
    if (t !== p && (!best || n > best[2])) best = [t, p, n]
  }
  return best
}"""

# A point inside a ribbon that is really on top there (not covered by another ribbon).
RIBBON_POINT = """(sel) => {
  const path = document.querySelector(sel)
  const svg = path.ownerSVGElement
  const box = path.getBBox()
  const m = path.getScreenCTM()
  for (let fy = 0.5; fy < 1; fy += 0.05) for (const f of [fy, 1 - fy]) {
    for (let fx = 0.1; fx < 0.95; fx += 0.05) {
      const pt = new DOMPoint(box.x + box.width * fx, box.y + box.height * f)
      if (!path.isPointInFill(pt)) continue
      const s = pt.matrixTransform(m)
      if (document.elementFromPoint(s.x, s.y) === path) return [s.x, s.y]
    }
  }
  return null
}"""


IMAGES_LOADED = """(sel) => [...document.querySelectorAll(sel + ' img')]
  .every(i => i.complete && i.naturalWidth > 0)"""


def count(page, selector: str) -> int:
    return page.locator(selector).count()


def test_evaluate_matrix_chord_scatter_and_top_activations(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = zoo["tiny-vgg"]
    log_in(page, live_server)

    # The navbar leads to the page (once the explorer has settled on its default network); the
    # evaluation of the 10,000 test images runs once.
    page.wait_for_url("**network=**")
    page.get_by_test_id("nav-evaluate").click()
    page.wait_for_url("**/evaluate**")
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    accuracy = page.get_by_test_id("accuracy")
    accuracy.wait_for(timeout=180_000)
    assert re.fullmatch(r"\d{1,3}\.\d%", accuracy.inner_text()), accuracy.inner_text()
    assert f"network={network.pk}" in page.url and "dataset=fashion-mnist" in page.url
    labels = page.locator("[data-testid=class-bar]").count()
    assert labels == 10
    assert count(page, "[data-testid=confusion-cell]") == labels * labels
    total = sum(
        int(c)
        for c in page.eval_on_selector_all(
            "[data-testid=confusion-cell]", "cs => cs.map(c => c.dataset.count)"
        )
    )
    assert total == 10_000

    # An off-diagonal cell opens the grid of exactly those images, most confident first.
    t, p, n = page.evaluate(WORST_CELL)
    assert n > 0
    page.locator(f"[data-testid=confusion-cell][data-true='{t}'][data-pred='{p}']").click()
    selection = page.locator("[data-testid=selection][data-kind=cell]")
    selection.wait_for()
    page.wait_for_selector("[data-testid=example-grid] [data-testid=example]")
    assert f"true={t}" in page.url and f"pred={p}" in page.url
    assert selection.get_attribute("data-count") == str(n)
    examples = selection.get_by_test_id("example")
    assert examples.count() == min(n, 24)
    first = examples.first
    index = first.get_attribute("data-index")
    assert "said" in first.inner_text()

    # Clicking a picture shows its full softmax distribution.
    first.locator("button").click()
    detail = page.get_by_test_id("example-detail")
    detail.get_by_test_id("probability-bars").wait_for()
    assert detail.locator("[data-testid=probability-bars] g[data-class]").count() == labels
    assert f"example={index}" in page.url

    # The chord diagram: hovering a ribbon gives both directions' numbers from the matrix.
    ribbon = f"[data-testid=chord-ribbon][data-source='{t}'][data-target='{p}']"
    if count(page, ribbon) == 0:  # the larger direction is the ribbon's source
        ribbon = f"[data-testid=chord-ribbon][data-source='{p}'][data-target='{t}']"
    page.locator(ribbon).scroll_into_view_if_needed()
    point = page.evaluate(RIBBON_POINT, ribbon)
    assert point, "no visible point on the ribbon"
    page.mouse.move(*point)
    tip = page.get_by_test_id("chord-tooltip")
    tip.wait_for()
    source = int(page.locator(ribbon).get_attribute("data-source"))
    target = int(page.locator(ribbon).get_attribute("data-target"))

    def cell(a, b):
        sel = f"[data-testid=confusion-cell][data-true='{a}'][data-pred='{b}']"
        return int(page.locator(sel).get_attribute("data-count"))

    assert tip.get_by_test_id("tip-ab").inner_text().replace(",", "") == str(cell(source, target))
    assert tip.get_by_test_id("tip-ba").inner_text().replace(",", "") == str(cell(target, source))
    assert "taken for" in tip.inner_text()
    page.get_by_test_id("chord").screenshot(path=str(SCREENSHOTS / "evaluate-chord-hover.png"))
    page.get_by_test_id("summary").scroll_into_view_if_needed()
    page.wait_for_function(IMAGES_LOADED, arg="[data-testid=selection]", timeout=30_000)
    screenshot("evaluate-matrix")

    # Clicking the ribbon opens the grid of its larger direction.
    page.mouse.click(*point)
    page.wait_for_url(f"**true={source}**")
    assert f"pred={target}" in page.url

    # Every image opens in the explorer with the same network and sample.
    page.wait_for_selector(
        f"[data-testid=selection][data-kind=cell][data-count='{cell(source, target)}']"
        " [data-testid=example]"
    )
    first = page.locator("[data-testid=selection] [data-testid=example]").first
    index = first.get_attribute("data-index")
    first.get_by_test_id("example-explore").click()
    page.wait_for_url(re.compile(rf"/\?.*sample={index}"))
    assert f"network={network.pk}" in page.url and "dataset=fashion-mnist" in page.url
    page.go_back()
    accuracy.wait_for(timeout=30_000)

    # The embedding scatter (PCA of 2,000 images): canvas, hover tooltip, box selection.
    page.locator("label[for=m-pca]").click()
    page.get_by_test_id("points-select").select_option(label="2,000 (random sample)")
    page.get_by_test_id("run-embedding").click()
    canvas = page.locator("[data-testid=scatter-canvas][data-drawn=true]")
    canvas.wait_for(timeout=180_000)
    assert "method=pca" in page.url
    assert canvas.get_attribute("data-points") == "2000"
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    sx, sy = page.evaluate(
        "() => document.querySelector('[data-testid=scatter-canvas]').__screenOf(7)"
    )
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    stip = page.get_by_test_id("scatter-tooltip")
    stip.wait_for()
    assert stip.get_by_test_id("tip-true").inner_text()
    assert stip.get_by_test_id("tip-pred").inner_text()
    assert stip.locator("img").count() == 1
    # A click pins the card, with links to the explorer and the Explain page.
    box = canvas.bounding_box()
    sx, sy = page.evaluate(
        "() => document.querySelector('[data-testid=scatter-canvas]').__screenOf(7)"
    )
    page.mouse.click(box["x"] + sx, box["y"] + sy)
    link = stip.get_by_test_id("tip-explore")
    link.wait_for()
    assert "sample=" in link.get_attribute("href")
    hover_shot = SCREENSHOTS / "evaluate-scatter-hover.png"
    page.get_by_test_id("embedding").screenshot(path=str(hover_shot))
    legend = page.get_by_test_id("scatter-legend")
    assert "misclassified" in legend.inner_text()
    screenshot("evaluate-scatter")

    # Wheel zoom keeps drawing; shift+drag selects a box around the centre.
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -200)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.keyboard.down("Shift")
    page.mouse.move(cx - 120, cy - 90)
    page.mouse.down()
    page.mouse.move(cx + 120, cy + 90, steps=6)
    page.mouse.up()
    page.keyboard.up("Shift")
    boxed = page.locator("[data-testid=selection][data-kind=box]")
    boxed.wait_for()
    assert "box=" in page.url and "true=" not in page.url
    assert int(boxed.get_attribute("data-count")) > 0
    assert boxed.get_by_test_id("example").count() > 0

    # Top-activating examples for a convolution layer, with receptive-field boxes.
    layer_select = page.get_by_test_id("top-layer-select")
    options = layer_select.locator("option").all_inner_texts()
    conv = [o for o in options if "Conv2D" in o][-1].split(" ")[0]  # the last convolution
    layer_select.select_option(conv)
    page.get_by_test_id("run-top").click()
    top = page.locator(f"[data-testid=top-activations][data-layer='{conv}']")
    top.wait_for(timeout=180_000)
    assert f"layer={conv}" in page.url
    assert top.get_by_test_id("top-filter").count() >= 1
    assert top.get_by_test_id("rf-box").count() >= 1
    width = top.get_by_test_id("rf-box").first.bounding_box()["width"]
    assert 2 < width <= 56
    top.scroll_into_view_if_needed()
    page.wait_for_function(IMAGES_LOADED, arg="[data-testid=top-activations]", timeout=60_000)
    screenshot("evaluate-top")
    row_shot = SCREENSHOTS / "evaluate-top-row.png"
    top.get_by_test_id("top-filter").first.screenshot(path=str(row_shot))

    # Reload: the same view comes back from the URL (evaluation and embedding cached).
    before = page.url
    page.reload()
    page.locator("[data-testid=scatter-canvas][data-drawn=true]").wait_for(timeout=60_000)
    page.locator("[data-testid=selection][data-kind=box] [data-testid=example]").first.wait_for()
    page.locator("[data-testid=top-activations] [data-testid=rf-box]").first.wait_for(
        timeout=60_000
    )
    assert page.url == before


def test_evaluate_phone_layout(log_in, browser, live_server, celery_worker, zoo, user):
    network = zoo["tiny-vgg"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    try:
        log_in(page, live_server)
        page.goto(
            f"{live_server.url}/evaluate?dataset=fashion-mnist&network={network.pk}"
            "&true=6&pred=0&method=pca"
        )
        page.get_by_test_id("accuracy").wait_for(timeout=180_000)
        page.wait_for_selector("[data-testid=selection] [data-testid=example]")
        page.locator("[data-testid=scatter-canvas][data-drawn=true]").wait_for(timeout=180_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > 391)"
            ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.dataset.testid || ''))"
        )
        page.wait_for_function(IMAGES_LOADED, arg="[data-testid=selection]", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "evaluate-phone.png"), full_page=True)
        for part in ("summary", "confusion-matrix", "selection"):
            page.get_by_test_id(part).scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"evaluate-phone-{part}.png"))
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px): {wide}"
        nav = page.locator("nav.app-navbar")
        assert nav.bounding_box()["height"] < 70, "the navbar wraps on a phone"
    finally:
        context.close()
