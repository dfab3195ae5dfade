"""Feature visualisation in the explorer's layer view: one optimised picture per filter, in
the order of the layer's maps, computed by the worker once and then shown from storage."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_filter_gets_a_picture(log_in, page, live_server, celery_worker, zoo, user,
                                    screenshot):  # fmt: skip
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_2_2"
    )
    panel = page.get_by_test_id("feature-vis")
    panel.wait_for(timeout=60_000)
    assert panel.get_attribute("data-kind") == "filters"
    page.get_by_test_id("feature-vis-start").click()
    grid = page.get_by_test_id("feature-vis-grid")
    grid.wait_for(timeout=120_000)
    images = page.get_by_test_id("feature-vis-image")
    assert images.count() == 32
    assert [images.nth(i).get_attribute("data-filter") for i in (0, 1, 31)] == ["0", "1", "31"]
    # Every picture has loaded (a PNG from the server, not a broken image).
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=feature-vis-image] img')]"
        ".every((img) => img.complete && img.naturalWidth === 28)",
        timeout=30_000,
    )
    assert "Try this:" in page.get_by_test_id("feature-vis-try").inner_text()
    images.nth(5).hover()
    panel.scroll_into_view_if_needed()
    shot = screenshot("feature-vis-conv_2_2")
    panel.screenshot(path=str(shot.with_name("feature-vis-conv_2_2-grid.png")))

    # Closing and reopening the layer asks again: the stored result is shown at once.
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_2_2"
    )
    page.get_by_test_id("feature-vis-start").click(timeout=60_000)
    grid.wait_for(timeout=10_000)
    assert "Shown from a stored result" in panel.inner_text()

    # The output layer shows one picture per class.
    output = network.layers[-1]["name"]
    page.goto(
        f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer={output}"
    )
    classes = page.get_by_test_id("feature-vis")
    classes.wait_for(timeout=60_000)
    assert classes.get_attribute("data-kind") == "classes"
    page.get_by_test_id("feature-vis-start").click()
    grid.wait_for(timeout=120_000)
    assert images.count() == len(network.labels)
    shot = screenshot("feature-vis-classes")
    classes.screenshot(path=str(shot.with_name("feature-vis-classes-grid.png")))
