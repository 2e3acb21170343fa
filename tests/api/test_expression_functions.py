"""GET /expressions/functions: the function list, each entry usable in POST /expressions and /gradcheck."""

import pytest

MIXED = [[-0.7, 1.3, 0.4, -1.6], [0.9, -0.35, 1.8, -1.1]]
POSITIVE = [[0.3, 1.7, 0.9, 1.2], [0.6, 2.1, 0.45, 1.4]]
REQUIRED = {"maxout": "maxout(x, 2)", "leaky_relu": "leaky_relu(x, a)"}


@pytest.fixture
def functions(client):
    response = client.get("/api/v1/expressions/functions")
    assert response.status_code == 200
    return response.json()


def test_the_list_names_each_function_once_with_its_signature(functions):
    names = [entry["name"] for entry in functions]
    assert len(names) == len(set(names))
    assert {"relu", "sum", "softmax", "leaky_relu", "maxout", "transpose", "min", "square"} <= set(names)
    for entry in functions:
        assert set(entry) == {"name", "arity", "signature", "doc"}
        assert entry["signature"].startswith(f"{entry['name']}(") and entry["doc"]
        assert entry["arity"] is None or entry["arity"] == entry["signature"].count(",") + 1
    by_name = {entry["name"]: entry for entry in functions}
    assert by_name["leaky_relu"]["signature"] == "leaky_relu(x, alpha=0.01)"
    assert by_name["leaky_relu"]["arity"] is None and by_name["relu"]["arity"] == 1


def test_every_listed_function_traces_and_passes_a_gradient_check(client, functions):
    for entry in functions:
        name = entry["name"]
        source = REQUIRED.get(name, f"{name}(x)")
        values = {"x": POSITIVE if name in ("log", "sqrt") else MIXED}
        if name == "leaky_relu":
            values["a"] = 0.3
        body = {"source": source, "values": values}
        assert client.post("/api/v1/expressions", json=body).status_code == 200, source
        checks = client.post("/api/v1/gradcheck", json=body).json()
        assert [check["variable"] for check in checks] == list(values), source
        assert all(check["passed"] for check in checks), (source, checks)


def test_the_route_is_in_the_openapi(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/expressions/functions"]
