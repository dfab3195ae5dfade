"""Build & train (issue 21 part 3) in Debian's Chromium: stack layers and see every layer's
shape and parameters change as you type, see a stack that cannot work explained next to its
layer, train a small network on 1,000 Fashion-MNIST pictures for 2 epochs with the real worker,
watch the curves arrive, then open the network in Explore and move its epoch slider."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def cell(page, testid: str, row: int) -> str:
    return page.locator(
        f"[data-testid=layer-row][data-index='{row}'] [data-testid={testid}]"
    ).inner_text()


def test_build_a_network_train_it_and_open_it_in_explore(
    log_in, page, live_server, celery_worker, user, screenshot
):
    log_in(page, live_server)
    # Explore settles first (it puts its default network in the URL, which would cancel a
    # navigation started meanwhile)
    page.wait_for_url("**network=*")
    page.get_by_test_id("nav-build").click()
    page.wait_for_url("**/build")
    rows = page.get_by_test_id("layer-row")
    rows.first.wait_for()
    # the starting stack: one convolution (8 filters), max pooling, flatten
    page.wait_for_function(
        '() => document.querySelector(\'[data-testid=layer-row][data-index="1"] '
        "[data-testid=shape-cell]').innerText === '28×28×8'"
    )
    assert rows.count() == 3
    assert page.get_by_test_id("input-shape").inner_text() == "28×28×1"
    assert cell(page, "params-cell", 1) == "80"  # 3×3×1×8 + 8
    assert cell(page, "shape-cell", 3) == "1,568"  # 14×14×8

    # fewer filters: every shape after it and the parameters follow as you type
    page.locator("[data-testid=layer-row][data-index='1'] [data-testid=setting-filters]").fill("4")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=total-params]')?.innerText === '7,890'"
    )  # conv 40 + output 784×10 + 10
    assert cell(page, "shape-cell", 3) == "784"

    # a convolution after flatten cannot work: said in words beside it, and no training
    page.get_by_test_id("add-layer-type").select_option("conv")
    page.get_by_test_id("add-layer").click()
    problem = page.get_by_test_id("layer-problem")
    problem.wait_for()
    assert problem.inner_text().startswith("Layer 4 (convolution): it receives a list of 784")
    assert page.get_by_test_id("start-training").is_disabled()
    screenshot("build-problem")
    page.locator("[data-testid=layer-row][data-index='4'] [data-testid=remove-layer]").click()
    problem.wait_for(state="detached")

    # too long for the worker: refused before anything runs, the limit named
    page.get_by_test_id("preset-tiny-vgg").click()
    page.get_by_test_id("train-images").fill("60000")
    page.get_by_test_id("train-epochs").fill("50")
    too_long = page.get_by_test_id("stack-problem")
    too_long.wait_for()
    assert "the time limit for training is 15 minutes" in too_long.inner_text()
    assert page.get_by_test_id("start-training").is_disabled()
    screenshot("build-time-limit")
    page.get_by_test_id("preset-small").click()
    page.locator("[data-testid=layer-row][data-index='1'] [data-testid=setting-filters]").fill("4")

    page.get_by_test_id("train-title").fill("Class demo")
    page.get_by_test_id("train-images").fill("1000")
    page.get_by_test_id("train-epochs").fill("2")
    start = page.get_by_test_id("start-training")
    page.wait_for_function("() => !document.querySelector('[data-testid=start-training]').disabled")
    start.click()
    run = page.get_by_test_id("training-run")
    run.wait_for()
    # the curve appears as the points arrive, before the run ends
    page.wait_for_selector("[data-testid=curve-loss] .train polyline", timeout=120_000)
    page.get_by_test_id("training-done").wait_for(timeout=180_000)
    assert run.get_attribute("data-status") == "succeeded"
    points = int(page.get_by_test_id("curve-loss").get_attribute("data-points"))
    assert points >= 4  # points within the epochs and both epochs' ends
    assert page.get_by_test_id("epoch-table").locator("tbody tr").count() == 2
    assert page.get_by_test_id("curve-accuracy").locator(".test circle").count() == 2
    page.wait_for_function(
        "() => document.querySelector('[data-testid=earlier-runs]')"
        "?.innerText.includes('Class demo')"
    )
    screenshot("build-trained")

    from backend.networks.models import Network

    network = Network.objects.get(title="Class demo")
    assert network.owner == user and not network.public and network.checkpoint_epochs == [1, 2]

    page.get_by_test_id("open-explore").click()
    page.wait_for_url(f"**network={network.pk}*")
    page.get_by_test_id("sample-thumb").first.click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)
    slider = page.get_by_test_id("epoch-slider")
    slider.wait_for()
    assert slider.get_attribute("min") == "1" and slider.get_attribute("max") == "2"
    slider.fill("1")
    page.wait_for_url("**epoch=1**")
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)
    assert page.get_by_test_id("epoch-label").inner_text() == "1"
    from backend.analyses.models import Analysis

    page.wait_for_function("() => true")
    assert Analysis.objects.filter(network=network, epoch=1).exists()
    screenshot("build-explore-epoch-1")
