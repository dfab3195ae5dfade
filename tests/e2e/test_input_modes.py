"""The explorer's input modes (issue 6): draw on a pad, take a photo with a (fake) camera;
both are uploaded like a file and analysed by the real worker. Debian's Chromium."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def open_explorer(page, live_server, network) -> None:
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    page.get_by_test_id("sample-thumb").first.wait_for()
    # The input pads take strokes and photos only once the network is loaded (the layer
    # panel shows): on a loaded machine it can arrive after the thumbnails.
    page.get_by_test_id("layers").wait_for()


def wait_for_uploaded_analysis(page) -> None:
    page.wait_for_url("**image=**", timeout=20_000)
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)
    assert "sample=" not in page.url
    assert page.get_by_test_id("prediction-row").count() == 10
    page.get_by_test_id("network-input").first.wait_for()  # the preprocessed input is shown


def test_draw_strokes_and_use_the_drawing(
    log_in, page, live_server, celery_worker, zoo, user, screenshot
):
    log_in(page, live_server)
    open_explorer(page, live_server, zoo["tiny-vgg"])
    page.get_by_test_id("input-tab-draw").click()
    assert "vertical stroke" in page.get_by_test_id("input-try-this").inner_text()
    pad = page.get_by_test_id("draw-canvas")
    box = pad.bounding_box()
    assert 200 <= box["width"] <= 300 and abs(box["width"] - box["height"]) < 1
    use = page.get_by_test_id("draw-use")
    assert use.is_disabled()  # nothing drawn yet

    drawn = [0]

    def stroke(points):
        # Aim where the pad is now: on a loaded machine a banner above it (the tour prompt)
        # can still appear after the first stroke and move the pad down.
        at, before = pad.bounding_box(), None
        for _ in range(50):  # until it has stopped moving (two equal boxes 50 ms apart)
            if at == before:
                break
            before = at
            page.wait_for_timeout(50)
            at = pad.bounding_box()
        x0, y0 = points[0]
        page.mouse.move(at["x"] + x0 * at["width"], at["y"] + y0 * at["height"])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(at["x"] + x * at["width"], at["y"] + y * at["height"], steps=8)
        page.mouse.up()
        drawn[0] += 1
        expect(pad).to_have_attribute("data-strokes", str(drawn[0]))

    # a pair of trousers: a waistband and two legs
    stroke([(0.3, 0.15), (0.7, 0.15)])
    stroke([(0.32, 0.15), (0.3, 0.85)])
    stroke([(0.68, 0.15), (0.7, 0.85)])
    stroke([(0.2, 0.5), (0.8, 0.5)])  # a stray line, then undone
    assert pad.get_attribute("data-strokes") == "4"
    page.get_by_test_id("draw-undo").click()
    assert pad.get_attribute("data-strokes") == "3"
    # white ink really landed on the black pad
    lit = page.evaluate(
        """() => {
          const c = document.querySelector('[data-testid=draw-canvas]')
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
          let n = 0
          for (let i = 0; i < d.length; i += 4) if (d[i] > 200) n++
          return n / (d.length / 4)
        }"""
    )
    assert 0.02 < lit < 0.5, lit

    use.click()
    wait_for_uploaded_analysis(page)
    frame = page.locator("figure img[alt='The image you chose']")
    frame.wait_for()
    screenshot("input-draw")


def test_camera_photo_is_analysed(log_in, page, live_server, celery_worker, zoo, user, screenshot):
    log_in(page, live_server)
    open_explorer(page, live_server, zoo["tiny-vgg"])
    page.get_by_test_id("input-tab-camera").click()
    page.get_by_test_id("camera-start").click()
    page.wait_for_selector("[data-testid=webcam][data-state=live]", timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=camera-video]')?.videoWidth > 0",
        timeout=10_000,
    )
    page.get_by_test_id("camera-shoot").click()
    wait_for_uploaded_analysis(page)
    assert page.get_by_test_id("camera-error").count() == 0
    screenshot("input-camera")
    page.get_by_test_id("camera-stop").click()
    page.wait_for_selector("[data-testid=webcam][data-state=idle]")
    stopped = page.evaluate(
        "() => document.querySelector('[data-testid=camera-video]').srcObject === null"
    )
    assert stopped


def test_tabs_keep_samples_and_upload_and_a_refused_camera_says_so(
    log_in, page, live_server, zoo, user
):
    # the browser refuses the camera, as when the visitor clicks "Block"
    page.add_init_script(
        """navigator.mediaDevices.getUserMedia = () =>
             Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))"""
    )
    log_in(page, live_server)
    open_explorer(page, live_server, zoo["tiny-vgg"])
    tabs = page.get_by_test_id("input-modes").get_by_role("tab")
    assert tabs.all_inner_texts() == ["Samples", "Upload", "Draw", "Camera"]
    page.get_by_test_id("input-tab-upload").click()
    assert page.get_by_test_id("upload-input").is_enabled()
    assert page.get_by_test_id("sample-thumb").first.is_hidden()
    page.get_by_test_id("input-tab-samples").click()
    assert page.get_by_test_id("sample-thumb").first.is_visible()

    page.get_by_test_id("input-tab-camera").click()
    page.get_by_test_id("camera-start").click()
    error = page.get_by_test_id("camera-error")
    error.wait_for()
    assert "refused" in error.inner_text() and "upload" in error.inner_text()
    assert page.get_by_test_id("camera-start").is_enabled()  # one can try again
