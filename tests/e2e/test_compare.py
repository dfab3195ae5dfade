"""The Compare page (issue 22 part 1): the two zoo networks on one image, on the test split
(confusion difference → the images one gets right and the other wrong → Explore) and layer by
layer (CKA heatmap → both layers); then Tiny VGG's epoch 1 against epoch 4. Debian's Chromium,
a live server and a real Celery worker."""

import re

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_compare_two_networks_and_two_epochs(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    a, b = zoo["tiny-vgg"], zoo["deep-bn"]
    assert a.checkpoint_epochs[:1] == [1] and a.checkpoint_epochs[-1] == 4
    log_in(page, live_server)
    page.wait_for_url("**network=**")
    # Explore offers "Compare with…" for its image; the navbar leads to the page too
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={a.pk}&sample=3")
    page.get_by_test_id("compare-link").click()
    page.wait_for_url("**/compare**")
    assert f"a={a.pk}" in page.url and "sample=3" in page.url
    assert page.get_by_test_id("nav-compare").get_attribute("class").count("active")

    page.get_by_test_id("compare-network-b").select_option(str(b.pk))
    page.get_by_test_id("compare-run").click()

    # one image: both predictions, each with its model card and verdict
    for side in ("a", "b"):
        page.get_by_test_id(f"compare-prediction-{side}").wait_for(timeout=120_000)
    assert page.get_by_test_id("compare-image").get_by_text("open in Explore").count() == 2
    # each layer's first map in two aligned strips (as many columns in both), and a method's
    # maps side by side with their difference
    page.get_by_test_id("strip-a").first.locator("canvas").wait_for(timeout=60_000)
    assert page.get_by_test_id("strip-a").count() == page.get_by_test_id("strip-b").count() >= 8
    assert page.get_by_test_id("strip-a").locator("canvas").count() == 6  # tiny-vgg: no repeats
    page.get_by_test_id("pair-method").select_option("gradient")
    page.get_by_test_id("pair-explain").click()
    maps = page.get_by_test_id("pair-maps")
    maps.wait_for(timeout=120_000)
    for key in ("a", "b", "diff"):
        assert maps.get_by_test_id(f"pair-map-{key}").count() == 1
    page.get_by_test_id("image-pair").screenshot(path=str(SCREENSHOTS / "compare-image-pair.png"))

    # the test split: accuracies as the manifests say, a confusion difference that sums to 0
    accuracy = page.get_by_test_id("compare-accuracy")
    accuracy.wait_for(timeout=300_000)
    text = accuracy.inner_text()
    shown = [float(v) / 100 for v in re.findall(r"(\d{1,3}\.\d)%", text)[:2]]
    assert shown == pytest.approx([a.test_accuracy, b.test_accuracy], abs=0.0006)
    cells = page.locator("[data-testid^=diff-cell-]")
    assert cells.count() == 100
    # the biggest improvement off the diagonal: click it, get images with links for both
    values = page.evaluate("""() => [...document.querySelectorAll('[data-testid^=diff-cell-]')]
        .map(c => [c.dataset.testid, +c.innerText.replace('·', '0')])""")
    assert sum(v for _, v in values) == 0
    target = min((v, t) for t, v in values if t.split("-")[2] != t.split("-")[3])[1]
    page.get_by_test_id(target).click()
    listed = page.get_by_test_id("compare-cell")
    listed.get_by_test_id("example-link-a").first.wait_for()
    link_b = listed.get_by_test_id("example-link-b").first.get_attribute("href")
    assert f"network={b.pk}" in link_b and "sample=" in link_b
    rows = page.get_by_test_id("compare-disagreements").locator("li")
    assert rows.count() > 0

    # layer similarity: a heatmap of every layer of A against every layer of B
    heatmap = page.get_by_test_id("cka-heatmap")
    heatmap.wait_for(timeout=300_000)
    layers_a, layers_b = len(a.layers), len(b.layers)
    assert heatmap.locator(".cka-cell").count() == layers_a * layers_b
    page.get_by_test_id("cka-0-0").click()
    opened = page.get_by_test_id("cka-open")
    assert re.search(r"CKA \d\.\d{3}", opened.inner_text())
    hrefs = [opened.locator("a").nth(i).get_attribute("href") for i in range(2)]
    assert f"network={a.pk}" in hrefs[0] and f"network={b.pk}" in hrefs[1]
    assert all("layer=" in h for h in hrefs)
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot("compare-networks")
    page.screenshot(path=str(SCREENSHOTS / "compare-networks-full.png"), full_page=True)

    # Tiny VGG's epoch 1 against epoch 4 (its trained state): the same layers, diagonal high
    page.goto(f"{live_server.url}/compare?a={a.pk}&ea=1&b={a.pk}&eb=4&sample=0")
    page.get_by_test_id("cka-heatmap").wait_for(timeout=300_000)
    diagonal = page.evaluate(
        f"""() => [...Array({layers_a}).keys()].map(i => +document
            .querySelector(`[data-testid=cka-${{i}}-${{i}}]`).title.match(/CKA ([\\d.]+)/)[1])"""
    )
    assert len(diagonal) == layers_a and min(diagonal[:3]) > 0.8
    page.get_by_test_id("compare-accuracy").wait_for(timeout=300_000)
    assert "Tiny VGG · epoch 1" in page.get_by_test_id("compare-image").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("compare-epochs-phone")
