"""Deep and huge inputs answer 422 naming the limit, never a 500: nesting in query values, weights and JSON
bodies, integers beyond their limits or 2**53, in the API and the export command; and the connection that
sent one stays usable."""

from __future__ import annotations

import copy
import http.client
import json
from urllib.parse import urlsplit

import pytest

from backprop_playground.api import guards
from backprop_playground.cli import main
from backprop_playground.nets.inputs import JSON_DEPTH, NestingError, read_json
from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import create

BEYOND_64_BITS = 18446744073709551616  # 2**64


def deep(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def xor_with(**changes) -> dict:
    return {**copy.deepcopy(XOR_EXAMPLE), **changes}


def test_export_values_nested_1000_deep_are_refused_naming_the_limit(client):
    response = client.get("/api/v1/export", params={"expr": "v", "values": "v=" + deep(1000)})
    assert response.status_code == 422
    assert "nested deeper than 3 levels" in response.json()["detail"]


def test_export_weights_nested_5000_deep_are_refused_naming_the_limit(client):
    response = client.get("/api/v1/export", params={"lesson": "xor-relu", "weights": deep(5000, "")})
    assert response.status_code == 422
    assert response.json()["detail"] == "weights: JSON nested deeper than 200 levels, the nesting limit"


def test_a_batch_size_beyond_64_bits_is_refused_naming_the_bound(client):
    response = client.post("/api/v1/models", json=xor_with(batch_size=BEYOND_64_BITS))
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body", "batch_size"] and "9007199254740992" in problem["msg"]


@pytest.mark.parametrize("path", [
    ("batch_size",), ("hidden", 0, "units"), ("output", "units"), ("data", "n"), ("seed",),
])
def test_integer_fields_beyond_2_to_the_53_are_refused(client, path):
    spec = xor_with(data={"dataset": "moons"})
    target = spec
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = 2**53 + 1
    response = client.post("/api/v1/models", json=spec)
    assert response.status_code == 422, response.text[:300]
    assert response.json()["detail"][0]["loc"] == ["body", *path]


def test_2_to_the_53_itself_is_a_batch_size_that_is_stored(client):
    created = create(client, xor_with(batch_size=2**53))
    assert client.get(created.url).json()["spec"]["batch_size"] == 2**53


@pytest.mark.parametrize(("method", "path", "wrap"), [
    ("POST", "/api/v1/models", lambda inner: '{"name": ' + inner + "}"),
    ("POST", "/api/v1/expressions", lambda inner: '{"source": "x", "values": {"x": ' + inner + "}}"),
    ("POST", "/api/v1/gradcheck", lambda inner: '{"source": "x", "values": {"x": ' + inner + "}}"),
    ("POST", "/api/v1/specs/step", lambda inner: inner),
    ("POST", "/api/v1/specs/train", lambda inner: '{"steps": 1, "spec": ' + inner + "}"),
    ("POST", "/api/v1/rooms", lambda inner: '{"title": ' + inner + "}"),
])
@pytest.mark.parametrize("depth", [250, 100_000])
def test_json_bodies_nested_too_deep_are_refused_naming_the_limit(client, method, path, wrap, depth):
    response = client.request(method, path, content=wrap(deep(depth)),
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["detail"] == "request body: JSON nested deeper than 200 levels, the nesting limit"


def test_bodies_within_the_nesting_limit_are_read_as_usual(client, xor):
    response = client.post("/api/v1/models", content='{"name": ' + deep(150) + "}",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "name"]
    deep_rows = client.post(f"{xor.url}/predict", content='{"x": ' + deep(150) + "}",
                            headers={"Content-Type": "application/json; charset=utf-8"})
    assert deep_rows.status_code == 422 and deep_rows.json()["detail"][0]["loc"][:2] == ["body", "x"]


def test_the_nesting_limit_named_is_the_parsers_own():
    assert read_json(deep(JSON_DEPTH), "x") is not None
    assert read_json('{"a": ' * JSON_DEPTH + "1" + "}" * JSON_DEPTH, "x") is not None
    with pytest.raises(NestingError, match=f"nested deeper than {JSON_DEPTH} levels"):
        read_json(deep(JSON_DEPTH + 2), "x")


def test_an_integer_too_long_to_read_is_refused_naming_the_bound(client):
    body = '{"source": "x", "values": {"x": ' + "9" * 5000 + "}}"
    response = client.post("/api/v1/expressions", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "more than 4,300 digits" in response.json()["detail"] and "2**53" in response.json()["detail"]


def test_a_value_beyond_float_range_is_refused(client):
    body = '{"source": "x", "values": {"x": ' + "9" * 400 + "}}"
    response = client.post("/api/v1/expressions", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "must be finite" in response.json()["detail"]


def test_a_recursion_error_while_reading_a_body_is_a_422_naming_the_limit(client, monkeypatch):
    monkeypatch.setattr(guards, "check_json", lambda *_args: None)  # as if the body guard let it through
    response = client.post("/api/v1/models", content='{"name": ' + deep(100_000) + "}",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert "nested deeper than 200 levels" in response.json()["detail"]


def test_a_recursion_error_anywhere_in_a_request_is_a_422_naming_the_limit(settings):
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app

    app = create_app(settings)

    @app.post("/api/v1/walk")
    def walk() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    with TestClient(app) as client:
        response = client.post("/api/v1/walk")
    assert response.status_code == 422 and "nested deeper than 200 levels" in response.json()["detail"]


def test_the_export_command_refuses_values_50000_deep(tmp_path, capsys):
    out = tmp_path / "deep.html"
    assert main(["export", "--expression", "v", "--values", "v=" + deep(50_000), "-o", str(out)]) == 2
    assert "nested deeper than 3 levels" in capsys.readouterr().err
    assert not out.exists()


def test_a_refused_integer_leaves_the_keep_alive_connection_open(live_server):
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        body = json.dumps(xor_with(batch_size=BEYOND_64_BITS))
        connection.request("POST", "/api/v1/models", body=body, headers={"Content-Type": "application/json"})
        refused = connection.getresponse()
        refused.read()
        socket_before = connection.sock
        assert refused.status == 422 and refused.getheader("Connection") != "close"
        connection.request("GET", "/api/v1/health")
        health = connection.getresponse()
        health.read()
        assert health.status == 200 and connection.sock is socket_before  # the same connection, still open
    finally:
        connection.close()
