"""Share links and lessons in the browser (issue 7 parts 3 and 4): a teacher builds a lesson
and shares it; a visitor with no account follows it; revoking stops the link. Debian's Chromium."""

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GONE = "This link does not work (it may have expired or been revoked)."


def make_teacher(user) -> None:
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name="teacher")
    user.groups.add(group)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def visitor(browser, width: int = 1280, height: int = 900):
    """A fresh browser context: no cookies, no login."""
    context = browser.new_context(viewport={"width": width, "height": height})
    return context, context.new_page()


def add_step(
    page,
    network_pk: int,
    sample: int | None,
    layer: str,
    *,
    image: int | None = None,
    kind: str = "layer",
    channel: int | None = None,
) -> None:
    """A step on a dataset sample (its position in the strip) or on one of your images (id)."""
    picker = page.get_by_test_id("step-picker")
    picker.get_by_test_id("dataset-select").select_option("fashion-mnist")
    picker.locator(f"[data-testid=network-select] option[value='{network_pk}']").wait_for(
        state="attached"
    )
    picker.get_by_test_id("network-select").select_option(str(network_pk))
    assert picker.get_by_test_id("network-select").input_value() == str(network_pk)
    if image is None:
        picker.get_by_test_id("sample-thumb").nth(sample).click()
    else:
        picker.locator(f"[data-testid=own-image-thumb][data-index='{image}']").click()
    picker.get_by_test_id("step-kind").select_option(kind)
    picker.locator(f"[data-testid=step-layer] option[value={layer}]").wait_for(state="attached")
    picker.get_by_test_id("step-layer").select_option(layer)
    if channel is not None:
        picker.get_by_test_id("step-channel").select_option(str(channel))
    picker.get_by_test_id("step-add").click()


