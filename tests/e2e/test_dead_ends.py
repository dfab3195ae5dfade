"""No silent dead ends (issue 19, part 6): a dataset without a network says so and links to the
Models page; a link naming a network or dataset that does not exist says so instead of opening
another; Explain and the lesson editor offer a network registered without a dataset uploads
only, with no "not found". Debian's Chromium and a live server (no job runs here)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dead_ends_are_said_in_words(log_in, page, live_server, zoo, user, screenshot):
    from backend.networks.models import Network
    from tests.fixtures.networks import private_network

    assert not Network.objects.filter(dataset__name="digits").exists()  # the planted case
    bare = private_network(user, zoo["tiny-vgg"], "no-dataset-net")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server)

    # Explore, a dataset no network was trained on: said, with the Models page one click away,
    # and no samples offered that could not run.
    page.goto(f"{live_server.url}/?dataset=digits")
    notice = page.get_by_test_id("no-network")
    notice.wait_for(timeout=30_000)
    assert "No network has been trained on this dataset" in notice.inner_text()
    assert notice.get_by_role("link", name="Models page").get_attribute("href") == "/models"
    assert page.get_by_test_id("sample-thumb").count() == 0
    screenshot("dead-end-dataset-without-network")

    # A link naming a network that does not exist: said; no other network opened in its place.
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network=987654")
    missing = page.get_by_test_id("missing-network")
    missing.wait_for(timeout=30_000)
    assert "no network #987654" in missing.inner_text()
    page.wait_for_timeout(500)  # the old code replaced it with the most accurate one by now
    assert "network=987654" in page.url
    assert page.get_by_test_id("layer-row").count() == 0
    screenshot("dead-end-missing-network")

    # Explain: a dataset that does not exist, then a network that does not exist.
    page.goto(f"{live_server.url}/explain?dataset=no-such-data")
    missing = page.get_by_test_id("missing-dataset")
    missing.wait_for(timeout=30_000)
    assert "no-such-data" in missing.inner_text()
    page.goto(f"{live_server.url}/explain?network=987654")
    page.get_by_test_id("missing-network").wait_for(timeout=30_000)
    assert "network=987654" in page.url
    screenshot("dead-end-explain-missing-network")

    # Explain, a network registered without a dataset: upload only, no error.
    page.goto(f"{live_server.url}/explain?network={bare.pk}")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=dataset-select]')?.value === '~none'",
        timeout=30_000,
    )
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=network-select]')?.value === '{bare.pk}'"
    )
    upload = page.locator("input[type=file]").first
    upload.wait_for(state="attached")
    page.wait_for_function("() => document.querySelector('input[type=file]')?.disabled === false")
    assert page.get_by_test_id("sample-thumb").count() == 0
    assert page.get_by_test_id("error-message").count() == 0
    assert "not found" not in page.locator("main, body").first.inner_text().lower()
    screenshot("dead-end-explain-without-dataset")

    # The lesson editor: the same network, an upload instead of samples, no "not found".
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name="teacher")[0])  # only teachers write lessons
    page.goto(f"{live_server.url}/lessons")
    page.get_by_test_id("lesson-new").click()
    picker = page.get_by_test_id("step-picker")
    picker.wait_for(timeout=30_000)
    picker.get_by_test_id("dataset-select").select_option("~none")
    picker.locator(f"[data-testid=network-select] option[value='{bare.pk}']").wait_for(
        state="attached"
    )
    picker.get_by_test_id("network-select").select_option(str(bare.pk))
    picker.get_by_test_id("step-upload").wait_for()
    assert picker.get_by_test_id("sample-thumb").count() == 0
    assert "not found" not in picker.inner_text().lower()
    assert picker.get_by_test_id("error-message").count() == 0
