"""Filter annotations: upsert per filter, owner scoping, export as CSV and JSON."""

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from tests.fixtures.networks import private_network

pytestmark = pytest.mark.django_db


def note(api, network, layer="conv_2_1", index=3, **values):
    body = {"network": network.pk, "layer": layer, "filter": index, **values}
    return api.post("/api/annotations/", body, format="json")


def test_post_creates_then_updates_the_same_filter(api, zoo):
    network = zoo["tiny-vgg"]
    first = note(api, network, verdict="useless", note="  fires on nothing  ")
    assert first.status_code == 201, first.content
    assert first.json()["verdict"] == "useless" and first.json()["note"] == "fires on nothing"
    second = note(api, network, verdict="useful", note="edges")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    note(api, network, index=4, verdict="useful")
    note(api, network, layer="conv_1_1", index=0, note="just a note")
    rows = api.get(f"/api/annotations/?network={network.pk}&layer=conv_2_1").json()
    assert [(r["filter"], r["verdict"], r["note"]) for r in rows] == [
        (3, "useful", "edges"),
        (4, "useful", ""),
    ]
    assert len(api.get("/api/annotations/").json()) == 3
    annotation = rows[0]["id"]
    patched = api.patch(f"/api/annotations/{annotation}/", {"verdict": ""}, format="json")
    assert patched.status_code == 200 and patched.json()["verdict"] == ""
    assert patched.json()["note"] == "edges"
    assert api.delete(f"/api/annotations/{annotation}/").status_code == 204
    assert len(api.get("/api/annotations/").json()) == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"verdict": "maybe"}, "verdict"),
        ({"note": "x" * 2001}, "note"),
        ({"layer": "nope"}, "no layer"),
        ({"layer": "flatten", "filter": 0}, "no filters"),
        ({"filter": 32}, "filters 0 to 31"),
        ({"filter": -1}, "filter"),
    ],
)
def test_bad_input_is_refused(api, zoo, body, field):
    response = note(api, zoo["tiny-vgg"], **body)
    assert response.status_code == 400, response.content
    assert field in str(response.json())


def test_annotations_are_private(api, zoo, make_user):
    network = zoo["tiny-vgg"]
    mine = note(api, network, verdict="useful").json()
    other = APIClient()
    other.force_authenticate(make_user("mallory2"))
    assert other.get("/api/annotations/").json() == []
    assert other.get(f"/api/annotations/{mine['id']}/").status_code == 404
    patch = other.patch(f"/api/annotations/{mine['id']}/", {"note": "mine"}, format="json")
    assert patch.status_code == 404
    assert other.delete(f"/api/annotations/{mine['id']}/").status_code == 404
    # the same filter annotated by another user is a separate annotation
    theirs = note(other, network, verdict="useless")
    assert theirs.status_code == 201 and theirs.json()["id"] != mine["id"]
    assert api.get(f"/api/annotations/{mine['id']}/").json()["verdict"] == "useful"
    # a network the user cannot see
    hidden = private_network(make_user("owner"), network, "owners-vgg")
    assert note(api, hidden).status_code == 404
    assert APIClient().get("/api/annotations/").status_code == 401
    assert api.get("/api/annotations/?network=abc").status_code == 400


def test_export_as_csv_and_json(api, zoo):
    network = zoo["tiny-vgg"]
    note(api, network, index=1, verdict="useless", note='dead, "never" fires')
    note(api, network, index=2, verdict="useful", note="vertical edges\nand corners")
    response = api.get(f"/api/annotations/export/?network={network.pk}&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".csv" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0] == "network,network_name,layer,filter,verdict,note,updated_at"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["filter"], r["verdict"], r["note"]) for r in rows] == [
        ("1", "useless", 'dead, "never" fires'),
        ("2", "useful", "vertical edges\nand corners"),
    ]
    assert rows[0]["network_name"] == "tiny-vgg" and rows[0]["layer"] == "conv_2_1"
    response = api.get(f"/api/annotations/export/?network={network.pk}&format=json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)["annotations"]
    assert [(r["filter"], r["verdict"]) for r in data] == [(1, "useless"), (2, "useful")]
    assert api.get("/api/annotations/export/?format=xml").status_code == 400
    other_network = api.get("/api/annotations/export/?network=999999&format=json")
    assert json.loads(other_network.content)["annotations"] == []
