"""Browser measurements of the explorer (issue 3), in Debian's Chromium driven by Playwright.

For each zoo network: open Explore on a dataset sample and read the page's own performance marks,
`cs:job-succeeded` (the analysis job reported success) → `cs:overview-ready` (every layer's maps
painted, one animation frame after the last layer's values arrived); then time switching the
colour scope and the open layer (click → the next painted frame, `performance.now()`), and count
the requests those switches made (there should be none).

Called by bench/run_bench.py while its web server and worker are up, or on its own against a
running server:  .venv/bin/python bench/browser_bench.py --base http://127.0.0.1:8000 \
                 --user demo --password convscope-demo
"""

from __future__ import annotations

import argparse
import statistics
import time

from tests.fixtures.processes import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

NETWORKS = {"tiny-vgg": ("conv_1_2", "max_pool_2"), "deep-bn": ("conv_2_1", "bn_3_1")}
OVERVIEW_TARGET_MS = 300.0
SCATTER_POINTS = "all"  # the whole test split: 10,000 points for Fashion-MNIST
SWITCH_TARGET_MS = 100.0

# click → wait for the DOM to show the new state → the next painted frame; returns ms and the
# number of resource requests made meanwhile
SWITCH_JS = """
async ([clickSelector, doneSelector]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()))
  const before = performance.getEntriesByType('resource').length
  const t0 = performance.now()
  document.querySelector(clickSelector).click()
  while (!document.querySelector(doneSelector)) {
    await new Promise((r) => setTimeout(r, 0))
    if (performance.now() - t0 > 5000) throw new Error('no ' + doneSelector)
  }
  await frame()
  const ms = performance.now() - t0
  // the browser's own favicon refresh on history changes is not the page's request
  const made = performance.getEntriesByType('resource').slice(before)
    .filter((e) => e.name.includes('/api/'))
  return { ms, requests: made.length, names: made.map((e) => e.name.replace(location.origin, '')) }
}
"""


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(values), "p50": statistics.median(values), "max": ordered[-1]}


def bench_browser(
    base: str, username: str, password: str, runs: int = 5, dataset: str = "fashion-mnist"
) -> list[dict]:
    """Returns one row per (network, measurement): {network, what, n, p50, max, requests}."""
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("dataset-select").wait_for()
        networks = page.request.get(f"{base}/api/networks/?dataset={dataset}").json()
        ids = {n["name"]: n["id"] for n in networks}
        ready = "[data-testid=layers][data-overview-ready=true]"
        for name, (layer_a, layer_b) in NETWORKS.items():
            if name not in ids:
                continue
            overview, arrived, scope, layer = [], [], [], []
            requests = {id(scope): 0, id(layer): 0}
            names: set[str] = set()
            for i in range(runs + 1):  # the first run warms the caches up and is not counted
                page.goto(
                    f"{base}/?dataset={dataset}&network={ids[name]}&sample={i}&layer={layer_a}"
                )
                page.wait_for_selector(ready, timeout=60_000)
                ms, arrived_ms = page.evaluate(
                    "() => ['cs:overview-ready', 'cs:layers-arrived'].map((m) =>"
                    " performance.getEntriesByName(m)[0].startTime"
                    " - performance.getEntriesByName('cs:job-succeeded')[0].startTime)"
                )
                switches = [
                    ("#scope-unit", "[data-testid=layers][data-scope=unit]", scope),
                    ("#scope-network", "[data-testid=layers][data-scope=network]", scope),
                    ("#scope-layer", "[data-testid=layers][data-scope=layer]", scope),
                    (
                        f"[data-layer={layer_b}] [data-testid=layer-open]",
                        f"[data-testid=layer-panel][data-layer={layer_b}] canvas",
                        layer,
                    ),
                    (
                        f"[data-layer={layer_a}] [data-testid=layer-open]",
                        f"[data-testid=layer-panel][data-layer={layer_a}] canvas",
                        layer,
                    ),
                ]
                results = [
                    (page.evaluate(SWITCH_JS, [click, done]), into)
                    for click, done, into in switches
                ]
                if i == 0:
                    continue
                overview.append(ms)
                arrived.append(arrived_ms)
                for result, into in results:
                    into.append(result["ms"])
                    requests[id(into)] += result["requests"]
                    names.update(result["names"])
            rows += [
                {
                    "network": name,
                    "what": "job succeeded → overview of every layer painted",
                    **_stats(overview),
                    "target": OVERVIEW_TARGET_MS,
                    "requests": None,
                },
                {
                    "network": name,
                    "what": "… of which: every layer's values fetched and parsed",
                    **_stats(arrived),
                    "target": None,
                    "requests": None,
                },
                {
                    "network": name,
                    "what": "switch colour scope (click → painted), layer open",
                    **_stats(scope),
                    "target": SWITCH_TARGET_MS,
                    "requests": requests[id(scope)],
                },
                {
                    "network": name,
                    "what": "switch open layer (click → painted)",
                    **_stats(layer),
                    "target": SWITCH_TARGET_MS,
                    "requests": requests[id(layer)],
                },
            ]
            if names:
                print(f"{name}: requests made during switches: {sorted(names)}")
        browser.close()
    return rows


