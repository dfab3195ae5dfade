"""The convolution's intermediate view in the explorer: the parts add up to the channel, and a
kernel window slides over every input channel in step."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def position(page) -> tuple[int, int]:
    readout = page.get_by_test_id("intermediate-position")
    return int(readout.get_attribute("data-row")), int(readout.get_attribute("data-col"))


def wait_for_check(page) -> float:
    check = page.get_by_test_id("intermediate-check")
    check.wait_for(timeout=30_000)
    return float(check.get_attribute("data-difference"))


def test_a_channel_is_the_sum_of_its_parts(log_in, page, live_server, celery_worker, zoo, user,
                                           screenshot):  # fmt: skip
    network = zoo["tiny-vgg"]
    # Reduced motion: the view must open paused, so every step below is the reader's own.
    page.emulate_media(reduced_motion="reduce")
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_1_2"
    )
    page.get_by_test_id("intermediate-open").click(timeout=60_000)
    view = page.get_by_test_id("conv-intermediate")
    view.wait_for(timeout=30_000)
    in_channels = next(x for x in network.layers if x["name"] == "conv_1_2")["input_shape"][-1]
    assert in_channels == 16
    # Full precision: the sum of the parts is the network's own output to float32 rounding.
    assert wait_for_check(page) < 1e-3
    # One row per input channel: the first 8, then all of them on demand.
    rows = page.get_by_test_id("intermediate-part")
    assert rows.count() == 8
    assert rows.first.locator("canvas").count() == 3  # input channel, kernel slice, part
    page.get_by_test_id("intermediate-all").click()
    assert rows.count() == in_channels
    assert rows.nth(15).get_attribute("data-input-channel") == "15"

    # The kernel steps through the output cells in reading order.
    play = page.get_by_test_id("intermediate-play")
    assert play.get_attribute("data-playing") == "false"
    assert position(page) == (0, 0)
    page.get_by_test_id("intermediate-step").click()
    assert position(page) == (0, 1)
    page.get_by_test_id("intermediate-step").click()
    page.get_by_test_id("intermediate-back").click()
    assert position(page) == (0, 1)
    assert (
        "output row 0, column 1: sum =" in page.get_by_test_id("intermediate-position").inner_text()
    )
    page.get_by_test_id("intermediate-restart").click()
    assert position(page) == (0, 0)
    # Play moves it on its own; pause stops it where it is.
    page.get_by_test_id("intermediate-speed").select_option("16")
    play.click()
    assert play.get_attribute("data-playing") == "true"
    page.wait_for_function(
        "() => document.querySelector('[data-testid=intermediate-position]').dataset.row !== '0'"
    )
    play.click()
    assert play.get_attribute("data-playing") == "false"
    stopped = position(page)
    page.wait_for_timeout(300)
    assert position(page) == stopped
    assert wait_for_check(page) < 1e-3
    # The slider jumps anywhere: output cell 400 of 28 × 28 is row 14, column 8.
    page.get_by_test_id("intermediate-scrub").fill("400")
    assert position(page) == (14, 8)
    # Clicking a cell of the sum moves the kernel there.
    total = page.get_by_test_id("intermediate-total").locator("canvas").first
    total.scroll_into_view_if_needed()
    box = total.bounding_box()
    page.mouse.click(box["x"] + 20.5 / 28 * box["width"], box["y"] + 5.5 / 28 * box["height"])
    assert position(page) == (5, 20)
    view.scroll_into_view_if_needed()
    path = screenshot("conv-intermediate")
    view.screenshot(path=str(path.with_name("conv-intermediate-view.png")))

    # Another channel: click its map.
    page.locator("[data-testid=layer-map][data-channel='3']").click()
    page.wait_for_selector("[data-testid=conv-intermediate][data-channel='3']")
    assert wait_for_check(page) < 1e-3
    assert position(page) == (0, 0)

    # Switching layers fetches nothing for this view until it is asked for again.
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.locator("[data-testid=layer-row][data-layer=conv_1_1] [data-testid=layer-open]").click()
    page.wait_for_selector("[data-testid=layer-panel][data-layer=conv_1_1]")
    page.get_by_test_id("intermediate-open").wait_for(timeout=30_000)
    assert page.get_by_test_id("conv-intermediate").count() == 0
    assert not [u for u in seen if "dtype=float32" in u or "/intermediate/" in u], seen

    # The first conv reads the image: one input channel, one row, no "show all". Without
    # reduced motion the kernel starts sliding on its own.
    page.emulate_media(reduced_motion="no-preference")
    page.get_by_test_id("intermediate-open").click()
    assert wait_for_check(page) < 1e-3
    assert rows.count() == 1
    assert page.get_by_test_id("intermediate-all").count() == 0
    assert play.get_attribute("data-playing") == "true"
    page.wait_for_function(
        "() => document.querySelector('[data-testid=intermediate-position]').dataset.col !== '0'"
    )
    play.click()
    page.get_by_test_id("conv-intermediate").scroll_into_view_if_needed()
    path = screenshot("conv-intermediate-first-layer")
    view.screenshot(path=str(path.with_name("conv-intermediate-first-layer-view.png")))

    # On a phone the rows still fit: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("conv-intermediate").scroll_into_view_if_needed()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    path = screenshot("conv-intermediate-phone")
    view.screenshot(path=str(path.with_name("conv-intermediate-phone-view.png")))


def test_many_input_channels_no_bias_no_activation(log_in, page, live_server, celery_worker, zoo,
                                                   user, screenshot):  # fmt: skip
    """deep-bn's convolutions have no bias and no fused activation (batch norm follows), and
    the last one reads 48 channels: 8 rows shown, the sum over all 48."""
    network = zoo["deep-bn"]
    page.emulate_media(reduced_motion="reduce")
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_3_1"
    )
    page.get_by_test_id("intermediate-open").click(timeout=60_000)
    in_channels = next(x for x in network.layers if x["name"] == "conv_3_1")["input_shape"][-1]
    assert wait_for_check(page) < 1e-3
    rows = page.get_by_test_id("intermediate-part")
    assert rows.count() == 8
    page.get_by_test_id("intermediate-all").click()
    assert rows.count() == in_channels
    text = page.get_by_test_id("intermediate-position").inner_text()
    assert "bias" not in text and "→" not in text, text
    assert f"{in_channels - 8} more parts" in text
    page.get_by_test_id("intermediate-step").click()
    assert position(page) == (0, 1)
