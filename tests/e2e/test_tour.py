"""The Learn page and the guided tour of Explore (F17): the tour starts from the Learn page, walks
from the input to the prediction with the network's real layers, opens the first convolution
through the URL, closes with Done / Esc and remembers it; the first-visit prompt; the phone navbar.
Debian's Chromium, live server."""

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"
SEEN = "localStorage.getItem('convscope.tour.seen')"


def default_network(zoo):
    """The network Explore (and the Learn page) opens by default: the most accurate one."""
    return max(zoo.values(), key=lambda n: n.test_accuracy if n.test_accuracy is not None else -1)


def step_of(page) -> tuple[int, int]:
    step = page.get_by_test_id("tour-step")
    return int(step.get_attribute("data-step")), int(step.get_attribute("data-total"))


def wait_step(page, number: int) -> None:
    """Vue redraws the card after a click; wait for that instead of reading it at once."""
    page.wait_for_function(
        "n => document.querySelector('[data-testid=tour-step]')?.dataset.step === String(n)",
        arg=number,
    )


def wait_gone(locator) -> None:
    locator.first.wait_for(state="detached", timeout=10_000)


def settle(page) -> None:
    """Wait until the smooth scroll to the step's target has ended (the ring stops moving)."""
    page.wait_for_function(
        """() => new Promise((resolve) => {
            const ring = document.querySelector('[data-testid=tour-ring]')
            const top = ring ? ring.getBoundingClientRect().top : 0
            setTimeout(() => resolve(!ring || ring.getBoundingClientRect().top === top), 400)
        })"""
    )


