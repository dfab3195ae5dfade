"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
from tests.fixtures.processes import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is not installed (make test installs it)"
    assert (ROOT / "frontend" / "dist" / "index.html").exists(), "front end not built"
    # Playwright's sync API runs an event loop in this thread; the tests' own database calls
    # happen between browser steps, never concurrently.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        # A failing browser test leaves a picture and the console log behind for the reader.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
        (SCREENSHOTS / f"FAILED-{request.node.name}.console.txt").write_text("\n".join(console))
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in():
    """Log a page in as the `user` fixture (alice) and wait for the explorer."""

    def log_in_page(page, live_server) -> None:
        page.goto(f"{live_server.url}/")
        page.wait_for_url("**/login**")
        page.get_by_test_id("login-username").fill("alice")
        page.get_by_test_id("login-password").fill("pw-alice")
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("dataset-select").wait_for()

    return log_in_page
