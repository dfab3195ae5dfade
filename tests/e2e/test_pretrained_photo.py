"""The pretrained colour network (EfficientNet-Lite0, ImageNet) with the "photos" set, as a user
meets it in Chromium: the cat photo is called a cat; the explorer's overview of its 142 layers;
the written-out arithmetic of a depthwise convolution equals the network's own value; Grad-CAM
on the photo; a page of feature visualisations of a mid layer."""

import pytest

from tests.fixtures.efficientnet import register_efficientnet_lite0

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"
CHELSEA = 0  # the cat: the first of the photos set
CATS = ("tabby cat", "tiger cat", "Egyptian cat")


def test_a_cat_photo_through_every_view(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    network = register_efficientnet_lite0()
    assert network.dataset.name == "photos"
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server)

    # Explore: the cat, the answer with ImageNet's class names, the overview in blocks.
    page.goto(f"{live_server.url}/?dataset=photos&network={network.pk}&sample={CHELSEA}")
    rows = page.get_by_test_id("prediction-row")
    rows.first.wait_for(timeout=240_000)  # its first analysis builds its graphs (slow when loaded)
    top5 = [rows.nth(i).inner_text() for i in range(5)]
    assert any("tabby cat" in row for row in top5), top5
    assert any(cat in top5[0] for cat in CATS), top5
    page.wait_for_selector(READY, timeout=60_000)
    assert page.get_by_test_id("block-column").count() >= 5  # 142 layers start collapsed
    screenshot("pretrained-explore-cat")

    # A depthwise convolution's value written out equals the network's own.
    page.goto(
        f"{live_server.url}/?dataset=photos&network={network.pk}&sample={CHELSEA}"
        "&layer=block2a_dwconv"
    )
    page.get_by_test_id("math-open").click(timeout=90_000)
    page.locator("[data-testid=layer-math][data-kind=depthwise]").wait_for(timeout=30_000)
    # the view opens on the layer's strongest value (a ReLU6 input is zero in many places)
    view = page.get_by_test_id("layer-math")
    value, own = float(view.get_attribute("data-value")), float(view.get_attribute("data-network"))
    assert own > 0 and abs(value - own) <= 1e-4 * max(1.0, abs(own)), (value, own)
    channel = page.get_by_test_id("math-cell").get_attribute("data-channel")
    text = page.get_by_test_id("math-depthwise").inner_text()
    assert f"reads only input channel {channel}" in text, text  # depth multiplier 1
    assert page.get_by_test_id("math-conv-lines").locator("li").count() == 1
    screenshot("pretrained-depthwise-math")

    # Explain: Grad-CAM on the cat.
    page.goto(f"{live_server.url}/?dataset=photos&network={network.pk}&sample={CHELSEA}")
    page.get_by_test_id("explain-link").click(timeout=90_000)
    page.get_by_test_id("method-select").select_option("gradcam")
    page.locator("[data-testid=main-view] canvas").first.wait_for(timeout=120_000)
    page.get_by_test_id("map-summary").wait_for(timeout=120_000)
    screenshot("pretrained-explain-gradcam")

    # Feature visualisation: the first page of a mid layer's filters.
    page.goto(
        f"{live_server.url}/?dataset=photos&network={network.pk}&sample={CHELSEA}"
        "&layer=block4a_expand_conv"
    )
    page.get_by_test_id("feature-vis-start").click(timeout=90_000)
    page.get_by_test_id("feature-vis-grid").wait_for(timeout=240_000)
    assert page.get_by_test_id("feature-vis-image").count() == 16
    page.get_by_test_id("feature-vis").scroll_into_view_if_needed()
    screenshot("pretrained-feature-vis")

    # Evaluate on the photos: three have an ImageNet class, four none (left out, said so); of
    # 1000 classes the matrix draws the few with images or answers.
    page.goto(f"{live_server.url}/evaluate?dataset=photos&network={network.pk}")
    page.get_by_test_id("accuracy").wait_for(timeout=180_000)
    assert "of\n3 test images" in page.get_by_test_id("accuracy").locator("..").inner_text() or (
        " 3 test images" in page.get_by_test_id("accuracy").locator("..").inner_text()
    )
    assert "4 more images show none" in page.get_by_test_id("unlabelled-note").inner_text()
    assert "1,000 classes" in page.get_by_test_id("focus-note").inner_text()
    cells = page.get_by_test_id("confusion-cell").count()
    assert 1 <= cells <= 7 * 7, cells  # three true classes and at most seven answers
    screenshot("pretrained-evaluate")
