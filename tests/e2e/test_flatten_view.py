"""The flatten view in the explorer: the 7×7×32 block of max_pool_2 unrolled into one list of
1,568 values (channel fastest), lines to one output class coloured by weight, and the class's
score written out and checked against the network's own softmax."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=flatten-view][data-difference]:not([data-difference=''])"


def readout(page) -> dict[str, int]:
    r = page.get_by_test_id("flatten-readout")
    return {key: int(r.get_attribute(f"data-{key}")) for key in ("index", "row", "col", "channel")}


def hover_strip(page, fraction: float) -> dict[str, int]:
    """Point at the list `fraction` of the way down; the readout follows."""
    strip = page.get_by_test_id("flatten-strip")
    strip.scroll_into_view_if_needed()
    box = strip.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * fraction)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=flatten-readout]').dataset.index !== ''"
    )
    return readout(page)


def test_flatten_view_unrolls_the_block_and_writes_out_the_score(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = zoo["tiny-vgg"]
    flatten = next(x for x in network.layers if x["name"] == "flatten")
    assert flatten["input_shape"][-3:] == [7, 7, 32]
    h, w, c = 7, 7, 32
    n = h * w * c

    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=flatten"
    )
    view = page.get_by_test_id("flatten-view")
    page.wait_for_selector(READY, timeout=60_000)

    # The written-out scores, through softmax, are the network's own output (float32 rounding).
    assert float(view.get_attribute("data-difference")) < 1e-4
    assert page.get_by_test_id("flatten-strip").get_attribute("data-values") == str(n)
    classes = page.get_by_test_id("flatten-class")
    assert classes.count() == 10

    # By default the chosen class is the prediction: the highest score, the explorer's top bar.
    chosen = int(view.get_attribute("data-class"))
    assert chosen == int(view.get_attribute("data-predicted"))
    scores = [
        float(classes.nth(j).get_attribute("aria-label").split("score ")[1].split(",")[0])
        for j in range(10)
    ]
    assert scores[chosen] == max(scores)
    top_label = page.get_by_test_id("prediction-row").first.get_attribute("data-label")
    chosen_node = page.locator(f"[data-testid=flatten-class][data-class='{chosen}']")
    assert chosen_node.get_attribute("aria-pressed") == "true"
    assert chosen_node.inner_text().startswith(top_label)
    score_text = page.get_by_test_id("flatten-score").inner_text()
    assert score_text.startswith(f"score({top_label}) = Σ of 1,568 products")
    assert "agrees" in page.get_by_test_id("flatten-check").inner_text()

    # Pointing at the list: (row, column, channel) is where the value sat, channel fastest.
    seen = set()
    for fraction in (0.02, 0.37, 0.5, 0.81, 0.99):
        r = hover_strip(page, fraction)
        assert r["index"] == (r["row"] * w + r["col"]) * c + r["channel"], r
        assert abs(r["index"] - fraction * n) <= 8, (fraction, r)
        seen.add(r["index"])
        text = page.get_by_test_id("flatten-readout").inner_text()
        assert text.startswith(
            f"value {r['index']:,} = row {r['row']}, column {r['col']}, channel {r['channel']}"
            " of max_pool_2: x = "
        )
        assert f"weight to {top_label} = " in text and "contribution x·w = " in text
    assert len(seen) == 5

    # Keyboard: the list is a slider; the arrow keys step one value, Page Down one position.
    hover_strip(page, 0.5)
    strip = page.get_by_test_id("flatten-strip")
    strip.focus()
    before = readout(page)["index"]
    page.keyboard.press("ArrowDown")
    assert readout(page)["index"] == before + 1
    page.keyboard.press("PageDown")
    after = readout(page)
    assert after["index"] == before + 1 + c
    assert strip.get_attribute("aria-valuenow") == str(after["index"])

    # Pointing at a map cell finds the same value.
    maps = page.get_by_test_id("flatten-maps")
    box = maps.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + 2)  # channel 0, row 0, column 0
    assert readout(page) == {"index": 0, "row": 0, "col": 0, "channel": 0}

    # The channels that add most to the class: clicking one finds its strongest cell.
    channels = page.get_by_test_id("flatten-channel")
    assert channels.count() == 5
    sums = [abs(float(channels.nth(i).get_attribute("data-sum"))) for i in range(5)]
    assert sums == sorted(sums, reverse=True)
    picked = int(channels.nth(1).get_attribute("data-channel"))
    channels.nth(1).click()
    assert readout(page)["channel"] == picked

    view.scroll_into_view_if_needed()
    screenshot("flatten-view")

    # Another class: its node is chosen, its score and lines replace the prediction's.
    other = (chosen + 1) % 10
    page.locator(f"[data-testid=flatten-class][data-class='{other}']").click()
    page.wait_for_selector(f"[data-testid=flatten-view][data-class='{other}']")
    assert float(view.get_attribute("data-score")) == pytest.approx(scores[other], abs=5e-3)
    assert float(view.get_attribute("data-score")) < max(scores)
    other_label = page.locator(f"[data-testid=flatten-class][data-class='{other}']").inner_text()
    assert (
        page.get_by_test_id("flatten-score")
        .inner_text()
        .startswith(f"score({other_label.splitlines()[0].strip()})")
    )
    screenshot("flatten-view-other-class")
    # … and from the keyboard: Tab reaches the class buttons, Enter chooses.
    node = page.locator(f"[data-testid=flatten-class][data-class='{chosen}']")
    node.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"[data-testid=flatten-view][data-class='{chosen}']")
    hover_strip(page, 0.6)
    screenshot("flatten-view-hover")

    # On a phone: nothing wider than the screen (the figure scrolls inside itself).
    page.set_viewport_size({"width": 390, "height": 844})
    view.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    r = hover_strip(page, 0.25)
    assert r["index"] == (r["row"] * w + r["col"]) * c + r["channel"]
    view.scroll_into_view_if_needed()
    screenshot("flatten-view-phone")

    # The weights cannot be read: the view says so, and what to try.
    detail = page.request.get(f"{live_server.url}/api/networks/{network.pk}/").json()
    kernel_url = next(x for x in detail["layers"] if x["name"] == "output")["weight_urls"]["kernel"]
    page.route(f"**{kernel_url}**", lambda route: route.fulfill(status=500, body="broken"))
    page.reload()
    error = page.get_by_test_id("flatten-error")
    error.wait_for(timeout=60_000)
    assert "Could not show how flatten is read" in error.inner_text()
    assert "Try" in error.inner_text()
