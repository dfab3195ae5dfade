"""The explorer's overview of a branching (residual) network: the skip edge that is not the plain
previous-column link is drawn as a curve over the strip and highlighted on hover. Debian's
Chromium."""

import pytest
from django.core.management import call_command

from tests.fixtures.models import save_model

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "[data-testid=layers][data-overview-ready=true]"


def build_resnet_mini():
    """28×28×1: conv_a → conv_b → add(conv_a, conv_b) → relu → pool → flatten → output."""
    from worker.runtime.tf_env import configure_tensorflow

    configure_tensorflow()
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1), name="image")
    a = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a")(inputs)
    b = layers.Conv2D(8, 3, padding="same", name="conv_b")(a)
    x = layers.Add(name="add")([a, b])
    x = layers.ReLU(name="relu")(x)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(10, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="resnet_mini")


def register_resnet_mini(tmp_path):
    from backend.networks.models import Network

    model_path = save_model(build_resnet_mini(), tmp_path / "resnet-mini.keras")
    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"class {i}\n" for i in range(10)))
    call_command(
        "register_network",
        file=model_path,
        name="resnet-mini",
        labels=labels,
        dataset="fashion-mnist",
        public=True,
    )
    return Network.objects.get(name="resnet-mini")


def test_residual_network_draws_its_skip_edge(
    log_in, page, live_server, celery_worker, zoo, user, screenshot, tmp_path
):
    network = register_resnet_mini(tmp_path)
    add = next(layer for layer in network.layers if layer["name"] == "add")
    assert sorted(add["inbound"]) == ["conv_a", "conv_b"]

    log_in(page, live_server)
    page.get_by_test_id("dataset-select").select_option("fashion-mnist")
    page.get_by_test_id("network-select").select_option(str(network.pk))
    page.get_by_test_id("sample-thumb").first.click()
    page.get_by_test_id("prediction-row").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=30_000)

    # Exactly one edge is not the plain previous-column link: conv_a → add, over the strip.
    edges = page.get_by_test_id("graph-edge")
    edges.first.wait_for(state="attached")
    assert edges.count() == 1
    edge = edges.first
    assert (edge.get_attribute("data-from"), edge.get_attribute("data-to")) == ("conv_a", "add")
    assert edge.get_attribute("data-active") == "false"
    # it runs from above conv_a's column to above add's column
    box = edge.bounding_box()
    conv_a = page.locator("[data-testid=layer-row][data-layer=conv_a]").bounding_box()
    add_box = page.locator("[data-testid=layer-row][data-layer=add]").bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    assert conv_a["x"] <= box["x"] <= conv_a["x"] + conv_a["width"]
    assert add_box["x"] <= box["x"] + box["width"] <= add_box["x"] + add_box["width"]
    assert box["y"] + box["height"] <= add_box["y"] + 3
    # the words stay: add says where it comes from
    assert (
        "from conv_a, conv_b"
        in page.locator("[data-testid=layer-row][data-layer=add]").inner_text()
    )

    screenshot("explorer-branching-idle")

    # Hovering either end highlights the edge; leaving it fades it again.
    page.locator("[data-testid=layer-row][data-layer=add] [data-testid=layer-open]").hover()
    assert edge.get_attribute("data-active") == "true"
    assert "feeds" in page.locator("[data-testid=layer-row][data-layer=conv_a]").get_attribute(
        "class"
    )
    screenshot("explorer-branching")
    page.locator("[data-testid=layer-row][data-layer=pool] [data-testid=layer-open]").hover()
    assert edge.get_attribute("data-active") == "false"
    # … and so does keyboard focus on the other end
    page.locator("[data-testid=layer-row][data-layer=conv_a] [data-testid=layer-open]").focus()
    assert edge.get_attribute("data-active") == "true"

    # On a phone the strip is one column: no curves, the "from …" label carries the graph.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("graph-edges").wait_for(state="hidden")
    assert page.locator("[data-testid=layer-row][data-layer=add] .node-from").is_visible()
