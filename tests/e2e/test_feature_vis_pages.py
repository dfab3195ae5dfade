"""Feature visualisation of a large layer a page at a time: ResNet50 (64×64) conv1_conv has 64
filters, so the grid asks for the first 16 and "More filters" adds the next 16. Chromium."""

import pytest

from tests.e2e.test_real_size_overview import register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_more_filters_grows_the_grid(log_in, page, live_server, celery_worker, zoo, user,
                                     screenshot, tmp_path):  # fmt: skip
    from backend.features.models import FeatureVis

    network = register("resnet50", tmp_path)
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv1_conv"
    )
    panel = page.get_by_test_id("feature-vis")
    panel.wait_for(timeout=90_000)
    page.get_by_test_id("feature-vis-start").click()
    page.get_by_test_id("feature-vis-grid").wait_for(timeout=180_000)
    images = page.get_by_test_id("feature-vis-image")
    assert images.count() == 16
    label = page.get_by_test_id("feature-vis-page")
    assert label.inner_text().strip() == "Filters 1–16 of 64"

    page.get_by_test_id("feature-vis-more").click()
    page.wait_for_selector("[data-testid=feature-vis-page][data-shown='32']", timeout=180_000)
    assert images.count() == 32
    assert [images.nth(i).get_attribute("data-filter") for i in (0, 15, 16, 31)] == [
        "0", "15", "16", "31",
    ]  # fmt: skip
    assert label.inner_text().strip() == "Filters 1–32 of 64"
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=feature-vis-image] img')]"
        ".every((img) => img.complete && img.naturalWidth === 64)",
        timeout=30_000,
    )
    assert page.get_by_test_id("feature-vis-more").is_visible()
    # Two jobs, a page each: the first without "filters" (the server's default page).
    asked = [vis.filters for vis in FeatureVis.objects.order_by("id")]
    assert asked == [list(range(16)), list(range(16, 32))]
    panel.screenshot(
        path=str(screenshot("feature-vis-pages").with_name("feature-vis-pages-grid.png"))
    )
