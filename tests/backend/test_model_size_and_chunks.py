"""Real-size networks (issue 17 §1, §5): one model-size limit, the same sentence from the web,
the command line and the static safety check; model files uploaded in chunks (out of order
refused, resumed from the server's offset, private, registered only when complete, streamed
rather than read whole); presets in the registration form; a dataset linked and unlinked later.
"""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from backend.networks.models import ModelUpload, Network
from tests.fixtures.models import build_tiny_vgg_64_rgb, save_model
from worker.runtime.model_safety import ModelRejected, check_model_file, size_refusal

LABELS = [f"class {i}" for i in range(10)]
URL = "/api/uploads/model-chunks/"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    return save_model(build_tiny_vgg_64_rgb(seed=4), tmp_path_factory.mktemp("m") / "net.keras")


def open_upload(api, size: int, filename: str = "net.keras"):
    return api.post(URL, {"filename": filename, "size": size}, format="json")


def put_chunk(api, upload_id: str, data: bytes, start: int, total: int, **extra):
    return api.put(
        f"{URL}{upload_id}/",
        data=data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {start}-{start + len(data) - 1}/{total}",
        **extra,
    )


def upload_whole(api, content: bytes, chunk: int = 64 * 1024) -> str:
    opened = open_upload(api, len(content))
    assert opened.status_code == 201, opened.content
    upload_id = opened.json()["id"]
    for start in range(0, len(content), chunk):
        answer = put_chunk(api, upload_id, content[start : start + chunk], start, len(content))
        assert answer.status_code == 200, answer.content
    assert api.get(f"{URL}{upload_id}/").json()["complete"]
    return upload_id


def registration_form(**fields) -> dict:
    data = {"name": "big-net", "labels": "\n".join(LABELS), "input_height": 64,
            "input_width": 64, "channels": 3}  # fmt: skip
    data.update(fields)
    return data


def test_one_limit_one_sentence_from_web_cli_and_safety_check(
    api, zoo, queued, run_queued, settings, model_file, tmp_path
):
    size = model_file.stat().st_size
    settings.CONVSCOPE_MAX_MODEL_UPLOAD_BYTES = size - 1
    sentence = size_refusal(size - 1)
    assert "CONVSCOPE_MAX_MODEL_UPLOAD_BYTES" in sentence and "larger than" in sentence

    content = model_file.read_bytes()
    upload = SimpleUploadedFile("net.keras", content, content_type="application/octet-stream")
    web = api.post("/api/networks/", registration_form(file=upload), format="multipart")
    assert web.status_code == 413 and web.json()["detail"] == sentence
    chunked = open_upload(api, size)
    assert chunked.status_code == 413 and chunked.json()["detail"] == sentence
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(LABELS))
    with pytest.raises(CommandError) as cli:
        call_command("register_network", file=model_file, name="big-net", labels=labels)
    assert str(cli.value) == sentence
    with pytest.raises(ModelRejected) as safety:
        check_model_file(model_file, size - 1)
    assert str(safety.value) == sentence
    assert queued == [] and not ModelUpload.objects.exists()

    # At the limit: accepted, through the chunked API, and registered by its job.
    settings.CONVSCOPE_MAX_MODEL_UPLOAD_BYTES = size
    upload_id = upload_whole(api, content)
    answer = api.post(
        "/api/networks/", registration_form(upload=upload_id, preprocessing="caffe"), format="json"
    )
    assert answer.status_code == 202, answer.content
    run_queued()
    job = api.get(f"/api/jobs/{answer.json()['job']['id']}/").json()
    assert job["status"] == "succeeded", job["message"]
    network = Network.objects.get(name="big-net")
    assert network.input_spec["channel_order"] == "bgr"
    assert network.input_spec["mean"] == [103.939, 116.779, 123.68]
    assert network.input_spec["scale"] == 1.0
    assert not ModelUpload.objects.exists()  # claimed: an upload registers once
    again = api.post(
        "/api/networks/", registration_form(upload=upload_id, name="again"), format="json"
    )
    assert again.status_code == 404


