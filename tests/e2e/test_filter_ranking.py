"""Filter ranking and annotations in the layer view: rank a conv layer's filters, reorder its maps
by each ranking, annotate a filter, reload and find the note again (and its count in the
overview)."""

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAP_ORDER = """() => [...document.querySelectorAll('[data-testid=layer-map]')]
  .map(m => +m.dataset.channel)"""


def ranking_rows(api_get, network: int) -> list[dict]:
    items = [v for v in api_get(f"/api/filter-rankings/?network={network}") if v["summary"]]
    return items[0]["summary"]["rows"]


def expected_order(rows: list[dict], key: str) -> list[int]:
    if key == "filter":
        return [r["filter"] for r in rows]
    return [r["filter"] for r in sorted(rows, key=lambda r: (-r[key], r["filter"]))]


def test_rank_sort_annotate_and_reload(log_in, page, live_server, celery_worker, zoo, user,
                                       screenshot):  # fmt: skip
    network = zoo["tiny-vgg"]
    log_in(page, live_server)
    url = f"{live_server.url}/?dataset=fashion-mnist&network={network.pk}&sample=0&layer=conv_2_1"
    page.goto(url)
    maps = page.get_by_test_id("layer-map")
    maps.first.wait_for(timeout=60_000)
    assert page.evaluate(MAP_ORDER) == list(range(32))

    page.get_by_test_id("ranking-start").click()
    sort = page.get_by_test_id("ranking-sort")
    sort.wait_for(timeout=120_000)

    def api_get(path: str):
        return page.evaluate(
            "async (p) => (await fetch(p, {headers: {Accept: 'application/json'}})).json()", path
        )

    rows = ranking_rows(api_get, network.pk)
    assert len(rows) == 32
    for key in ("kernel_norm", "mean_activation", "ablation_drop", "filter"):
        sort.select_option(key)
        want = expected_order(rows, key)
        page.wait_for_function(f"() => ({MAP_ORDER})().join() === '{','.join(map(str, want))}'")
        assert page.evaluate(MAP_ORDER) == want, key
    sort.select_option("ablation_drop")
    assert "switched off" in page.get_by_test_id("ranking-help").inner_text()

    # The table, sortable by column.
    page.get_by_test_id("ranking-table-toggle").click()
    table_rows = page.get_by_test_id("ranking-row")
    assert table_rows.count() == 32
    assert (
        int(table_rows.first.get_attribute("data-filter"))
        == expected_order(rows, "ablation_drop")[0]
    )
    page.get_by_test_id("ranking-table").get_by_role("button", name="kernel norm").click()
    assert (
        int(table_rows.first.get_attribute("data-filter")) == expected_order(rows, "kernel_norm")[0]
    )

    # Annotate the filter that matters least as useless, with a note.
    least = expected_order(rows, "ablation_drop")[-1]
    target = page.locator(f"[data-testid=layer-map][data-channel='{least}']")
    target.get_by_test_id("annotate-open").click()
    form = page.get_by_test_id("annotate-form")
    form.wait_for()
    form.locator("label[for=verdict-useless]").click()
    page.get_by_test_id("annotation-note").fill("Hardly matters: switching it off costs nothing.")
    page.get_by_test_id("annotation-save").click()
    form.wait_for(state="detached")
    badge = target.get_by_test_id("verdict-badge")
    assert badge.get_attribute("data-verdict") == "useless"
    csv_link = page.get_by_test_id("export-csv").get_attribute("href")
    assert csv_link == f"/api/annotations/export/?network={network.pk}&format=csv"

    # Reload: the ranking is stored (shown at once), the note and badge persist.
    page.reload()
    page.get_by_test_id("ranking-sort").wait_for(timeout=30_000)
    target = page.locator(f"[data-testid=layer-map][data-channel='{least}']")
    target.wait_for(timeout=60_000)
    badge = target.get_by_test_id("verdict-badge")
    badge.wait_for(timeout=10_000)
    assert "useless" in badge.inner_text()
    assert "Hardly matters" in target.get_by_test_id("map-note").inner_text()
    notes = page.locator("[data-testid=layer-row][data-layer=conv_2_1] [data-testid=notes-badge]")
    assert notes.inner_text().strip() == "1 note"
    exported = page.evaluate(
        "async (p) => (await fetch(p)).text()",
        f"/api/annotations/export/?network={network.pk}&format=csv",
    )
    assert "Hardly matters" in exported and exported.startswith("network,network_name,layer")

    page.get_by_test_id("ranking-sort").select_option("ablation_drop")
    page.get_by_test_id("ranking-table-toggle").click()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("layer-panel").screenshot(
        path=str(SCREENSHOTS / "filter-ranking-panel.png")
    )
    screenshot("filter-ranking")
