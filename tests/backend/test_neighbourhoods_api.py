"""Why was this picture misclassified? The neighbourhood API, with the real task body run
in-process on the zoo's Tiny VGG and the shipped Fashion-MNIST VAE."""

import io

import numpy as np
import pytest

from backend.neighbourhoods.models import NeighbourhoodResult

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def misclassified():
    """The first test picture Tiny VGG gets wrong, with its true and predicted labels."""
    import keras

    from datasets.registry import get_dataset
    from model_zoo.registry import get_zoo_entry

    model = keras.saving.load_model(get_zoo_entry("tiny-vgg").model_path, compile=False)
    images, labels = get_dataset("fashion-mnist").load("test")
    predicted = np.argmax(model.predict(images[:300] / 255.0, verbose=0), axis=1)
    index = int(np.flatnonzero(predicted != labels[:300])[0])
    return index, int(labels[index]), int(predicted[index])


def _npy(response) -> np.ndarray:
    return np.load(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_a_misclassified_pictures_neighbourhood(api, zoo, run_queued, queued, misclassified):
    index, true, predicted = misclassified
    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "index": index, "neighbours": 120, "radius": 1.5}
    response = api.post("/api/neighbourhoods/", body, format="json")
    assert response.status_code == 202, response.content
    made = response.json()
    assert made["settings"] == {"neighbours": 120, "radius": 1.5, "regularisation": 1.0, "seed": 0}
    run_queued()
    result = api.get(f"/api/neighbourhoods/{made['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    summary = result["summary"]
    assert summary["true_label"] == true and summary["predicted"] == predicted
    assert summary["classes"] == network.labels
    assert len(summary["neighbours"]["labels"]) == 120 and summary["latent"] == 8
    assert sum(summary["neighbours"]["counts"]) == 120
    fidelity = summary["student"]["fidelity"]
    assert 0.0 <= fidelity <= 1.0 and summary["student"]["held_out"] == 30
    pictures = _npy(api.get(f"/api/neighbourhoods/{made['id']}/neighbours/"))
    assert pictures.shape == (120, 28, 28, 1) and pictures.dtype == np.uint8
    path = _npy(api.get(f"/api/neighbourhoods/{made['id']}/path/"))
    assert path.shape == (21, 28, 28, 1)
    assert summary["path"]["image_index"] == 10
    # The network's labels are its answers on the served pictures.
    import keras

    model = keras.saving.load_model(network.model_path, compile=False)
    answers = np.argmax(model.predict(pictures / 255.0, verbose=0), axis=1)
    assert (answers == np.asarray(summary["neighbours"]["labels"])).mean() >= 0.99
    # The same request again reuses the stored result; another user cannot see this one.
    queued.clear()
    again = api.post("/api/neighbourhoods/", body, format="json").json()
    assert again["job"]["status"] == "succeeded" and queued == []
    assert NeighbourhoodResult.objects.count() == 1


def test_requests_out_of_range_are_refused_in_words(api, zoo):
    network = zoo["tiny-vgg"]
    for body, words in [
        ({"index": 10_000}, "Choose a test picture from 0 to 9999"),
        ({"index": 0, "radius": 9}, "Radius must be between 0.05 and 5"),
        ({"index": 0, "neighbours": 5}, "Neighbours must be between 20 and 1000"),
        ({"index": 0, "regularisation": 0}, "Regularisation must be between"),
    ]:
        response = api.post("/api/neighbourhoods/", {"network": network.pk, **body}, format="json")
        assert response.status_code == 400 and words in response.json()["detail"], body


def test_a_network_without_a_dataset_is_told_to_link_one(api, zoo):
    network = zoo["tiny-vgg"]
    network.dataset = None
    network.save()
    response = api.post("/api/neighbourhoods/", {"network": network.pk, "index": 0}, format="json")
    assert response.status_code == 400 and "no dataset linked" in response.json()["detail"]


def test_others_requests_and_private_networks_are_not_found(api, other_api, zoo, queued):
    made = api.post(
        "/api/neighbourhoods/", {"network": zoo["tiny-vgg"].pk, "index": 0}, format="json"
    ).json()
    assert other_api.get(f"/api/neighbourhoods/{made['id']}/").status_code == 404
    assert other_api.get(f"/api/neighbourhoods/{made['id']}/neighbours/").status_code == 404
    assert other_api.get("/api/neighbourhoods/").json() == []
    private = zoo["deep-bn"]
    private.public = False
    private.save()
    response = other_api.post("/api/neighbourhoods/", {"network": private.pk, "index": 0},
                              format="json")  # fmt: skip
    assert response.status_code == 404


def test_a_registered_dataset_gets_a_vae_by_a_job(api, other_api, zoo, run_queued):
    """A registered dataset has no VAE until a job trains one by the default recipe; its
    manifest's test-split figures are those of the stored files, and its test pictures then
    get neighbourhoods (here for a network linked to it)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from backend.datasets.models import Dataset
    from backend.neighbourhoods.services import vae_for
    from tests.backend.test_dataset_registration_api import make_zip

    upload = SimpleUploadedFile("shapes.zip", make_zip(per_class=10))
    response = api.post("/api/datasets/", {"file": upload, "name": "shapes"}, format="multipart")
    assert response.status_code == 202, response.content
    run_queued()
    network = zoo["tiny-vgg"]
    network.dataset = Dataset.objects.get(name="shapes")
    network.save()
    refused = api.post("/api/neighbourhoods/", {"network": network.pk, "index": 0}, format="json")
    assert refused.status_code == 400 and "no VAE for shapes yet" in refused.json()["detail"]
    assert other_api.post("/api/vaes/", {"dataset": "shapes"}, format="json").status_code == 404
    made = api.post("/api/vaes/", {"dataset": "shapes"}, format="json")
    assert made.status_code == 202, made.content
    again = api.post("/api/vaes/", {"dataset": "shapes"}, format="json")
    assert again.status_code == 400 and "being trained already" in again.json()["detail"]
    run_queued()
    training = api.get(f"/api/vaes/{made.json()['id']}/").json()
    assert training["job"]["status"] == "succeeded", training["job"]["message"]
    manifest = training["manifest"]
    assert manifest["dataset"] == "shapes" and manifest["latent"] == 8
    # the stored files give the manifest's figures again
    from datasets.registry import get_dataset
    from model_zoo.vae.train import evaluate_vae
    from worker.runtime.model_loading import load_stored_model

    files = vae_for("shapes")
    assert files is not None and files.is_complete()
    test_images, _ = get_dataset("shapes").load("test")
    measured = evaluate_vae(
        load_stored_model(files.encoder_path), load_stored_model(files.decoder_path), test_images
    )
    assert measured["reconstruction"] == pytest.approx(manifest["test"]["reconstruction"], rel=1e-3)
    body = {"network": network.pk, "index": 0, "neighbours": 40}
    response = api.post("/api/neighbourhoods/", body, format="json")
    assert response.status_code == 202, response.content
    run_queued()
    result = api.get(f"/api/neighbourhoods/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    assert len(result["summary"]["neighbours"]["labels"]) == 40
    zoo_refused = api.post("/api/vaes/", {"dataset": "fashion-mnist"}, format="json")
    assert zoo_refused.status_code == 400 and "ships its own VAE" in zoo_refused.json()["detail"]
