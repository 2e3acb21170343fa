import copy
import json

import jsonschema
import pytest

from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import MOONS, assert_valid_trace, create


def test_create_answers_201_with_id_token_and_model(client):
    response = client.post("/api/v1/models", json=XOR_EXAMPLE)
    body = response.json()
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/models/{body['id']}"
    assert body["model"]["id"] == body["id"] and body["model"]["step"] == 0
    assert body["model"]["params"][0]["W"] == [[1, 1], [1, 1]]
    assert body["edit_token"] != body["id"]


def test_read_needs_only_the_id(client, xor):
    model = client.get(xor.url).json()
    assert model["spec"]["name"] == "xor" and model["metrics"] is None and model["history"] == []


def test_unknown_model_is_404(client):
    assert client.get("/api/v1/models/not-a-model").status_code == 404
    assert client.post("/api/v1/models/not-a-model/train", json={"steps": 1}).status_code == 404


def test_goodfellow_xor_weights_predict_xor_exactly(client, xor):
    y = client.post(f"{xor.url}/predict", json={"x": [[0, 0], [0, 1], [1, 0], [1, 1]]}).json()["y"]
    assert y == [[0.0], [1.0], [1.0], [0.0]]


def test_train_runs_the_steps_and_records_history(client, moons):
    response = client.post(f"{moons.url}/train", json={"steps": 30}, headers=moons.auth)
    body = response.json()
    assert response.status_code == 200
    assert body["step"] == 30 and body["steps"] == 30 and len(body["history"]) == 30
    assert body["loss"] < body["history"][0]["loss"]
    assert client.get(moons.url).json()["step"] == 30


def test_train_streams_ndjson_progress_then_the_result(client, moons):
    headers = {**moons.auth, "Accept": "application/x-ndjson"}
    with client.stream("POST", f"{moons.url}/train", json={"steps": 40, "every": 10}, headers=headers) as r:
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    assert [line["step"] for line in lines[:-1]] == [10, 20, 30, 40]
    assert all(line["type"] == "progress" for line in lines[:-1])
    assert lines[-1]["type"] == "result" and lines[-1]["step"] == 40


def test_ndjson_train_checks_the_token_before_streaming(client, moons):
    headers = {"Accept": "application/x-ndjson"}
    response = client.post(f"{moons.url}/train", json={"steps": 5}, headers=headers)
    assert response.status_code == 401


def test_step_answers_a_valid_trace_with_all_phases(client, moons):
    response = client.post(f"{moons.url}/step", headers=moons.auth)
    trace = response.json()
    assert_valid_trace(trace)
    types = [event["type"] for event in trace["events"]]
    assert types[0] == "forward" and "backward" in types and "update" in types and types[-1] == "metrics"
    assert trace["step"] == 1 and trace["rows"] == list(range(8))
    assert [event["seq"] for event in trace["events"]] == list(range(len(types)))


def test_trace_does_not_update(client, moons):
    trace = client.get(f"{moons.url}/trace", params={"rows": 3}).json()
    assert_valid_trace(trace)
    assert trace["rows"] == [0, 1, 2] and trace["step"] == 0
    assert "update" not in {event["type"] for event in trace["events"]}
    assert client.get(moons.url).json()["step"] == 0


def test_trace_rows_follow_the_request(client, moons):
    forward = client.get(f"{moons.url}/trace", params={"rows": 2}).json()["events"][0]
    assert forward["value"]["shape"][0] == 2


@pytest.mark.parametrize("params", [{"encoding": "f32"}, {"summary_over": 4}, {"rows": 200}])
def test_trace_encodings_match_the_schema(client, moons, params):
    assert_valid_trace(client.get(f"{moons.url}/trace", params=params).json())


def test_f32_trace_is_smaller_than_plain(client, moons):
    plain = client.get(f"{moons.url}/trace", params={"rows": 200}).content
    compact = client.get(f"{moons.url}/trace", params={"rows": 200, "encoding": "f32"}).content
    assert len(compact) < len(plain) / 2


def test_trace_rows_beyond_the_data_are_capped(client, xor):
    assert client.get(f"{xor.url}/trace", params={"rows": 50}).json()["rows"] == [0, 1, 2, 3]


def test_grid_covers_the_plane(client, moons):
    grid = client.get(f"{moons.url}/grid", params={"resolution": 5}).json()
    assert len(grid["x"]) == 5 and len(grid["values"]) == 5 and len(grid["values"][0]) == 5
    assert all(0 <= v <= 1 for row in grid["values"] for v in row)


def test_reset_returns_to_step_zero(client, xor):
    client.post(f"{xor.url}/train", json={"steps": 3}, headers=xor.auth)
    assert client.post(f"{xor.url}/reset", headers=xor.auth).json()["step"] == 0
    assert client.get(xor.url).json()["params"][0]["W"] == [[1, 1], [1, 1]]


def test_delete_then_gone(client, xor):
    assert client.delete(xor.url, headers=xor.auth).status_code == 204
    assert client.get(xor.url).status_code == 404
    assert client.delete(xor.url, headers=xor.auth).status_code == 404


def test_predict_checks_the_feature_count(client, xor):
    response = client.post(f"{xor.url}/predict", json={"x": [[1, 2, 3]]})
    assert response.status_code == 422 and "shape" in response.json()["detail"]


def test_invalid_spec_is_422(client):
    spec = copy.deepcopy(XOR_EXAMPLE)
    spec["output"]["kind"] = "banana"
    assert client.post("/api/v1/models", json=spec).status_code == 422


def test_spec_error_from_the_nets_is_422_with_its_message(client):
    spec = copy.deepcopy(MOONS)
    spec["data"] = {"dataset": "no-such-data"}
    response = client.post("/api/v1/models", json=spec)
    assert response.status_code == 422 and "no-such-data" in response.json()["detail"]


def test_models_are_independent(client):
    first, second = create(client, MOONS), create(client, MOONS)
    client.post(f"{first.url}/train", json={"steps": 5}, headers=first.auth)
    assert client.get(second.url).json()["step"] == 0


def test_parameter_nodes_carry_their_identity(client, moons):
    trace = client.post(f"{moons.url}/step", headers=moons.auth).json()
    assert_valid_trace(trace)
    params = {n["label"]: n["param"] for n in trace["graph"]["nodes"] if n["role"] == "param"}
    assert params == {f"{k}{s}": {"layer": i, "key": k, "index": None}
                      for i, s in enumerate("₁₂₃") for k in ("W", "b")}
    assert all("param" not in n for n in trace["graph"]["nodes"] if n["role"] != "param")


def test_schema_refuses_a_parameter_identity_without_its_layer(client, moons):
    trace = client.get(f"{moons.url}/trace").json()
    node = next(n for n in trace["graph"]["nodes"] if n["role"] == "param")
    assert_valid_trace(trace)
    del node["param"]["layer"]
    with pytest.raises(jsonschema.ValidationError):
        assert_valid_trace(trace)
