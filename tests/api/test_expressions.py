import json

from tests.api.conftest import assert_valid_trace

LECTURE = {"source": "(x*y + x)*z", "values": {"x": 2, "y": -1, "z": 3}}


def test_expression_trace_has_forward_and_backward(client):
    body = client.post("/api/v1/expressions", json=LECTURE).json()
    assert_valid_trace(body)
    assert body["value"]["data"] == [0.0]
    assert {name: g["data"] for name, g in body["gradients"].items()} == {"x": [0.0], "y": [6.0], "z": [0.0]}
    types = [event["type"] for event in body["events"]]
    assert types.index("backward") > max(i for i, t in enumerate(types) if t == "forward")


def test_node_used_twice_repeats_in_inputs(client):
    body = client.post("/api/v1/expressions", json={"source": "x*x", "values": {"x": 3}}).json()
    product = next(node for node in body["graph"]["nodes"] if node["op"] == "mul")
    assert product["inputs"] == [body["inputs"]["x"]] * 2
    assert body["gradients"]["x"]["data"] == [6.0]


def test_symbolic_mode_adds_gradient_nodes(client):
    numeric = client.post("/api/v1/expressions", json=LECTURE).json()
    symbolic = client.post("/api/v1/expressions", json={**LECTURE, "mode": "symbolic"}).json()
    assert len(symbolic["graph"]["nodes"]) > len(numeric["graph"]["nodes"])
    assert set(symbolic["gradient_nodes"]) == {"x", "y", "z"}


def test_f32_encoding_of_expression(client):
    body = client.post("/api/v1/expressions", params={"encoding": "f32"}, json=LECTURE).json()
    assert body["value"]["dtype"] == "float32"
    assert_valid_trace(body)


def test_syntax_error_is_422_pointing_at_the_column(client):
    response = client.post("/api/v1/expressions", json={"source": "(x*y + ", "values": {"x": 1, "y": 2}})
    assert response.status_code == 422 and "column" in response.json()["detail"]


def test_missing_variable_is_422(client):
    response = client.post("/api/v1/expressions", json={"source": "x + q", "values": {"x": 1}})
    assert response.status_code == 422 and "'q'" in response.json()["detail"]


def test_boolean_values_are_refused(client):
    response = client.post("/api/v1/expressions", json={"source": "x", "values": {"x": True}})
    assert response.status_code == 422


def test_gradcheck_of_every_variable(client):
    checks = client.post("/api/v1/gradcheck", json=LECTURE).json()
    assert [c["variable"] for c in checks] == ["x", "y", "z"]
    assert all(c["passed"] and c["max_rel_error"] < 1e-6 for c in checks)
    assert checks[1]["analytic"]["data"] == [6.0]


def test_gradcheck_of_one_variable_with_matrices(client):
    body = {"source": "sum(tanh(x @ w))", "values": {"x": [[1, 2], [3, -4]], "w": [[0.1], [-0.2]]},
            "variable": "w"}
    (check,) = client.post("/api/v1/gradcheck", json=body).json()
    assert check["passed"] and check["numeric"]["shape"] == [2, 1]


def test_gradcheck_unsampled_entries_are_nan_strings(client):
    body = {"source": "sum(x*x)", "values": {"x": list(range(100))}, "variable": "x"}
    response = client.post("/api/v1/gradcheck", json=body)
    (check,) = json.loads(response.text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert "NaN" in check["numeric"]["data"] and check["passed"]


def test_gradcheck_unknown_variable_is_422(client):
    response = client.post("/api/v1/gradcheck", json={**LECTURE, "variable": "w"})
    assert response.status_code == 422 and "'w'" in response.json()["detail"]
