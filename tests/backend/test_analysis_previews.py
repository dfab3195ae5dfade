"""The overview's previews (GET /api/analyses/{id}/previews/): every layer's first maps, area
averaged to a side of at most 32 and quantised to uint8 on the layer's [lo, hi], checked against
an independent NumPy reference; index ranges; other users refused; older results built on
first request and kept."""

import io
import json
import struct

import numpy as np
import pytest

from backend.analyses.models import AnalysisResult
from tests.backend.test_analyses_api import payload_bytes, upload_sample
from worker.techniques.previews import PREVIEWS_FILE, layer_preview

pytestmark = pytest.mark.django_db


def read_previews(data: bytes) -> list[tuple[dict, np.ndarray]]:
    assert data[:4] == b"CSB1"
    (length,) = struct.unpack("<I", data[4:8])
    header = json.loads(data[8 : 8 + length])
    start = 8 + length
    return [
        (
            item,
            np.load(
                io.BytesIO(data[start + item["offset"] : start + item["offset"] + item["length"]])
            ),
        )
        for item in header["layers"]
    ]


def reference(full: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Area mean by an explicit loop over output cells, then the layer's scale."""
    lo, hi = float(full.min()), float(full.max())
    if full.ndim == 1:
        return full[:1024][None, :, None].astype(np.float64), lo, hi
    maps = full[:, :, :8].astype(np.float64)
    height, width = maps.shape[:2]
    f = -(-max(height, width) // 32)
    out = np.zeros((-(-height // f), -(-width // f), maps.shape[2]))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = maps[r * f : (r + 1) * f, c * f : (c + 1) * f].mean(axis=(0, 1))
    return out, lo, hi


def check_layer(item: dict, part: np.ndarray, full: np.ndarray) -> None:
    expected, lo, hi = reference(full)
    assert item["scale"] == pytest.approx([lo, hi])
    assert item["shape"] == list(full.shape)
    assert item["channels"] == expected.shape[-1] == part.shape[-1]
    assert part.dtype == np.uint8 and part.shape == expected.shape
    decoded = lo + part.astype(np.float64) / 255 * (hi - lo)
    step = (hi - lo) / 255
    assert np.abs(decoded - expected).max() <= step * 0.5001 + 1e-9


def analyse(api, network, run_queued, index=0) -> dict:
    body = api.post(
        "/api/analyses/", {"network": network.pk, "image": upload_sample(api, index)}, format="json"
    ).json()
    run_queued()
    return api.get(f"/api/analyses/{body['id']}/").json()


def test_previews_match_numpy_reference_and_ranges(api, other_api, zoo, queued, run_queued):
    analysis = analyse(api, zoo["tiny-vgg"], run_queued)
    assert analysis["previews_url"] == f"/api/analyses/{analysis['id']}/previews/"
    everything = read_previews(payload_bytes(api.get(analysis["previews_url"])))
    assert [item["name"] for item, _ in everything] == [x["name"] for x in analysis["layers"]]
    for (item, part), layer in zip(everything, analysis["layers"], strict=True):
        full = np.load(io.BytesIO(payload_bytes(api.get(layer["url"]))))
        assert item["index"] == layer["index"]
        check_layer(item, part, full)
        if full.ndim == 3:  # 28×28 networks: full resolution, first 8 maps
            assert part.shape[:2] == full.shape[:2]

    indices = [x["index"] for x in analysis["layers"]]
    first, stop = indices[2], indices[5]
    picked = read_previews(
        payload_bytes(api.get(analysis["previews_url"], {"from": first, "to": stop}))
    )
    assert [item["index"] for item, _ in picked] == indices[2:5]
    for (item, part), (same, whole) in zip(picked, everything[2:5], strict=True):
        assert item["scale"] == same["scale"]
        np.testing.assert_array_equal(part, whole)
    tail = read_previews(payload_bytes(api.get(analysis["previews_url"], {"from": stop})))
    assert [item["index"] for item, _ in tail] == indices[5:]
    assert read_previews(payload_bytes(api.get(analysis["previews_url"], {"to": 0}))) == []
    for bad in ({"from": "-1"}, {"to": "x"}, {"from": "²"}):
        assert api.get(analysis["previews_url"], bad).status_code == 400

    # someone else's analysis: 404, as for its other files
    assert other_api.get(analysis["previews_url"]).status_code == 404


def test_older_result_gets_previews_on_first_request(api, zoo, queued, run_queued):
    analysis = analyse(api, zoo["deep-bn"], run_queued, index=3)
    result = AnalysisResult.objects.get(analyses__pk=analysis["id"])
    stored = result.file(PREVIEWS_FILE)
    first = payload_bytes(api.get(analysis["previews_url"]))
    stored.unlink()  # as stored before previews existed
    again = payload_bytes(api.get(analysis["previews_url"]))
    assert again == first and stored.is_file()
    for (item, part), layer in zip(read_previews(again), result.layers, strict=True):
        check_layer(item, part, np.load(result.file(layer["file"])))


def test_large_maps_are_area_averaged():
    rng = np.random.default_rng(0)
    for shape in [(112, 112, 64), (56, 56, 3), (7, 7, 2048), (33, 65, 9), (2048,), (5,)]:
        full = rng.normal(size=shape).astype(np.float32)
        part, info = layer_preview(full)
        check_layer({**info}, part, full)
        assert max(part.shape[:2]) <= 32 or full.ndim == 1
    flat = np.full((4, 4, 2), 3.0, dtype=np.float32)  # constant layer: all zeros, no division
    part, info = layer_preview(flat)
    assert info["scale"] == [3.0, 3.0] and not part.any()


def test_share_link_serves_the_same_previews(api, anon_api, zoo, queued, run_queued):
    from tests.backend.test_share_links import share, token_of

    analysis = analyse(api, zoo["tiny-vgg"], run_queued, index=1)
    token = token_of(share(api, analysis=analysis["id"]))
    shared = anon_api.get(f"/api/shared/{token}/").json()["analysis"]
    url = shared["previews_url"]
    assert url == f"/api/shared/{token}/analyses/{analysis['id']}/previews/"
    got = anon_api.get(url, {"from": 1, "to": 3})
    assert got.status_code == 200 and got["Referrer-Policy"] == "no-referrer"
    mine = payload_bytes(api.get(analysis["previews_url"], {"from": 1, "to": 3}))
    assert payload_bytes(got) == mine
