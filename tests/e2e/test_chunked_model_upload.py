"""The Models page sends a real-size model (MobileNetV2) in chunks: the progress bar moves, a
chunk whose connection is cut is resent from the server's offset, a preprocessing preset is
chosen, and the registered network has that preprocessing; its dataset is linked afterwards
from the networks table. Debian's Chromium."""

import pytest

from tests.fixtures.real_size import real_size_model_file

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHUNK = 256 * 1024

WATCH_PROGRESS = """() => {
  window.__fractions = []
  new MutationObserver(() => {
    const bar = document.querySelector('[data-testid=upload-progress]')
    if (bar) window.__fractions.push(Number(bar.dataset.fraction))
  }).observe(document.body, { subtree: true, childList: true, attributes: true })
}"""


def test_a_model_goes_up_in_chunks_with_a_preset(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, settings, tmp_path
):
    from backend.networks.models import ModelUpload, Network

    settings.CONVSCOPE_UPLOAD_CHUNK_MAX_BYTES = CHUNK
    model = tmp_path / "mobile-net.keras"
    model.write_bytes(real_size_model_file("mobilenet_v2").read_bytes())
    size = model.stat().st_size
    assert size > 4 * CHUNK

    starts: list[int] = []
    cut: list[int] = []

    def chunks(route, request):
        if request.method == "PUT":
            start = int(request.headers["content-range"].split()[1].split("-")[0])
            starts.append(start)
            if start == 2 * CHUNK and not cut:  # the connection drops on the third chunk
                cut.append(start)
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/api/uploads/model-chunks/**", chunks)
    log_in(page, live_server)
    page.wait_for_url("**network=*")
    page.get_by_test_id("nav-models").click()
    page.get_by_test_id("network-row").first.wait_for()
    page.evaluate(WATCH_PROGRESS)

    form = page.get_by_test_id("register-model-form")
    form.get_by_test_id("model-file").set_input_files(str(model))
    form.get_by_test_id("model-labels").fill("\n".join(f"class {i}" for i in range(10)))
    form.get_by_test_id("model-preprocessing").select_option("caffe")
    assert form.locator("#rm-m").input_value() == "103.939, 116.779, 123.68"
    assert form.locator("#rm-m").is_disabled()
    assert form.get_by_test_id("model-channel-order").input_value() == "bgr"
    form.get_by_test_id("register-model").click()
    form.get_by_test_id("explore-now").wait_for(timeout=240_000)
    screenshot("models-chunked-registered")

    # Every chunk in order; the cut one sent again from the server's offset, none skipped.
    assert cut == [2 * CHUNK]
    expected = list(range(0, size, CHUNK))
    assert sorted(set(starts)) == expected and starts.count(2 * CHUNK) == 2
    fractions = page.evaluate("window.__fractions")
    between = sorted({f for f in fractions if 0 < f < 1})
    assert len(between) >= 3, fractions  # the bar moved chunk by chunk
    network = Network.objects.get(name="mobile-net")
    assert network.input_spec["channel_order"] == "bgr"
    assert network.input_spec["mean"] == [103.939, 116.779, 123.68]
    assert not ModelUpload.objects.exists()

    # Linked to a dataset afterwards, from the table.
    row = page.locator("[data-testid=network-row][data-name=mobile-net]")
    row.get_by_test_id("network-dataset").select_option("fashion-mnist")
    page.wait_for_function(
        "() => document.querySelector('[data-name=mobile-net] [data-testid=network-dataset]')"
        ".value === 'fashion-mnist'"
    )
    deadline_ok = False
    for _ in range(50):
        network.refresh_from_db()
        if network.dataset is not None:
            deadline_ok = True
            break
        page.wait_for_timeout(100)
    assert deadline_ok and network.dataset.name == "fashion-mnist"
    row.get_by_test_id("network-dataset").select_option("")
    for _ in range(50):
        network.refresh_from_db()
        if network.dataset is None:
            break
        page.wait_for_timeout(100)
    assert network.dataset is None
