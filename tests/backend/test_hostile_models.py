"""A hostile model corpus against POST /api/networks/ (issue 9 item 6), made by the test itself.

Each file is uploaded as a user would, and its registration job runs in this process with the
real task body (the ``queued``/``run_queued`` fixtures). Every one must end refused: a 4xx
answer, or a failed job whose message names the problem in plain words (never the "failed on
the server" of an unexpected exception). Nothing may be kept of a refused model (no network
row, no staged or registered file), and nothing may be written outside the media root (the
zip-slip members name files that must not appear anywhere). Static checks in
tests/worker/test_worker_model_safety.py cover the same files below the API; here the whole
path is exercised, and a few of them also go through a real Celery worker process, which must
survive them and then still register a good model.
"""

from __future__ import annotations

import io
import json
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.jobs.models import Job
from backend.networks.models import Network, NetworkRegistration
from tests.fixtures.models import build_tiny_vgg_28, build_vector_model, save_model

pytestmark = pytest.mark.django_db

LABELS = "\n".join(f"class {i}" for i in range(10))
SLIP = f"convscope-slip-{uuid.uuid4().hex[:12]}"  # a file no refused model may create
UNEXPECTED = "failed on the server"
# A protocol-0 pickle that would run `os.system` if anything ever unpickled it.
PICKLE = f"cos\nsystem\n(S'touch /tmp/{SLIP}'\ntR.".encode()


@dataclass
class Case:
    data: bytes
    filename: str = "model.keras"
    words: tuple[str, ...] = ()  # in the refusal, case-insensitive
    fields: dict = field(default_factory=dict)


def zipped(entries: dict[str, bytes], **extra: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**entries, **extra}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def with_config(entries: dict[str, bytes], mutate) -> bytes:
    config = json.loads(entries["config.json"])
    mutate(config)
    return zipped(entries, **{"config.json": json.dumps(config).encode()})


def layers(config) -> list:
    return config["config"]["layers"]


def insert_layer(layer: dict):
    return lambda config: layers(config).insert(1, layer)


def set_activation(value):
    def mutate(config):
        layers(config)[1]["config"]["activation"] = value

    return mutate


def function_ref(module: str, name: str) -> dict:
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def h5_with_config(good_h5: bytes, folder: Path, mutate) -> bytes:
    path = folder / f"{uuid.uuid4().hex}.h5"
    path.write_bytes(good_h5)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        mutate(config)
        f.attrs["model_config"] = json.dumps(config)
    return path.read_bytes()