FIRST_LOAD_TARGET_MS = 1500.0
# what the browser downloaded for the page itself: the document, its scripts and styles
PAGE_BYTES_JS = """() => {
  const mine = performance.getEntriesByType('resource')
    .filter((e) => /\\.(js|css)(\\?|$)/.test(e.name))
  const nav = performance.getEntriesByType('navigation')[0]
  return {
    ready: performance.getEntriesByName('cs:overview-ready')[0].startTime,
    bytes: mine.reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)
      + (nav ? nav.transferSize || 0 : 0),
    files: mine.length,
  }
}"""


def bench_first_load(
    base: str,
    username: str,
    password: str,
    runs: int = 5,
    dataset: str = "fashion-mnist",
    network: str = "tiny-vgg",
) -> list[dict]:
    """A newcomer's first load of Explore (issue 20): a fresh browser context per run (an empty
    HTTP cache, logged in by its cookie only), navigation start → the first sample's overview
    painted (`cs:overview-ready`, ms after navigation start), and the JS + CSS it downloaded.
    Each run opens another sample, so its analysis is computed, not reused."""
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        login = browser.new_context(viewport={"width": 1280, "height": 800})
        page = login.new_page()
        page.goto(f"{base}/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("dataset-select").wait_for()
        ids = {n["name"]: n["id"] for n in page.request.get(f"{base}/api/networks/").json()}
        state = login.storage_state()
        login.close()
        if network not in ids:
            browser.close()
            return rows
        offset = int(time.time()) % 5000  # samples this server has not analysed yet
        times, sizes, files = [], [], 0
        for i in range(runs + 1):  # the first run warms the server (its worker, its files)
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, storage_state=state
            )
            cold = context.new_page()
            cold.goto(
                f"{base}/?dataset={dataset}&network={ids[network]}&sample={offset + i}",
                wait_until="commit",
            )
            cold.wait_for_selector("[data-testid=layers][data-overview-ready=true]", timeout=60_000)
            measured = cold.evaluate(PAGE_BYTES_JS)
            context.close()
            if i == 0:
                continue
            times.append(measured["ready"])
            sizes.append(measured["bytes"])
            files = measured["files"]
        browser.close()
    kilobytes = statistics.median(sizes) / 1024
    rows.append(
        {
            "network": network,
            "what": "first load, cold browser cache: navigation → first sample's overview "
            f"painted (downloads {kilobytes:.0f} kB of page, JS and CSS in {files} files)",
            **_stats(times),
            "target": FIRST_LOAD_TARGET_MS,
            "requests": None,
        }
    )
    return rows


def bench_scatter(
    base: str, username: str, password: str, runs: int = 3, dataset: str = "fashion-mnist"
) -> list[dict]:
    """The Evaluate page's embedding scatter (issue 5): a PCA of every test image, stored after
    the first (warm-up) run; `cs:embedding-data` (coordinates fetched and parsed) →
    `cs:scatter-drawn` (every point painted on the canvas), and page open → drawn."""
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{base}/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("dataset-select").wait_for()
        networks = page.request.get(f"{base}/api/networks/?dataset={dataset}").json()
        for network in networks:
            draw, total = [], []
            url = (
                f"{base}/evaluate?dataset={dataset}&network={network['id']}"
                f"&method=pca&points={SCATTER_POINTS}"
            )
            for i in range(runs + 1):
                page.goto(url)
                page.wait_for_selector(
                    "[data-testid=scatter-canvas][data-drawn=true]", timeout=300_000
                )
                drawn, data = page.evaluate(
                    "() => ['cs:scatter-drawn', 'cs:embedding-data'].map((m) =>"
                    " performance.getEntriesByName(m)[0].startTime)"
                )
                if i == 0:
                    continue
                draw.append(drawn - data)
                total.append(drawn)
            rows += [
                {
                    "network": network["name"],
                    "what": "scatter: 10,000 points fetched and parsed → first draw painted",
                    **_stats(draw),
                    "target": None,
                    "requests": None,
                },
                {
                    "network": network["name"],
                    "what": "scatter: page opened → 10,000 points drawn (stored PCA)",
                    **_stats(total),
                    "target": None,
                    "requests": None,
                },
            ]
        browser.close()
    return rows


def markdown(rows: list[dict]) -> list[str]:
    lines = [
        "",
        "Browser (Debian Chromium, headless, Playwright; 1280×800; `performance.now()` in the "
        "page; one Fashion-MNIST sample per run after a warm-up run; requests = API requests):",
        "",
        "| network | what | runs | p50 (ms) | max (ms) | requests during switches | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        if r["target"] is None:
            numbers = f"{r['n']} | {r['p50']:.1f} | {r['max']:.1f}"
            lines.append(f"| {r['network']} | {r['what']} | {numbers} | – | |")
            continue
        met = "met" if r["p50"] <= r["target"] and (r["requests"] or 0) == 0 else "NOT met"
        requests = "–" if r["requests"] is None else str(r["requests"])
        lines.append(
            f"| {r['network']} | {r['what']} | {r['n']} | {r['p50']:.1f} | {r['max']:.1f} | "
            f"{requests} | p50 ≤ {r['target']:.0f} ms, no request: {met} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="convscope-demo")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--first-load", action="store_true", help="only the cold-cache first load of Explore"
    )
    args = parser.parse_args()
    if args.first_load:
        rows = bench_first_load(args.base, args.user, args.password, args.runs)
    else:
        rows = bench_browser(args.base, args.user, args.password, args.runs)
    print("\n".join(markdown(rows)))


if __name__ == "__main__":
    main()