def analyse_other(page, live_server, network_pk: int) -> int:
    """An analysis of the teacher's that is no part of the share (through the page's session)."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/api/analyses/",
        data={"network": network_pk, "sample": {"dataset": "fashion-mnist", "index": 7}},
        headers={"X-CSRFToken": token, "Referer": live_server.url},
    )
    assert response.status == 202, response.text()
    return response.json()["id"]


def test_teacher_builds_and_shares_a_lesson_a_visitor_follows_it(
    log_in, page, browser, live_server, celery_worker, zoo, user, screenshot
):
    from backend.sharing.models import Lesson
    from backend.uploads.services import store_upload
    from tests.fixtures.images import fashion_sample_png

    make_teacher(user)
    tiny = zoo["tiny-vgg"]
    own = store_upload(user, fashion_sample_png(5)[0])  # the teacher's own picture
    log_in(page, live_server)
    assert page.get_by_test_id("nav-lessons").is_visible()  # the navbar offers it to teachers
    page.goto(f"{live_server.url}/lessons")
    page.get_by_test_id("lessons-empty").wait_for()
    page.get_by_test_id("lesson-new").click()
    page.get_by_test_id("lesson-editor").wait_for()
    # "New" saves nothing yet: an abandoned draft leaves no "Untitled lesson" behind.
    assert not Lesson.objects.exists()
    page.get_by_test_id("lessons-empty").wait_for()
    page.get_by_test_id("lesson-title").fill("What a convolution sees")
    page.get_by_test_id("lesson-description").fill("Two pictures, two filter layers.")
    add_step(page, tiny.pk, 0, "conv_1_1")
    add_step(page, tiny.pk, 1, "conv_1_2")
    # the teacher's own upload is offered, and a channel for "how a conv channel is made"
    add_step(page, tiny.pk, None, "conv_1_2", image=own.pk, kind="intermediate", channel=3)
    steps = page.get_by_test_id("lesson-step")
    assert steps.count() == 3
    assert steps.nth(2).get_by_test_id("lesson-step-channel").input_value() == "3"
    # the lesson's images are offered again for the next step (the upload once)
    assert page.locator(f"[data-testid=own-image-thumb][data-index='{own.pk}']").count() == 1
    steps.nth(0).get_by_test_id("lesson-step-note").fill("First layer: which edges light up?")
    steps.nth(1).get_by_test_id("lesson-step-note").fill("Second layer: shapes made of edges.")
    # reorder: down, then back up
    steps.nth(0).get_by_test_id("step-down").click()
    assert "First layer" in steps.nth(1).get_by_test_id("lesson-step-note").input_value()
    steps.nth(1).get_by_test_id("step-up").click()
    assert "First layer" in steps.nth(0).get_by_test_id("lesson-step-note").input_value()
    page.get_by_test_id("lesson-save").click()
    page.get_by_test_id("lesson-saved").wait_for()
    lesson = Lesson.objects.get()
    assert f"lesson={lesson.pk}" in page.url
    third = lesson.steps.order_by("position")[2]
    assert third.image_id == own.pk
    assert third.view == {"kind": "intermediate", "layer": "conv_1_2", "channel": 3}
    assert (
        page.get_by_test_id("lesson-item").first.inner_text().startswith("What a convolution sees")
    )
    screenshot("lessons-1-editor")

    # share it
    page.get_by_test_id("lesson-share").click()
    dialog = page.get_by_test_id("share-dialog")
    dialog.get_by_test_id("share-expiry").select_option("7")
    dialog.get_by_test_id("share-create").click()
    url = dialog.get_by_test_id("share-url").input_value()
    assert "/s/" in url and len(url.rsplit("/s/", 1)[1]) >= 43
    dialog.locator("[data-testid=share-link][data-status=active]").wait_for()
    assert dialog.get_by_test_id("share-link").count() == 1
    screenshot("lessons-2-share-dialog")
    token = url.rsplit("/s/", 1)[1]

    # a visitor with no account follows the lesson
    context, anon = visitor(browser)
    try:
        response = anon.goto(url)
        assert response.headers["referrer-policy"] == "no-referrer"
        banner = anon.get_by_test_id("shared-banner")
        banner.wait_for()
        assert "Shared by alice" in banner.inner_text() and "read-only" in banner.inner_text()
        assert anon.get_by_test_id("shared-title").inner_text() == "What a convolution sees"
        assert anon.get_by_test_id("nav-explain").count() == 0  # no page links
        assert anon.get_by_test_id("step-counter").inner_text() == "Step 1 of 3"
        assert "which edges" in anon.get_by_test_id("step-note").inner_text()
        panel = anon.get_by_test_id("layer-panel")
        panel.wait_for(timeout=60_000)
        assert panel.get_attribute("data-layer") == "conv_1_1"
        anon.locator("[data-testid=layer-map] canvas").first.wait_for(timeout=60_000)
        channels = next(x for x in tiny.layers if x["name"] == "conv_1_1")["output_shape"][-1]
        assert anon.get_by_test_id("layer-map").count() == channels
        anon.get_by_test_id("prediction-row").first.wait_for()
        anon.locator("[data-testid=layer-row] canvas").first.wait_for()
        shot(anon, "lessons-3-shared-step-desktop")
        anon.get_by_test_id("step-next").click()
        assert anon.get_by_test_id("step-counter").inner_text() == "Step 2 of 3"
        assert "shapes made of edges" in anon.get_by_test_id("step-note").inner_text()
        anon.wait_for_selector("[data-testid=layer-panel][data-layer=conv_1_2]")
        anon.locator("[data-testid=layer-map] canvas").first.wait_for(timeout=60_000)
        # the "how a conv channel is made" step opens that view itself, on the chosen channel
        anon.get_by_test_id("step-next").click()
        assert anon.get_by_test_id("step-counter").inner_text() == "Step 3 of 3"
        made = anon.locator("[data-testid=conv-intermediate][data-channel='3']")
        made.wait_for(timeout=60_000)
        assert "How channel 3 is made" in made.inner_text()
        shot(anon, "lessons-3b-shared-intermediate-step")
        anon.get_by_test_id("step-prev").click()
        anon.get_by_test_id("step-prev").click()
        assert anon.get_by_test_id("step-counter").inner_text() == "Step 1 of 3"
        anon.set_viewport_size({"width": 390, "height": 844})
        anon.get_by_test_id("step-next").click()
        anon.locator("[data-testid=layer-map] canvas").first.wait_for(timeout=60_000)
        shot(anon, "lessons-4-shared-step-phone")

        # the visitor reaches nothing else: not the API, not another analysis through the share
        assert anon.request.get(f"{live_server.url}/api/analyses/").status in (401, 403)
        assert anon.request.get(f"{live_server.url}/api/lessons/").status in (401, 403)
        other = analyse_other(page, live_server, tiny.pk)
        for tail in ["", "input/", "activations/", "image/"]:
            got = anon.request.get(f"{live_server.url}/api/shared/{token}/analyses/{other}/{tail}")
            assert got.status == 404, tail

        # the teacher revokes the link, after saying yes to what it does to visitors
        dialog.get_by_test_id("share-revoke").click()
        confirm = dialog.get_by_test_id("share-revoke-confirm")
        assert "loses access" in confirm.inner_text()
        dialog.get_by_test_id("share-revoke-no").click()  # kept: still active
        assert dialog.locator("[data-testid=share-link][data-status=active]").count() == 1
        dialog.get_by_test_id("share-revoke").click()
        dialog.get_by_test_id("share-revoke-yes").click()
        dialog.locator("[data-testid=share-link][data-status=revoked]").wait_for()
        assert dialog.get_by_test_id("share-views").inner_text() == "1"
        anon.set_viewport_size({"width": 1280, "height": 900})
        anon.reload()
        anon.get_by_test_id("shared-gone").wait_for()
        assert GONE in anon.get_by_test_id("shared-gone").inner_text()
        shot(anon, "lessons-5-link-revoked")
    finally:
        context.close()


def test_share_an_analysis_from_explore(
    log_in, page, browser, live_server, celery_worker, zoo, user, screenshot
):
    tiny = zoo["tiny-vgg"]
    log_in(page, live_server)
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(tiny.pk))
    page.get_by_test_id("sample-thumb").nth(2).click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("add-to-lesson").count() == 0  # not a teacher
    page.get_by_test_id("share-open").click()
    dialog = page.get_by_test_id("share-dialog")
    dialog.get_by_test_id("share-none").wait_for()
    dialog.get_by_test_id("share-expiry").select_option("1")
    dialog.get_by_test_id("share-create").click()
    url = dialog.get_by_test_id("share-url").input_value()
    assert "expires within a day" in dialog.get_by_test_id("share-created").inner_text()
    screenshot("share-1-explore-dialog")
    dialog.get_by_test_id("share-close").click()
    expected = [row.inner_text() for row in page.get_by_test_id("prediction-row").all()[:3]]

    context, anon = visitor(browser)
    try:
        anon.goto(url)
        anon.get_by_test_id("shared-banner").wait_for()
        assert "Shared by alice" in anon.get_by_test_id("shared-banner").inner_text()
        anon.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
        assert [r.inner_text() for r in anon.get_by_test_id("prediction-row").all()[:3]] == expected
        anon.locator("[data-testid=layer-row] canvas").first.wait_for(timeout=60_000)
        assert anon.get_by_test_id("layer-row").count() == len(tiny.layers)
        anon.locator(
            "[data-testid=layer-row][data-layer=conv_1_1] [data-testid=layer-open]"
        ).click()
        anon.get_by_test_id("layer-panel").wait_for()
        anon.locator("[data-testid=layer-map] canvas").first.wait_for(timeout=30_000)
        anon.get_by_test_id("kernels").locator("canvas").first.wait_for(timeout=30_000)
        assert "layer=conv_1_1" in anon.url
        shot(anon, "share-2-shared-analysis")
        assert anon.request.get(f"{live_server.url}/api/analyses/").status in (401, 403)
    finally:
        context.close()

    # the link's entry counts the visit
    page.get_by_test_id("share-open").click()
    page.locator("[data-testid=share-link][data-status=active]").wait_for()
    assert page.get_by_test_id("share-views").inner_text() == "1"