def test_the_unpacked_limit_scales_with_the_model_limit(model_file):
    from worker.runtime.model_safety import zip_limits

    assert zip_limits(600 * 2**20).max_total_bytes == 1500 * 2**20
    assert zip_limits(100 * 2**20).max_total_bytes == 250 * 2**20
    # The tiny model unpacks to more than 2.5 × a limit of a few hundred bytes.
    with pytest.raises(ModelRejected, match="unpacks to more than"):
        from worker.runtime.model_safety import _check_keras_zip

        _check_keras_zip(model_file, zip_limits(1000))


def test_chunks_out_of_order_are_refused_and_a_drop_resumes_from_the_offset(api, zoo):
    content = np.random.default_rng(0).bytes(300_000)
    opened = open_upload(api, len(content))
    assert opened.status_code == 201
    body = opened.json()
    assert body["offset"] == 0 and not body["complete"] and body["chunk_bytes"] >= 8 * 2**20
    upload_id = body["id"]

    skipped = put_chunk(api, upload_id, content[100_000:200_000], 100_000, len(content))
    assert skipped.status_code == 409 and skipped.json()["offset"] == 0
    assert put_chunk(api, upload_id, content[:100_000], 0, len(content)).json()["offset"] == 100_000
    # A chunk whose body is shorter than its range (the connection dropped mid-chunk) is
    # discarded: the offset stays, and the client resends from there.
    short = api.put(
        f"{URL}{upload_id}/", data=content[100_000:150_000],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 100000-199999/{len(content)}",
    )  # fmt: skip
    assert short.status_code == 400 and short.json()["offset"] == 100_000
    assert api.get(f"{URL}{upload_id}/").json()["offset"] == 100_000
    repeat = put_chunk(api, upload_id, content[:100_000], 0, len(content))  # resent: refused
    assert repeat.status_code == 409 and repeat.json()["offset"] == 100_000
    # Incomplete: it cannot be registered.
    early = api.post("/api/networks/", registration_form(upload=upload_id), format="json")
    assert early.status_code == 400 and "not complete" in early.json()["detail"]
    for start in (100_000, 200_000):
        answer = put_chunk(api, upload_id, content[start : start + 100_000], start, len(content))
        assert answer.status_code == 200
    done = api.get(f"{URL}{upload_id}/").json()
    assert done["complete"] and done["offset"] == len(content)
    from backend.networks.chunked import upload_path

    assert upload_path(ModelUpload.objects.get(pk=upload_id)).read_bytes() == content


def test_bad_ranges_and_files_are_refused_in_words(api, zoo):
    assert open_upload(api, 10, "notes.txt").status_code == 400
    assert open_upload(api, 0).status_code == 400
    upload_id = open_upload(api, 100).json()["id"]
    base = f"{URL}{upload_id}/"
    no_range = api.put(base, data=b"x" * 10, content_type="application/octet-stream")
    assert no_range.status_code == 400 and "Content-Range" in no_range.json()["detail"]
    wrong_total = put_chunk(api, upload_id, b"x" * 10, 0, 99)
    assert wrong_total.status_code == 400 and "100 bytes" in wrong_total.json()["detail"]
    past_end = put_chunk(api, upload_id, b"x" * 10, 95, 100)
    assert past_end.status_code == 400


def test_uploads_are_private_to_their_user(api, other_api, zoo, model_file):
    upload_id = upload_whole(api, model_file.read_bytes())
    assert other_api.get(f"{URL}{upload_id}/").status_code == 404
    assert put_chunk(other_api, upload_id, b"x", 0, 1).status_code == 404
    assert other_api.delete(f"{URL}{upload_id}/").status_code == 404
    stolen = other_api.post(
        "/api/networks/", registration_form(upload=upload_id, name="stolen"), format="json"
    )
    assert stolen.status_code == 404
    assert api.get(f"{URL}{upload_id}/").status_code == 200
    assert api.delete(f"{URL}{upload_id}/").status_code == 204
    assert api.get(f"{URL}{upload_id}/").status_code == 404
    assert api.get(f"{URL}not-a-uuid/").status_code == 404


