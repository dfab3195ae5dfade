"""The Models page (issue 7 parts 5 and 6): an administrator registers a Keras model in the
browser, watches the checks tick off, explores it at once; a model with a Lambda layer is
refused in plain words and the list of networks stays as it was. Debian's Chromium."""

import pytest

from tests.fixtures.models import build_tiny_vgg_28, save_model

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def lambda_model(path):
    import keras

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Lambda(lambda t: t * 2, name="evil")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    return save_model(keras.Model(inputs, outputs), path)


def test_register_a_model_in_the_browser(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    from backend.core.roles import set_role
    from backend.networks.models import Network

    set_role(user, "admin")
    good = save_model(build_tiny_vgg_28(seed=5), tmp_path / "my-fashion-net.keras")
    bad = lambda_model(tmp_path / "sneaky.keras")

    log_in(page, live_server)
    # The explorer settles its choices into the URL (router.replace) first; a click before that
    # would be overtaken by it.
    page.wait_for_url("**network=*")
    page.get_by_test_id("nav-models").click()
    rows = page.get_by_test_id("network-row")
    rows.first.wait_for()
    assert page.url.endswith("/models")
    before = rows.count()
    assert before == Network.objects.count()
    screenshot("models-1-page")

    # A good model, for Fashion-MNIST (its class names become the labels).
    form = page.get_by_test_id("register-model-form")
    form.get_by_test_id("model-file").set_input_files(str(good))
    assert form.get_by_test_id("model-name").input_value() == "my-fashion-net"
    form.get_by_test_id("model-dataset").select_option("fashion-mnist")
    form.get_by_test_id("model-public").check()
    form.get_by_test_id("register-model").click()
    form.get_by_test_id("check").first.wait_for()
    assert form.get_by_test_id("check").count() == 8
    explore = form.get_by_test_id("explore-now")
    explore.wait_for(timeout=180_000)
    passed = form.locator("[data-testid=check][data-status=passed]")
    assert passed.count() == 8
    assert "64" not in form.locator("[data-check=image]").inner_text()  # 28×28×1, not 64
    assert "28×28×1" in form.locator("[data-check=image]").inner_text()
    screenshot("models-2-registered")
    network = Network.objects.get(name="my-fashion-net")
    assert network.public and network.owner == user
    assert rows.count() == before + 1  # the table refreshed
    mine = page.locator("[data-testid=network-row][data-name=my-fashion-net]")
    assert "Public" in mine.inner_text() and mine.get_by_test_id("delete-network").count() == 1

    # Explore it now: the explorer opens on it and shows its layers.
    explore.click()
    page.get_by_test_id("layer-row").first.wait_for(timeout=60_000)
    assert f"network={network.pk}" in page.url and "dataset=fashion-mnist" in page.url
    assert page.get_by_test_id("layer-row").count() == len(network.layers)
    assert page.get_by_test_id("network-select").input_value() == str(network.pk)
    screenshot("models-3-explore")

    # A model with a Lambda layer is refused, in words, and nothing is added.
    page.get_by_test_id("nav-models").click()
    rows.first.wait_for()
    count = rows.count()
    form = page.get_by_test_id("register-model-form")
    form.get_by_test_id("model-file").set_input_files(str(bad))
    form.get_by_test_id("model-labels").fill("yes\nno")
    form.get_by_test_id("register-model").click()
    refusal = form.get_by_test_id("refusal")
    refusal.wait_for(timeout=120_000)
    text = refusal.inner_text()
    assert "Lambda layer" in text and "arbitrary code" in text
    failed = form.locator("[data-testid=check][data-status=failed]")
    assert failed.count() == 1 and failed.get_attribute("data-check") == "archive"
    assert form.locator("[data-testid=check][data-status=skipped]").count() == 6
    assert form.get_by_test_id("explore-now").count() == 0
    screenshot("models-4-refused")
    assert rows.count() == count
    assert not Network.objects.filter(name="sneaky").exists()


def test_register_a_dataset_in_the_browser(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    from backend.datasets.models import Dataset
    from tests.backend.test_dataset_registration_api import make_zip

    broken = tmp_path / "broken-shapes.zip"
    broken.write_bytes(make_zip({"square/broken.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 40}))
    good = tmp_path / "shapes.zip"
    good.write_bytes(make_zip())

    log_in(page, live_server)
    page.wait_for_url("**network=*")
    page.get_by_test_id("nav-models").click()
    page.get_by_test_id("dataset-row").first.wait_for()
    page.get_by_test_id("tab-dataset").click()
    form = page.get_by_test_id("register-dataset-form")

    # One unreadable file: the registration fails and names it.
    form.get_by_test_id("dataset-file").set_input_files(str(broken))
    form.get_by_test_id("dataset-name").fill("shapes")
    form.get_by_test_id("register-dataset").click()
    unreadable = form.get_by_test_id("unreadable-files")
    unreadable.wait_for(timeout=120_000)
    assert "square/broken.png" in unreadable.inner_text()
    assert form.locator("[data-check=images]").get_attribute("data-status") == "failed"
    screenshot("models-5-dataset-refused")
    assert not Dataset.objects.filter(name="shapes").exists()

    # A good zip: registered, listed, and offered when registering a model.
    form.get_by_test_id("dataset-file").set_input_files(str(good))
    form.get_by_test_id("register-dataset").click()
    form.get_by_test_id("registered").wait_for(timeout=120_000)
    assert (
        "15 train and 3 test images of 3 classes" in form.get_by_test_id("registered").inner_text()
    )
    row = page.locator("[data-testid=dataset-row][data-name=shapes]")
    row.wait_for()
    assert "Private" in row.inner_text() and "16×16×1" in row.inner_text()
    screenshot("models-6-dataset-registered")
    page.get_by_test_id("tab-model").click()
    options = page.get_by_test_id("model-dataset").locator("option").all_inner_texts()
    assert any(text.startswith("shapes") for text in options)


def test_a_network_without_a_dataset_opens_from_its_link(log_in, page, live_server, zoo, user):
    """A model registered without a dataset: its link opens it, with your own image as input."""
    from tests.fixtures.networks import private_network

    network = private_network(user, zoo["tiny-vgg"], "no-dataset-net")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/?network={network.pk}")
    page.wait_for_url("**dataset=*")
    assert page.get_by_test_id("dataset-select").input_value() == "~none"
    select = page.get_by_test_id("network-select")
    page.wait_for_function(
        f"() => document.querySelector('[data-testid=network-select]').value === '{network.pk}'"
    )
    assert select.locator("option").count() == 1  # only the networks without a dataset
    page.get_by_test_id("layer-row").first.wait_for(timeout=60_000)
    assert page.get_by_test_id("layer-row").count() == len(network.layers)
    # No samples to click: the input card starts on Upload.
    assert page.get_by_test_id("input-tab-samples").count() == 0
    assert page.get_by_test_id("input-tab-upload").get_attribute("aria-selected") == "true"


def test_more_bad_models_are_refused_on_the_page(
    log_in, page, live_server, celery_worker, zoo, user, tmp_path
):
    """A non-image model, a zip with ../ members and random bytes: each refused in words on the
    page, with nothing registered."""
    import zipfile

    import numpy as np

    from backend.networks.models import Network
    from tests.fixtures.models import build_vector_model

    vector = save_model(build_vector_model(), tmp_path / "vector.keras")
    good = save_model(build_tiny_vgg_28(seed=1), tmp_path / "good.keras")
    traversal = tmp_path / "traversal.keras"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(traversal, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("../../outside.txt", b"gotcha")
    random_bytes = tmp_path / "random.keras"
    random_bytes.write_bytes(np.random.default_rng(0).bytes(4096))
    cases = [
        (vector, "image", "image"),
        (traversal, "archive", "unsafe entry name"),
        (random_bytes, "archive", "not a valid zip"),
    ]
    before = Network.objects.count()
    log_in(page, live_server)
    page.wait_for_url("**network=*")
    page.goto(f"{live_server.url}/models")
    for path, check, reason in cases:
        form = page.get_by_test_id("register-model-form")
        form.get_by_test_id("model-file").set_input_files(str(path))
        form.get_by_test_id("model-labels").fill("a\nb\nc")
        form.get_by_test_id("register-model").click()
        refusal = form.get_by_test_id("refusal")
        refusal.wait_for(timeout=120_000)
        assert reason in refusal.inner_text().lower(), (path.name, refusal.inner_text())
        failed = form.locator("[data-testid=check][data-status=failed]")
        assert failed.get_attribute("data-check") == check, path.name
        assert Network.objects.count() == before
        page.reload()  # a clean form for the next file
