"""Log-out forgets everything (issue 16): on a shared computer the next person signing in in the
same tab (same page, no reload) is never shown the previous user's results, neither in the page
nor from the front end's in-memory caches. Debian's Chromium, a live server and a real worker."""

import pytest

from tests.fixtures.images import fashion_sample_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"
OVERLAY = "[data-testid=main-view] canvas[data-testid=overlay][data-drawn=true]"

# Watches the page from now on: every DOM change (before it is painted: MutationObserver callbacks
# run before the next frame) is searched for the markers, and every hit is kept.
WATCH = """(markers) => {
  window.__leaks = []
  const look = () => {
    const html = document.documentElement.outerHTML
    for (const m of markers) if (html.includes(m)) window.__leaks.push(m)
  }
  look()
  new MutationObserver(look).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, characterData: true,
  })
}"""
LEAKS = "() => window.__leaks"
# In-app navigation, as a click on a link would do it: the same page and the same JS memory.
GO = """(url) => document.querySelector('#app').__vue_app__
  .config.globalProperties.$router.push(url)"""


def sign_in(page, username: str) -> None:
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill("pw-" + username)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("username").wait_for()
    assert page.get_by_test_id("username").inner_text() == username


def test_the_next_user_in_the_same_tab_sees_nothing_of_the_last_one(
    log_in, page, live_server, celery_worker, zoo, user, other_user, tmp_path
):
    network = zoo["tiny-vgg"]
    log_in(page, live_server)

    # A: an analysis of an uploaded image (only A may see it), its kernels, its explanation.
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}")
    page.get_by_test_id("input-tab-upload").click()
    png, _ = fashion_sample_png(3)
    picture = tmp_path / "alices-picture.png"
    picture.write_bytes(png)
    with page.expect_response(lambda r: r.url.endswith("/api/images/")) as uploaded:
        page.get_by_test_id("upload-input").set_input_files(str(picture))
    image = uploaded.value.json()
    page.wait_for_url("**image=**")
    page.wait_for_selector(READY, timeout=60_000)
    page.locator("[data-testid=layer-row][data-layer=conv_1_1] [data-testid=layer-open]").click()
    page.wait_for_selector("[data-testid=layer-panel][data-layer=conv_1_1]")
    page.get_by_test_id("kernels").locator("canvas").first.wait_for(timeout=30_000)
    explore_url = page.url.removeprefix(live_server.url)

    page.get_by_test_id("explain-link").click()
    page.wait_for_url("**/explain?**")
    page.wait_for_selector(OVERLAY, timeout=90_000)
    explain_url = page.url.removeprefix(live_server.url)
    assert f"image={image['id']}" in explain_url

    # A logs out; from the login page on, the page is watched for anything of A's.
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login**")
    # (not the image's id: B's own links repeat the ids of the URL B opened)
    markers = [image["url"]]
    page.evaluate(WATCH, markers)
    answers: list[tuple[str, str, int]] = []
    page.on("response", lambda r: answers.append((r.request.method, r.url, r.status)))

    # B signs in in the same tab: nothing of A's, and B's first page is B's own.
    sign_in(page, other_user.username)
    page.get_by_test_id("dataset-select").wait_for()
    assert page.evaluate(LEAKS) == []

    # B opens A's Explain link: the explanation is asked of the server again (not served from
    # memory) and refused, so the page says "not found" and never draws a map.
    page.evaluate(GO, explain_url)
    page.wait_for_url("**/explain?**")
    error = page.get_by_test_id("main-view").get_by_test_id("error-message")
    error.wait_for(timeout=30_000)
    assert "no such image" in error.inner_text()
    assert page.locator(OVERLAY).count() == 0
    asked = [a for a in answers if a[0] == "POST" and "/api/explanations/" in a[1]]
    assert asked and all(status == 404 for _, _, status in asked), asked

    # … and A's Explore link (image, open layer): refused as well.
    page.evaluate(GO, explore_url)
    page.wait_for_url(lambda url: "/explain" not in url)
    page.get_by_test_id("error-message").first.wait_for(timeout=30_000)
    assert page.get_by_test_id("prediction-row").count() == 0
    # the open layer shows the (public) network's kernels, but no map of A's image
    assert page.get_by_test_id("layer-map").count() == 0

    # Nothing of A's was rendered at any moment, and the server refused every object of A's
    # that B's page asked for (a cache would have answered without asking).
    assert page.evaluate(LEAKS) == []
    refused = [a for a in answers if f"/api/images/{image['id']}" in a[1]]
    assert all(status >= 400 for _, _, status in refused), refused
    analyses = [a for a in answers if a[0] == "POST" and a[1].endswith("/api/analyses/")]
    assert analyses and all(status == 404 for _, _, status in analyses), analyses
