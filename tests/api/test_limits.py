import copy
import json
import threading

import pytest

from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import MOONS, app_client, create


def test_body_over_the_cap_is_413_naming_the_limit(tmp_path):
    with app_client(tmp_path, max_body_bytes=1000) as client:
        response = client.post("/api/v1/models", content=b"{" + b" " * 2000 + b"}",
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "max_body_bytes" in response.json()["detail"]


def test_streamed_body_over_the_cap_is_413(tmp_path):
    def chunks():
        for _ in range(10):
            yield b"x" * 500

    with app_client(tmp_path, max_body_bytes=1000) as client:
        response = client.post("/api/v1/datasets/csv", content=chunks(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 413 and "max_body_bytes" in response.json()["detail"]


@pytest.mark.parametrize(
    ("limits", "change", "named"),
    [
        ({"units": 4}, {"hidden": [{"units": 5}]}, "units per layer"),
        ({"hidden_layers": 1}, {"hidden": [{"units": 2}, {"units": 2}]}, "hidden layers"),
        ({"rows": 50}, {"data": {"dataset": "moons", "n": 51}}, "rows"),
    ],
)
def test_spec_over_a_limit_is_422_naming_it(tmp_path, limits, change, named):
    with app_client(tmp_path, limits=limits) as client:
        response = client.post("/api/v1/models", json={**MOONS, **change})
    assert response.status_code == 422 and named in response.json()["detail"]


def test_steps_over_the_limit_is_422_naming_it(tmp_path):
    with app_client(tmp_path, limits={"steps": 10}) as client:
        model = create(client, MOONS)
        response = client.post(f"{model.url}/train", json={"steps": 11}, headers=model.auth)
    assert response.status_code == 422 and "steps per call" in response.json()["detail"]


def test_grid_resolution_over_the_limit_is_422(tmp_path):
    with app_client(tmp_path, limits={"grid_resolution": 8}) as client:
        model = create(client, MOONS)
        response = client.get(f"{model.url}/grid", params={"resolution": 9})
    assert response.status_code == 422 and "grid resolution" in response.json()["detail"]


def test_expression_over_the_length_limit_is_422(tmp_path):
    with app_client(tmp_path, limits={"expression_length": 10}) as client:
        response = client.post("/api/v1/expressions", json={"source": "x+" * 10 + "x", "values": {"x": 1}})
    assert response.status_code == 422 and "expression length" in response.json()["detail"]


def test_training_stops_at_the_time_budget(tmp_path):
    with app_client(tmp_path, request_time_budget_s=0.3) as client:
        model = create(client, MOONS)
        body = client.post(f"{model.url}/train", json={"steps": 100_000}, headers=model.auth).json()
    assert body["stopped"] and 0 < body["steps"] < 100_000
    assert "request_time_budget_s" in body["detail"]


def test_busy_cpu_slots_answer_503_with_retry_after(tmp_path):
    release = threading.Event()
    with app_client(tmp_path, max_cpu_jobs=1) as client:
        jobs = client.app.state.jobs
        client.portal.start_task_soon(jobs.run, release.wait)  # the only slot is taken
        try:
            busy = client.get("/api/v1/datasets/moons")
        finally:
            release.set()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert "max_cpu_jobs" in busy.json()["detail"]


def test_nan_in_inline_data_is_422(client):
    spec = copy.deepcopy(XOR_EXAMPLE)
    spec["data"] = {"x": [[0, 0], [1, 1]], "y": [0, 1]}
    body = json.dumps(spec).replace("[1, 1]]", "[1, NaN]]")
    response = client.post("/api/v1/models", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_nan_in_predict_input_is_422(client, xor):
    response = client.post(f"{xor.url}/predict", content='{"x": [[NaN, 1]]}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_diverging_training_reports_where_and_keeps_finite_params(client):
    spec = {**MOONS, "optimizer": {"name": "sgd", "lr": 1000}, "hidden": [{"units": 8, "activation": "relu"}],
            "output": {"kind": "linear"}, "data": {"dataset": "sine"}}
    model = create(client, spec)
    response = client.post(f"{model.url}/train", json={"steps": 200}, headers=model.auth)
    body = json.loads(response.text, parse_constant=lambda name: pytest.fail(f"bare {name}"))
    assert response.status_code == 200 and body["diverged"]["message"].startswith("training diverged")
    assert body["steps"] < 200
    assert client.get(model.url).status_code == 200


def test_diverged_step_answers_the_kept_trace_and_where(client):
    spec = {**MOONS, "optimizer": {"name": "sgd", "lr": 1000}, "hidden": [{"units": 8, "activation": "relu"}],
            "output": {"kind": "linear"}, "data": {"dataset": "sine"}}
    model = create(client, spec)
    for _ in range(50):
        trace = client.post(f"{model.url}/step", headers=model.auth).json()
        if "diverged" in trace:
            break
    assert trace["diverged"]["what"] and trace["events"]


def test_non_finite_expression_values_are_strings(client):
    body = client.post("/api/v1/expressions", json={"source": "log(x)", "values": {"x": 0}}).text
    parsed = json.loads(body, parse_constant=lambda name: pytest.fail(f"bare {name}"))
    assert parsed["value"]["data"] == ["-Infinity"] and parsed["gradients"]["x"]["data"] == ["Infinity"]


def test_stored_models_are_capped_with_a_409_naming_the_limit(tmp_path):
    with app_client(tmp_path, max_models=2) as client:
        first = create(client, MOONS)
        create(client, MOONS)
        refused = client.post("/api/v1/models", json=MOONS)
        assert refused.status_code == 409
        assert "limit of 2" in refused.json()["detail"] and "stored models" in refused.json()["detail"]
        deleted = client.delete(f"/api/v1/models/{first.id}", headers=first.auth)
        assert deleted.status_code == 204
        assert client.post("/api/v1/models", json=MOONS).status_code == 201
