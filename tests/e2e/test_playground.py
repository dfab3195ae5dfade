"""The convolution playground (/learn/playground): sliders change the output size and the filled-in
formula, hovering an output cell writes out its sum, editing an input cell changes the output, a
kernel that does not fit says so; desktop and phone screenshots. Chromium, live server."""

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def _written_sum(arithmetic: str) -> tuple[float, float]:
    """The total after '=' and the sum of the written-out products 'x×w' before it."""
    terms, total = arithmetic.rsplit("=", 1)
    products = 0.0
    for x, w in re.findall(r"(-?[\d.]+)×\(?(-?[\d.]+)\)?", terms):
        products += float(x) * float(w)
    return _number(total), products


def _open_playground(page, live_server) -> None:
    """Log in as alice from the playground's own URL (the login page sends her back to it).

    The shared `log_in` fixture waits for the explorer's dataset picker, which an empty database
    does not show; the playground needs no dataset."""
    page.goto(f"{live_server.url}/learn/playground")
    page.wait_for_url("**/login**")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("pw-alice")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/learn/playground")
    page.get_by_test_id("output-size").wait_for()


def test_playground_sliders_hover_and_edit(page, live_server, user, screenshot):
    _open_playground(page, live_server)
    # The navbar's "Learn" link leads to the Learn page, which links here; Learn stays marked.
    page.get_by_test_id("nav-explain").click()
    page.wait_for_url("**/explain**")
    page.get_by_test_id("nav-learn").click()
    page.wait_for_url("**/learn")
    page.get_by_test_id("learn-playground-link").click()
    page.wait_for_url("**/learn/playground")
    assert "active" in page.get_by_test_id("nav-learn").get_attribute("class")
    assert page.title().startswith("Convolution playground")

    # Defaults: a 5×5 input, 3×3 kernel, stride 1, no padding → a 3×3 output.
    size = page.get_by_test_id("output-size")
    assert size.inner_text() == "3 × 3"
    assert page.get_by_test_id("formula").inner_text() == "(5 + 2×0 − 3) / 1 + 1 = 3"
    assert page.get_by_test_id("output-cell").count() == 9

    # Stride 2: the output shrinks, the formula is filled in with the new numbers.
    page.get_by_test_id("stride-slider").fill("2")
    assert page.get_by_test_id("stride-slider-value").inner_text() == "2"
    assert size.inner_text() == "2 × 2"
    assert page.get_by_test_id("formula").inner_text() == "(5 + 2×0 − 3) / 2 + 1 = 2"
    assert page.get_by_test_id("output-cell").count() == 4

    # Padding 1: grey zeros around the input, and (5 + 2 − 3) / 2 + 1 = 3.
    page.get_by_test_id("padding-slider").fill("1")
    assert page.get_by_test_id("formula").inner_text() == "(5 + 2×1 − 3) / 2 + 1 = 3"
    assert page.get_by_test_id("input-pad").count() == 7 * 7 - 5 * 5

    # Hovering an output cell highlights its 3×3 window and writes its sum with the real numbers.
    cell = page.locator("[data-testid=output-cell][data-r='1'][data-c='2']")
    cell.hover()
    arithmetic = page.get_by_test_id("arithmetic")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=output-cell].selected')?.dataset.c === '2'"
    )
    total, products = _written_sum(arithmetic.inner_text())
    assert total == _number(cell.inner_text())
    assert abs(products - total) < 1e-9
    assert arithmetic.inner_text().count("×") == 9
    assert page.locator("[data-testid=input] .in-window").count() == 9

    # Editing an input cell inside that window changes the output cell at once.
    before = cell.inner_text()
    input_cell = page.locator("[data-testid=input-cell][data-r='1'][data-c='3']")
    old = _number(input_cell.inner_text())
    input_cell.click()
    editor = page.get_by_test_id("cell-editor")
    editor.fill(str(int(old) + 7))
    editor.press("Enter")
    assert input_cell.inner_text() == str(int(old) + 7)
    page.wait_for_function(
        "(b) => document.querySelector(\"[data-testid=output-cell][data-r='1'][data-c='2']\")"
        ".innerText.trim() !== b",
        arg=before,
    )
    cell.hover()
    total, products = _written_sum(arithmetic.inner_text())
    assert total == _number(cell.inner_text())
    assert abs(products - total) < 1e-9

    # A kernel preset changes the kernel and the output.
    page.get_by_test_id("preset-sharpen").click()
    assert page.locator("[data-testid=kernel-cell][data-r='1'][data-c='1']").inner_text() == "9"
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)  # let the buttons' colour transitions end before the picture
    screenshot("playground")

    # A kernel larger than the padded input: a clear message instead of an output.
    page.get_by_test_id("padding-slider").fill("0")
    page.get_by_test_id("size-slider").fill("3")
    page.get_by_test_id("kernel-slider").fill("5")
    assert "does not fit" in page.get_by_test_id("no-fit").inner_text()
    assert page.get_by_test_id("output-cell").count() == 0
    page.get_by_test_id("padding-slider").fill("1")
    assert page.get_by_test_id("output-size").inner_text() == "1 × 1"


def test_playground_on_a_phone(page, live_server, user, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    _open_playground(page, live_server)
    page.get_by_test_id("padding-slider").fill("2")
    page.get_by_test_id("size-slider").fill("9")
    page.locator("[data-testid=output-cell][data-r='2'][data-c='3']").click()
    # Nothing wider than the phone: the grids shrink, the navbar folds its links into a menu.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    page.get_by_test_id("nav-toggle").click()
    assert page.get_by_test_id("nav-learn").is_visible()
    page.get_by_test_id("nav-toggle").click()
    box = page.locator("[data-testid=input-cell]").first.bounding_box()
    assert box["width"] >= 20
    screenshot("playground-phone")