def test_a_chunk_larger_than_django_memory_limits_is_streamed(api, zoo, settings):
    """request.body would raise RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE: a chunk four
    times that size goes through because the view only ever reads the stream piece by piece."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    content = np.random.default_rng(1).bytes(1024 * 1024)
    opened = open_upload(api, len(content)).json()
    answer = put_chunk(api, opened["id"], content, 0, len(content))
    assert answer.status_code == 200, answer.content
    assert answer.json()["complete"]


def test_chunk_size_limit_and_open_upload_quota(api, zoo, settings):
    settings.CONVSCOPE_UPLOAD_CHUNK_MAX_BYTES = 1000
    upload_id = open_upload(api, 5000).json()["id"]
    too_big = put_chunk(api, upload_id, b"x" * 2000, 0, 5000)
    assert too_big.status_code == 413
    settings.CONVSCOPE_UPLOADS_PER_USER = 2
    assert open_upload(api, 5000).status_code == 201
    refused = open_upload(api, 5000)
    assert refused.status_code == 429 and "unfinished" in refused.json()["detail"]


def test_stale_uploads_are_removed(api, zoo, settings):
    from datetime import timedelta

    from django.utils import timezone

    from backend.networks.chunked import remove_stale_uploads, upload_path

    upload_id = open_upload(api, 5000).json()["id"]
    path = upload_path(ModelUpload.objects.get(pk=upload_id))
    assert path.is_file()
    assert remove_stale_uploads() == 0
    later = timezone.now() + timedelta(seconds=settings.CONVSCOPE_UPLOAD_MAX_AGE_SECONDS + 60)
    assert remove_stale_uploads(now=later) == 1
    assert not ModelUpload.objects.exists() and not path.parent.exists()


def test_prune_results_also_removes_stale_uploads(api, zoo, settings):
    """The periodic job and `manage.py prune_results` clear abandoned uploads too, not only
    the next upload (which may never come)."""
    from io import StringIO

    from django.core.management import call_command

    from backend.networks.chunked import upload_path

    upload_id = open_upload(api, 5000).json()["id"]
    path = upload_path(ModelUpload.objects.get(pk=upload_id))
    out = StringIO()
    call_command("prune_results", stdout=out)
    assert "Removed 0 unfinished model upload(s)" in out.getvalue() and path.is_file()
    settings.CONVSCOPE_UPLOAD_MAX_AGE_SECONDS = 0
    ModelUpload.objects.filter(pk=upload_id).update(
        updated_at=ModelUpload.objects.get(pk=upload_id).updated_at - timedelta(seconds=5)
    )
    call_command("prune_results", "--dry-run", stdout=out)
    assert path.is_file()  # a dry run changes nothing
    call_command("prune_results", stdout=out)
    assert "Removed 1 unfinished model upload(s)" in out.getvalue()
    assert not ModelUpload.objects.exists() and not path.parent.exists()


def test_presets_in_the_form(api, zoo, queued, model_file):
    from backend.networks.api.serializers import NetworkRegistrationCreateSerializer

    def form(**fields):
        data = registration_form(upload="00000000-0000-0000-0000-000000000000", **fields)
        serializer = NetworkRegistrationCreateSerializer(data=data)
        return serializer, serializer.is_valid()

    serializer, ok = form(preprocessing="torch")
    assert ok, serializer.errors
    assert serializer.validated_data["mean"] == [0.485, 0.456, 0.406]
    assert serializer.validated_data["std"] == [0.229, 0.224, 0.225]
    serializer, ok = form(preprocessing="tf")
    assert ok and serializer.validated_data["scale"] == 1 / 127.5
    _, ok = form(preprocessing="caffe", channels=1)
    assert not ok
    _, ok = form(preprocessing="sepia")
    assert not ok
    _, ok = form(channel_order="bgr", channels=1)
    assert not ok


def register_small(api, run_queued, model_file, name="linked-net", **fields) -> Network:
    upload = SimpleUploadedFile("n.keras", model_file.read_bytes())
    answer = api.post(
        "/api/networks/", registration_form(file=upload, name=name, **fields), format="multipart"
    )
    assert answer.status_code == 202, answer.content
    run_queued()
    return Network.objects.get(name=name)


def test_a_dataset_is_linked_and_unlinked_later(
    api, other_api, zoo, user, other_user, queued, run_queued, model_file, tmp_path
):
    from backend.core.roles import set_role
    from backend.datasets.models import Dataset

    network = register_small(api, run_queued, model_file)
    assert network.dataset is None
    url = f"/api/networks/{network.pk}/"
    linked = api.patch(url, {"dataset": "fashion-mnist"}, format="json")
    assert linked.status_code == 200, linked.content
    assert linked.json()["dataset"] == "fashion-mnist"
    assert Network.objects.get(pk=network.pk).dataset.name == "fashion-mnist"
    assert api.get("/api/networks/?dataset=fashion-mnist").json()[-1]["name"] != ""

    Dataset.objects.create(name="two-kinds", title="Two", manifest={"classes": ["a", "b"]},
                           builtin=False, owner=user)  # fmt: skip
    wrong = api.patch(url, {"dataset": "two-kinds"}, format="json")
    assert wrong.status_code == 400 and "10 outputs" in wrong.json()["detail"]
    missing = api.patch(url, {"dataset": "no-such"}, format="json")
    assert missing.status_code == 400
    # Another user's private network: not found; a zoo network: refused.
    assert other_api.patch(url, {"dataset": None}, format="json").status_code == 404
    zoo_url = f"/api/networks/{zoo['tiny-vgg'].pk}/"
    assert api.patch(zoo_url, {"dataset": None}, format="json").status_code == 403
    # Public, but not theirs: forbidden; an administrator may.
    Network.objects.filter(pk=network.pk).update(public=True)
    assert other_api.patch(url, {"dataset": None}, format="json").status_code == 403
    set_role(other_user, "admin")
    unlinked = other_api.patch(url, {"dataset": None}, format="json")
    assert unlinked.status_code == 200 and unlinked.json()["dataset"] is None
    assert Network.objects.get(pk=network.pk).dataset is None

    # The command line.
    out = io.StringIO()
    call_command("link_dataset", network="linked-net", dataset="digits", stdout=out)
    assert "linked to the dataset digits" in out.getvalue()
    assert Network.objects.get(pk=network.pk).dataset.name == "digits"
    with pytest.raises(CommandError, match="10 outputs"):
        call_command("link_dataset", network="linked-net", dataset="two-kinds")
    call_command("link_dataset", network="linked-net", unlink=True, stdout=out)
    assert Network.objects.get(pk=network.pk).dataset is None
    with pytest.raises(CommandError, match="cannot be changed"):
        call_command("link_dataset", network="tiny-vgg", unlink=True)


def test_weights_are_served_as_a_stream(api, zoo, queued, run_queued, model_file):
    """The weight download never reads the file whole: a streaming FileResponse."""
    network = register_small(api, run_queued, model_file, name="streamed-net")
    layer = next(item for item in network.layers if item.get("weights"))
    response = api.get(f"/api/networks/{network.pk}/layers/{layer['index']}/kernel/")
    assert response.status_code == 200 and response.streaming
    kernel = np.load(io.BytesIO(b"".join(response.streaming_content)))
    assert kernel.shape == tuple(layer["weights"]["kernel_shape"])
