import pytest


def test_ops_lists_the_engine_op_table(client):
    ops = {op["name"]: op for op in client.get("/api/v1/ops").json()}
    assert ops["mul"]["arity"] == 2 and len(ops["mul"]["vjp_latex"]) == 2
    assert ops["mul"]["forward_latex"]
    assert ops["mul"]["forward_template"] == "{0} \\cdot {1}"
    assert ops["mul"]["local_templates"] == ["{1}", "{0}"]
    assert ops["mul"]["source"]["vjps"][1] == "lambda B, p, g, out, a, b: B.sum_to(g * a, b.shape)"
    assert ops["concat"]["arity"] is None and ops["concat"]["local_templates"] is None


def test_dataset_catalogue(client):
    names = {d["name"] for d in client.get("/api/v1/datasets").json()}
    assert {"xor", "moons", "spiral", "sine"} <= names


def test_dataset_is_generated_and_seeded(client):
    first = client.get("/api/v1/datasets/moons", params={"n": 20, "noise": 0.1, "seed": 7}).json()
    again = client.get("/api/v1/datasets/moons", params={"n": 20, "noise": 0.1, "seed": 7}).json()
    assert len(first["x"]) == 20 and len(first["y"]) == 20 and first == again


def test_unknown_dataset_is_404_naming_the_choices(client):
    response = client.get("/api/v1/datasets/nope")
    assert response.status_code == 404 and "moons" in response.json()["detail"]


def test_dataset_size_over_limit_names_it(tmp_path):
    from tests.api.conftest import app_client

    with app_client(tmp_path, limits={"rows": 100}) as client:
        response = client.get("/api/v1/datasets/moons", params={"n": 101})
    assert response.status_code == 422 and "rows" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"n": 0}, {"noise": -1}, {"seed": -1}])
def test_dataset_parameters_are_validated(client, params):
    assert client.get("/api/v1/datasets/xor", params=params).status_code == 422


def test_csv_upload_as_text(client):
    body = "x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
    response = client.post("/api/v1/datasets/csv", content=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200
    data = response.json()
    assert data["features"] == ["x1", "x2"] and data["y"] == [0, 1, 1, 0] and data["task"] == "binary"


def test_csv_upload_as_multipart(client):
    response = client.post("/api/v1/datasets/csv", files={"file": ("d.csv", b"a,y\n1,0.5\n2,1.5\n")})
    assert response.status_code == 200 and response.json()["task"] == "regression"


@pytest.mark.parametrize(
    ("body", "message"),
    [("a,y\n1,x\n", "not a number"), ("a,y\n1,nan\n", "finite"), ("", "empty"), ("a,y\n1\n", "columns")],
)
def test_bad_csv_is_422_with_a_clear_message(client, body, message):
    response = client.post("/api/v1/datasets/csv", content=body, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422 and message in response.json()["detail"]


def test_multipart_without_file_field(client):
    response = client.post("/api/v1/datasets/csv", files={"other": ("d.csv", b"a,y\n1,0\n")})
    assert response.status_code == 422 and "'file'" in response.json()["detail"]


def test_trace_schema_is_served(client):
    schema = client.get("/api/v1/schema/trace").json()
    assert schema["$schema"].endswith("2020-12/schema") and "events" in schema["properties"]
