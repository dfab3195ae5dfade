"""The convolution's intermediate view in the explorer: the parts add up to the channel."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_channel_is_the_sum_of_its_parts(log_in, page, live_server, celery_worker, zoo, user,
                                           screenshot):  # fmt: skip
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_1_2"
    )
    page.get_by_test_id("intermediate-open").click(timeout=60_000)
    view = page.get_by_test_id("conv-intermediate")
    view.wait_for(timeout=30_000)
    in_channels = next(x for x in network.layers if x["name"] == "conv_1_2")["input_shape"][-1]
    check = page.get_by_test_id("intermediate-check")
    check.wait_for(timeout=30_000)
    assert page.get_by_test_id("intermediate-part").count() == in_channels
    # The page holds activations in half precision (the API test checks 1e-5 in float32).
    assert float(check.get_attribute("data-difference")) < 5e-3
    # Another channel: click its map.
    page.locator("[data-testid=layer-map][data-channel='3']").click()
    page.wait_for_selector("[data-testid=conv-intermediate][data-channel='3']")
    page.wait_for_selector("[data-testid=intermediate-check]", timeout=30_000)
    difference = page.get_by_test_id("intermediate-check").get_attribute("data-difference")
    assert float(difference) < 5e-3
    view.scroll_into_view_if_needed()
    screenshot("conv-intermediate")