def zip_bomb(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name in ("metadata.json", "config.json"):
            archive.writestr(name, entries[name])
        with archive.open("model.weights.h5", "w", force_zip64=True) as handle:
            block = bytes(1024 * 1024)
            for _ in range(300):  # 300 MB of zeros in ~300 kB
                handle.write(block)
    return buffer.getvalue()


def symlink_member(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO(zipped(entries))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo("assets/link")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def huge_input(config) -> None:
    """The input layer claims 100,000×100,000 pixels: the Dense after Flatten would need
    hundreds of GB of weights."""
    first = layers(config)[0]["config"]
    key = "batch_shape" if "batch_shape" in first else "batch_input_shape"
    first[key] = [None, 100_000, 100_000, 1]


def huge_units(config) -> None:
    dense = next(layer for layer in layers(config) if layer["class_name"] == "Dense")
    dense["config"]["units"] = 2_000_000_000


def deep_nesting() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


LAMBDA = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "registered_name": None,
    "config": {
        "name": "evil",
        "function": {
            "class_name": "__lambda__",
            "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None},
        },
    },
}
TFSM = {
    "module": "keras.layers",
    "class_name": "TFSMLayer",
    "registered_name": None,
    "config": {"name": "saved", "filepath": "/tmp/x", "call_endpoint": "serve"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("hostile-models")
    good_path = save_model(build_tiny_vgg_28(seed=1), folder / "good.keras")
    good = good_path.read_bytes()
    with zipfile.ZipFile(good_path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    good_h5 = save_model(build_tiny_vgg_28(seed=2), folder / "good.h5").read_bytes()
    vector = save_model(build_vector_model(), folder / "vector.keras").read_bytes()
    rng = np.random.default_rng(6)

    def h5(mutate) -> bytes:
        return h5_with_config(good_h5, folder, mutate)

    return {
        "lambda layer (.keras)": Case(
            with_config(entries, insert_layer(LAMBDA)), words=("Lambda",)
        ),
        "lambda layer (.h5)": Case(
            h5(
                insert_layer(
                    {"class_name": "Lambda", "config": {"name": "sneaky", "function": "x"}}
                )
            ),
            "model.h5",
            ("Lambda",),
        ),
        "layer class from os.system": Case(
            with_config(
                entries,
                insert_layer({"module": "os", "class_name": "system", "config": {"name": "x"}}),
            ),
            words=("os",),
        ),  # fmt: skip
        "activation builtins.eval": Case(
            with_config(entries, set_activation(function_ref("builtins", "eval"))),
            words=("builtins",),
        ),
        "activation subprocess.Popen": Case(
            with_config(entries, set_activation(function_ref("subprocess", "Popen"))),
            words=("subprocess",),
        ),
        "activation string os.system": Case(
            with_config(entries, set_activation("os.system")), words=("os.system",)
        ),
        "activation builtins.eval (.h5)": Case(
            h5(lambda c: c["config"]["layers"][1]["config"].update(activation="builtins.eval")),
            "model.h5",
            ("eval",),
        ),
        "TFSMLayer": Case(with_config(entries, insert_layer(TFSM)), words=("TFSMLayer",)),
        "safe mode turned off": Case(
            with_config(
                entries,
                lambda c: layers(c)[1]["config"].update(
                    name="keras.config.enable_unsafe_deserialization"
                ),
            ),
            words=("safe mode",),
        ),  # fmt: skip
        "zip slip ../../": Case(
            zipped(entries, **{f"../../{SLIP}": b"gotcha"}), words=("unsafe entry",)
        ),
        "zip slip absolute": Case(zipped(entries, **{f"/tmp/{SLIP}": b"x"}), words=("unsafe",)),
        "zip slip backslashes": Case(
            zipped(entries, **{f"..\\..\\{SLIP}": b"x"}), words=("unsafe",)
        ),
        "symlink member": Case(symlink_member(entries), words=("symbolic link",)),
        "zip bomb": Case(zip_bomb(entries), words=("MB",)),
        "random bytes .keras": Case(rng.bytes(8192), words=("zip",)),
        "random bytes .h5": Case(rng.bytes(8192), "model.h5", ("HDF5",)),
        "zip named .h5": Case(good, "model.h5", ("HDF5",)),
        "pickle named .keras": Case(PICKLE, words=("zip",)),
        "pickle named .h5": Case(PICKLE, "model.h5", ("HDF5",)),
        "pickle member in .keras": Case(zipped(entries, **{"model.pkl": PICKLE}), words=("pkl",)),
        "pickle file (.pkl)": Case(PICKLE, "model.pkl", (".keras",)),
        "deeply nested config": Case(
            zipped(entries, **{"config.json": deep_nesting()}), words=("JSON",)
        ),
        "config is not JSON": Case(
            zipped(entries, **{"config.json": b"\xff\xfe{"}), words=("JSON",)
        ),
        "keras 2 metadata": Case(
            zipped(entries, **{"metadata.json": b'{"keras_version": "2.15.0"}'}), words=("Keras",)
        ),
        "no config.json": Case(
            zipped({k: v for k, v in entries.items() if k != "config.json"}), words=("config",)
        ),
        "huge input shape": Case(with_config(entries, huge_input)),
        "huge dense layer": Case(with_config(entries, huge_units), words=("memory",)),
        "not an image model": Case(vector, words=("image",), fields={"labels": "a\nb\nc"}),
        "empty file": Case(b"", words=()),
    }


def files_under(root: Path) -> set[str]:
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def slipped(media_root: Path) -> list[Path]:
    """Where a zip-slip member (or the pickle's command) could have landed."""
    places = {media_root.parent, media_root.parent.parent, Path.cwd(), Path(tempfile.gettempdir())}
    places |= {Path("/tmp")}
    return [place / SLIP for place in places if (place / SLIP).exists()]


def form(case: Case, name: str) -> dict:
    data = {
        "file": SimpleUploadedFile(case.filename, case.data, "application/octet-stream"),
        "name": name,
        "labels": LABELS,
        "input_height": 28,
        "input_width": 28,
        "channels": 1,
    }
    data.update(case.fields)
    return data


def assert_plain(message: str) -> None:
    assert isinstance(message, str) and len(message) > 10, message
    assert UNEXPECTED not in message, message
    assert "Traceback" not in message and "Error:" not in message, message


def assert_nothing_kept(media_root: Path, before: set[str], name: str) -> None:
    assert not Network.objects.filter(name=name).exists()
    after = files_under(media_root)
    assert after == before, f"files kept: {sorted(after - before)}; removed: {before - after}"
    assert not slipped(media_root)


def test_the_corpus_is_large_enough(corpus):
    assert len(corpus) >= 10


def test_every_hostile_model_is_refused(api, zoo, queued, run_queued, media_root, corpus):
    outcomes = {}
    for index, (case_name, case) in enumerate(sorted(corpus.items())):
        name = f"hostile-{index}"
        before = files_under(media_root)
        response = api.post("/api/networks/", form(case, name), format="multipart")
        assert response.status_code < 500, (case_name, response.content[:300])
        if response.status_code != 202:
            assert 400 <= response.status_code < 500, (case_name, response.status_code)
            message = response.json()["detail"]
            assert not queued
        else:
            run_queued()
            job = api.get(f"/api/jobs/{response.json()['job']['id']}/").json()
            assert job["status"] == "failed", (case_name, job["status"], job["message"])
            message = job["message"]
            failed = [c for c in job["result"]["checks"] if c["status"] == "failed"]
            assert len(failed) == 1 and failed[0]["detail"] == message, (case_name, job)
            registration = NetworkRegistration.objects.get(job_id=job["id"])
            assert registration.network_id is None
        assert_plain(message)
        for word in case.words:
            assert word.lower() in message.lower(), (case_name, message)
        assert_nothing_kept(media_root, before, name)
        outcomes[case_name] = f"{response.status_code} {message}"
    print("\n" + "\n".join(f"{k}: {v}" for k, v in outcomes.items()))
    assert not Network.objects.filter(name__startswith="hostile-").exists()


REAL_WORKER_CASES = ["lambda layer (.keras)", "zip slip ../../", "zip bomb", "huge input shape"]


@pytest.mark.integration
def test_a_real_worker_survives_hostile_models(
    celery_worker, make_user, media_root, corpus, tmp_path
):
    """Through Redis and a `celery worker` process: refused, and the worker still works."""
    import time

    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user("eve"))

    def finish(response) -> dict:
        assert response.status_code == 202, response.content
        url = f"/api/jobs/{response.json()['job']['id']}/"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            job = client.get(url).json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                return job
            time.sleep(0.5)
        raise AssertionError(f"the job did not finish: {job}")

    for index, case_name in enumerate(REAL_WORKER_CASES):
        before = files_under(media_root)
        job = finish(client.post("/api/networks/", form(corpus[case_name], f"evil-{index}"),
                                 format="multipart"))  # fmt: skip
        assert job["status"] == "failed", (case_name, job)
        assert_plain(job["message"])
        assert_nothing_kept(media_root, before, f"evil-{index}")
    assert celery_worker.poll() is None, "the worker process died"
    good = save_model(build_tiny_vgg_28(seed=3), tmp_path / "good.keras")
    job = finish(client.post("/api/networks/", form(Case(good.read_bytes()), "after-evil"),
                             format="multipart"))  # fmt: skip
    assert job["status"] == "succeeded", job["message"]
    assert Job.objects.filter(status="failed").count() == len(REAL_WORKER_CASES)
