"""A real-size network (MobileNetV2) registered through the chunked upload API over real HTTP:
the connection drops mid-chunk, the client asks the server for its offset and resumes, the
completed upload is registered by a real Celery worker, and the network analyses an image."""

import socket
import time
from urllib.parse import urlparse

import pytest
import requests

from tests.fixtures.images import fashion_sample_png
from tests.fixtures.real_size import real_size_model_file

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CHUNK = 512 * 1024
URL = "/api/uploads/model-chunks/"


def login(live_server, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{live_server.url}/api/auth/me/")
    response = session.post(
        f"{live_server.url}/api/auth/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.headers["Referer"] = live_server.url
    return session


def wait_job(session, url: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = session.get(url).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {job}")


def drop_mid_chunk(live_server, session, upload_id: str, content: bytes, start: int) -> None:
    """Send a chunk's headers and half its bytes over a raw socket, then hang up."""
    host = urlparse(live_server.url)
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    chunk = content[start : start + CHUNK]
    head = (
        f"PUT {URL}{upload_id}/ HTTP/1.1\r\nHost: {host.netloc}\r\nCookie: {cookies}\r\n"
        f"X-CSRFToken: {session.headers['X-CSRFToken']}\r\nReferer: {live_server.url}\r\n"
        "Content-Type: application/octet-stream\r\n"
        f"Content-Range: bytes {start}-{start + len(chunk) - 1}/{len(content)}\r\n"
        f"Content-Length: {len(chunk)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host.hostname, host.port)) as raw:
        raw.sendall(head.encode() + chunk[: len(chunk) // 2])
        raw.shutdown(socket.SHUT_WR)
        raw.settimeout(30)
        try:
            while raw.recv(65536):  # the server's answer, if it could send one
                pass
        except OSError:
            pass


def send_from_offset(live_server, session, upload_id: str, content: bytes) -> None:
    """What the Models page does: ask for the offset, send chunks from there."""
    base = f"{live_server.url}{URL}{upload_id}/"
    offset = session.get(base).json()["offset"]
    while offset < len(content):
        chunk = content[offset : offset + CHUNK]
        answer = session.put(
            base, data=chunk, headers={
                "Content-Type": "application/octet-stream",
                "Content-Range": f"bytes {offset}-{offset + len(chunk) - 1}/{len(content)}",
            },
        )  # fmt: skip
        if answer.status_code == 409:  # out of step (or the broken chunk still closing)
            time.sleep(0.2)
            offset = session.get(base).json()["offset"]
            continue
        assert answer.status_code == 200, answer.text
        offset = answer.json()["offset"]


def test_mobilenet_registers_through_a_resumed_chunked_upload(
    live_server, celery_worker, zoo, user
):
    content = real_size_model_file("mobilenet_v2").read_bytes()
    assert len(content) > 3 * CHUNK
    session = login(live_server, "alice", "pw-alice")
    opened = session.post(
        f"{live_server.url}{URL}", json={"filename": "mobilenet_v2.keras", "size": len(content)}
    )
    assert opened.status_code == 201, opened.text
    upload_id = opened.json()["id"]
    base = f"{live_server.url}{URL}{upload_id}/"

    first = session.put(base, data=content[:CHUNK], headers={
        "Content-Type": "application/octet-stream",
        "Content-Range": f"bytes 0-{CHUNK - 1}/{len(content)}",
    })  # fmt: skip
    assert first.status_code == 200 and first.json()["offset"] == CHUNK
    drop_mid_chunk(live_server, session, upload_id, content, CHUNK)
    assert session.get(base).json()["offset"] == CHUNK  # the broken chunk was not kept
    send_from_offset(live_server, session, upload_id, content)
    assert session.get(base).json()["complete"]

    labels = [f"class {i}" for i in range(10)]
    answer = session.post(f"{live_server.url}/api/networks/", json={
        "upload": upload_id, "name": "mobilenet", "labels": "\n".join(labels),
        "preprocessing": "tf", "dataset": "fashion-mnist",
    })  # fmt: skip
    assert answer.status_code == 202, answer.text
    job = wait_job(session, f"{live_server.url}/api/jobs/{answer.json()['job']['id']}/")
    assert job["status"] == "succeeded", job["message"]
    assert [check["status"] for check in job["result"]["checks"]] == ["passed"] * 8
    assert session.get(base).status_code == 404  # the upload was used up

    network = session.get(f"{live_server.url}/api/networks/{job['result']['network_id']}/").json()
    assert network["input_spec"]["height"] == 96 and network["input_spec"]["scale"] == 1 / 127.5
    assert network["layer_count"] > 150 and network["dataset"] == "fashion-mnist"

    data, _ = fashion_sample_png(0)
    image = session.post(f"{live_server.url}/api/images/", files={"file": ("a.png", data)}).json()
    analysis = session.post(
        f"{live_server.url}/api/analyses/", json={"network": network["id"], "image": image["id"]}
    ).json()
    done = wait_job(session, f"{live_server.url}/api/jobs/{analysis['job']['id']}/")
    assert done["status"] == "succeeded", done["message"]