def shot(page, name: str) -> None:
    """What is on the screen now (the tour card is fixed to the viewport)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_tour_from_the_learn_page(log_in, page, live_server, celery_worker, zoo, user):
    network = default_network(zoo)
    first_conv = next(layer["name"] for layer in network.layers if layer["type"] == "Conv2D")
    log_in(page, live_server)
    # The explorer settles its choices into the URL (router.replace) first; a click before that
    # would be overtaken by it.
    page.wait_for_url("**network=*")

    # The navbar's Learn link opens the landing page; its cards lead on.
    page.get_by_test_id("nav-learn").click()
    page.wait_for_url("**/learn")
    assert "active" in page.get_by_test_id("nav-learn").get_attribute("class")
    cards = ("learn-tour", "learn-playground", "learn-channel", "learn-arithmetic", "learn-try")
    for card in cards:
        assert page.get_by_test_id(card).is_visible(), card
    assert "vertical stroke" in page.get_by_test_id("learn-try").inner_text()
    channel = page.get_by_test_id("learn-channel-link")
    page.wait_for_function(
        "sel => document.querySelector(sel).getAttribute('href').includes('layer=')",
        arg="[data-testid=learn-channel-link]",
    )
    href = channel.get_attribute("href")
    assert f"network={network.pk}" in href and f"layer={first_conv}" in href
    assert "hover any output cell" in page.get_by_test_id("learn-arithmetic").inner_text()
    page.wait_for_timeout(300)  # the navbar's colour transition ends
    shot(page, "tour-0-learn-desktop")
    page.get_by_test_id("learn-playground-link").click()
    page.wait_for_url("**/learn/playground")
    assert "active" in page.get_by_test_id("nav-learn").get_attribute("class")
    page.go_back()
    page.wait_for_url("**/learn")

    # Start the tour: Explore opens with it running, and ?tour=1 leaves the URL.
    page.get_by_test_id("learn-tour-start").click()
    card = page.get_by_test_id("tour-card")
    card.wait_for(timeout=30_000)
    page.wait_for_function("() => !location.search.includes('tour=')")
    assert page.evaluate("document.activeElement.closest('[data-testid=tour-card]') !== null")
    assert step_of(page) == (1, 7)
    assert "image" in card.inner_text()
    assert page.get_by_test_id("tour-back").is_disabled()
    # Started with no image, the tour takes a sample itself: no step walks an empty panel.
    page.wait_for_function("() => location.search.includes('sample=')")

    # Next and Back.
    page.get_by_test_id("tour-next").click()
    wait_step(page, 2)
    assert "28×28×1" in card.inner_text()
    page.get_by_test_id("tour-back").click()
    wait_step(page, 1)

    texts = []
    for number in range(1, 8):
        wait_step(page, number)
        texts.append(card.inner_text())
        if card.get_attribute("data-step-id") == "conv":
            # The conv step opened the first convolution, through the URL like a click does.
            panel = page.locator(f"[data-testid=layer-panel][data-layer={first_conv}]")
            panel.wait_for()
            page.wait_for_function(f"() => location.search.includes('layer={first_conv}')")
            # the sample's maps, and this layer's own description (not another layer's)
            assert panel.get_by_test_id("layer-map").count() > 0
            assert "each square is one channel" in panel.inner_text()
            assert page.get_by_test_id("tour-waiting").count() == 0
            assert "filters of 3×3" in texts[-1] and "each gives one map" in texts[-1]
            settle(page)
            shot(page, "tour-5-desktop-conv")
        if number < 7:
            assert page.get_by_test_id("tour-next").inner_text() == "Next"
            page.get_by_test_id("tour-next").click()
    assert "28×28 → 14×14" in "\n".join(texts)  # the pooling step, real shapes
    assert "highest bar is the answer" in texts[-1] and "add up to 1" in texts[-1]
    # the last card leaves the Input card (the image the answer is about) in view
    settle(page)
    assert page.get_by_test_id("prediction-row").count() > 0
    input_card = page.locator("[data-tour=input-card]").bounding_box()
    assert not overlap(card.bounding_box(), input_card), (card.bounding_box(), input_card)
    shot(page, "tour-6-desktop-last-card")
    assert page.get_by_test_id("tour-next").inner_text() == "Done"
    assert page.evaluate(SEEN) is None
    page.get_by_test_id("tour-next").click()
    wait_gone(card)
    assert page.evaluate(SEEN) == "1"
    assert page.get_by_test_id("tour-prompt").count() == 0


def test_first_visit_prompt_tour_button_and_escape(
    log_in, page, live_server, celery_worker, zoo, user
):
    network = zoo["deep-bn"]
    log_in(page, live_server)
    page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=1")
    page.wait_for_selector(READY, timeout=60_000)

    # A first-time visitor is offered the tour; dismissing it is for good.
    prompt = page.get_by_test_id("tour-prompt")
    assert "New here? Take a 1-minute tour" in prompt.inner_text()
    page.get_by_test_id("tour-prompt-dismiss").click()
    wait_gone(prompt)
    assert page.evaluate(SEEN) == "1"
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    assert page.get_by_test_id("tour-prompt").count() == 0

    # The Tour button starts it any time; the steps name this network's own layers.
    page.get_by_test_id("tour-start").click()
    card = page.get_by_test_id("tour-card")
    card.wait_for()
    total = step_of(page)[1]
    assert total == 7
    for number in (2, 3, 4):
        page.get_by_test_id("tour-next").click()
        wait_step(page, number)
    assert "bn_1_1" in card.inner_text() and "relu_1_1" in card.inner_text()
    ring = page.get_by_test_id("tour-ring").bounding_box()
    row = page.locator("[data-testid=layer-row][data-layer=relu_1_1]").bounding_box()
    assert ring["x"] <= row["x"] and ring["x"] + ring["width"] >= row["x"] + row["width"]
    page.get_by_test_id("tour-next").click()
    wait_step(page, 5)
    assert "halves the size: 28×28 → 14×14" in card.inner_text()
    page.get_by_test_id("tour-next").click()
    wait_step(page, 6)
    assert "global_avg_pool" in card.inner_text()
    settle(page)
    shot(page, "tour-1-desktop-step")

    # The keyboard reaches the card's buttons; Esc closes the tour.
    page.get_by_test_id("tour-back").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "tour-next"
    page.keyboard.press("Escape")
    wait_gone(card)
    wait_gone(page.get_by_test_id("tour-ring"))

    # Skip closes it too.
    page.get_by_test_id("tour-start").click()
    card.wait_for()
    page.get_by_test_id("tour-skip").click()
    wait_gone(card)


def test_phone_navbar_and_docked_tour(log_in, browser, live_server, celery_worker, zoo, user):
    network = zoo["tiny-vgg"]
    # reduced motion: the tour scrolls to each step at once (and the screenshots are steady)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, reduced_motion="reduce"
    )
    page = context.new_page()
    try:
        log_in(page, live_server)
        # The bar stays one line; the menu button folds out every page link, on the screen.
        assert page.locator("nav.app-navbar").bounding_box()["height"] < 70
        assert not page.get_by_test_id("nav-learn").is_visible()
        page.get_by_test_id("nav-toggle").click()
        for testid in ("nav-explain", "nav-evaluate", "nav-learn"):
            link = page.get_by_test_id(testid)
            assert link.is_visible(), testid
            link.wait_for(state="visible")
            box = link.bounding_box()
            for _ in range(50):  # the menu may still be folding out
                if box is not None:
                    break
                page.wait_for_timeout(100)
                box = link.bounding_box()
            assert box is not None, testid
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, testid
        page.get_by_test_id("nav-learn").click()
        page.wait_for_url("**/learn")
        page.wait_for_selector("[data-testid=learn-channel-link][href*='layer=']")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "tour-2-learn-phone.png"), full_page=True)

        page.goto(f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=1&tour=1")
        card = page.get_by_test_id("tour-card")
        card.wait_for(timeout=30_000)
        page.wait_for_selector(READY, timeout=60_000)
        for number in (2, 3):
            page.get_by_test_id("tour-next").click()
            wait_step(page, number)
        page.get_by_test_id("layer-panel").wait_for()
        assert "layer=conv_1_1" in page.url
        # The card docks to the bottom of the screen, full width.
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert abs(box["y"] + box["height"] - (844 - 8)) <= 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        settle(page)
        shot(page, "tour-3-phone-step")
        page.get_by_test_id("tour-next").click()
        wait_step(page, 4)
        assert "applies ReLU itself" in card.inner_text()
        settle(page)
        shot(page, "tour-4-phone-relu")
    finally:
        context.close()
