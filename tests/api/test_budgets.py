"""Every request's memory and work are estimated and refused with a 4xx (or 503) before the work starts."""

from __future__ import annotations

import copy
import json

import numpy as np

from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import MOONS, app_client, create

BROADCAST_BOMB = {
    "source": "x+y+z",
    "values": {"x": np.zeros((1000, 1, 1)).tolist(), "y": np.zeros((1, 1000, 1)).tolist(),
               "z": np.zeros((1, 1, 1000)).tolist()},
}


def _net(hidden: list[int], n: int, **extra) -> dict:
    return {**MOONS, "hidden": [{"units": u, "activation": "relu"} for u in hidden],
            "data": {"dataset": "moons", "n": n, "seed": 0}, **extra}


def test_a_broadcast_to_a_billion_elements_is_422_naming_the_tensor_limit(client):
    response = client.post("/api/v1/expressions", json=BROADCAST_BOMB)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "elements of an intermediate tensor: 1000000 exceeds the limit of 100000" in detail


def test_a_matmul_chain_over_the_trace_limit_is_422(client):
    values = {"x": np.ones((300, 1)).tolist(), "y": np.ones((1, 300)).tolist()}
    response = client.post("/api/v1/expressions", json={"source": "a = x@y; b = a@a; sum(b@b@b)",
                                                        "values": values, "mode": "symbolic"})
    assert response.status_code == 422 and "numbers in a trace" in response.json()["detail"]


def test_a_gradcheck_over_its_work_limit_is_422_before_it_starts(client):
    values = {f"x{i}": list(np.linspace(-1, 1, 1000)) for i in range(40)}
    source = "+".join(f"x{i}*x{(i + 1) % 40}" for i in range(40))
    response = client.post("/api/v1/gradcheck", json={"source": source, "values": values})
    assert response.status_code == 422 and "gradient-check work" in response.json()["detail"]


def test_nested_indexing_is_422_naming_the_depth_limit(client):
    response = client.post("/api/v1/expressions", json={"source": "x[" * 200 + "0" + "]" * 200,
                                                        "values": {"x": [1, 2]}})
    assert response.status_code == 422 and "expression depth" in response.json()["detail"]


def test_a_net_whose_step_needs_too_much_memory_is_413_at_creation(client):
    response = client.post("/api/v1/models", json=_net([512], 50_000))
    assert response.status_code == 413
    assert "request_memory_mb" in response.json()["detail"]


def test_a_net_whose_step_is_too_much_work_is_422_at_creation_and_fits_with_a_batch_size(client):
    response = client.post("/api/v1/models", json=_net([256, 256, 256], 20_000))
    assert response.status_code == 422 and "work per step" in response.json()["detail"]
    batched = client.post("/api/v1/models", json=_net([256, 256, 256], 20_000, batch_size=256))
    assert batched.status_code == 201


def test_requests_on_a_model_stored_under_larger_limits_are_refused_before_the_work(tmp_path):
    with app_client(tmp_path) as client:
        model = create(client, _net([64, 64], 2_000))
    with app_client(tmp_path, limits={"step_work": 10_000, "request_work": 10_000}) as client:
        for method, path in [("post", "/train"), ("post", "/step"), ("get", "/trace")]:
            kwargs = {"json": {"steps": 1}} if path == "/train" else {}
            response = getattr(client, method)(model.url + path, headers=model.auth, **kwargs)
            assert response.status_code == 422, (path, response.text)
            assert "rows × parameters" in response.json()["detail"]
        assert client.get(model.url).json()["step"] == 0


def test_a_trace_of_many_rows_is_bounded_and_fits_with_summaries(client):
    model = create(client, _net([256, 256], 400, batch_size=200))
    response = client.get(f"{model.url}/trace", params={"rows": 10_000})
    assert response.status_code == 422 and "numbers in a trace" in response.json()["detail"]
    summarized = client.get(f"{model.url}/trace", params={"rows": 10_000, "summary_over": 64})
    assert summarized.status_code == 200 and len(summarized.content) < 2_000_000


def test_the_documented_grid_resolution_works(client, moons):
    body = client.get(f"{moons.url}/grid", params={"resolution": 512}).json()
    assert body["resolution"] == 512 and len(body["values"]) == 512 and len(body["values"][0]) == 512
    assert client.get(f"{moons.url}/grid", params={"resolution": 513}).status_code == 422


def test_a_grid_of_many_classes_is_refused_by_its_response_size(client):
    spec = {**MOONS, "output": {"kind": "softmax", "units": 100},
            "data": {"dataset": "gaussians", "n": 200, "classes": 8, "seed": 0}}
    model = create(client, spec)
    response = client.get(f"{model.url}/grid", params={"resolution": 512})
    assert response.status_code == 422 and "numbers in a response" in response.json()["detail"]
    assert client.get(f"{model.url}/grid", params={"resolution": 64}).status_code == 200


def test_predictions_beyond_the_work_limit_are_422(tmp_path):
    with app_client(tmp_path, limits={"request_work": 100_000}) as client:
        model = create(client, MOONS)
        few = client.post(f"{model.url}/predict", json={"x": [[0, 1]] * 10})
        many = client.post(f"{model.url}/predict", json={"x": [[0, 1]] * 2_000})
    assert few.status_code == 200
    assert many.status_code == 422 and "work per request" in many.json()["detail"]


def test_a_request_that_does_not_fit_the_memory_left_is_503_with_retry_after(tmp_path):
    with app_client(tmp_path, memory_budget_mb=64, request_memory_mb=64) as client:
        model = create(client, _net([64, 64], 2_000))
        budget = client.app.state.budget
        with budget.reserve(63 * 2**20):
            busy = client.post(f"{model.url}/step", headers=model.auth)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "memory_budget_mb" in busy.json()["detail"]
        assert client.post(f"{model.url}/step", headers=model.auth).status_code == 200
        assert budget.used == 0


def test_the_model_cache_is_bounded_in_bytes(tmp_path):
    with app_client(tmp_path, cached_models_mb=2) as client:
        models = [create(client, _net([128, 128], 200)) for _ in range(4)]  # ≈ 1 MB each
        hub = client.app.state.hub
        assert len(hub._live) < len(models)
        assert sum(live.nbytes for live in hub._live.values()) <= 2 * 2**20
        for model in models:  # evicted models were saved and load again
            assert client.post(f"{model.url}/train", json={"steps": 1}, headers=model.auth).status_code == 200


def test_small_requests_pass_every_budget(client):
    model = create(client, copy.deepcopy(XOR_EXAMPLE))
    assert client.post(f"{model.url}/train", json={"steps": 5}, headers=model.auth).status_code == 200
    assert client.post(f"{model.url}/step", headers=model.auth).status_code == 200
    assert client.get(f"{model.url}/trace").status_code == 200
    assert client.post("/api/v1/expressions", json={"source": "(x*y + x)*z",
                                                    "values": {"x": 2, "y": -1, "z": 3}}).status_code == 200
    assert client.app.state.budget.used == 0


def test_an_expression_trace_holds_its_memory_in_the_budget(tmp_path):
    with app_client(tmp_path, memory_budget_mb=1, request_memory_mb=1) as client:
        values = {"x": np.ones((300, 1)).tolist(), "y": np.ones((1, 300)).tolist()}  # 90,000-element products
        big = client.post("/api/v1/expressions", json={"source": "sum(x*y + x*y)", "values": values})
        small = client.post("/api/v1/expressions", json={"source": "x*y", "values": {"x": 2, "y": 3}})
        with client.app.state.budget.reserve(2**20 - 100):
            busy = client.post("/api/v1/expressions", json={"source": "x*y", "values": {"x": 4, "y": 3}})
            # the same trace again is answered from the trace cache: it needs no memory to compute
            again = client.post("/api/v1/expressions", json={"source": "x*y", "values": {"x": 2, "y": 3}})
    assert big.status_code == 413 and "request_memory_mb" in big.json()["detail"]
    assert small.status_code == 200
    assert busy.status_code == 503 and "memory_budget_mb" in busy.json()["detail"]
    assert again.status_code == 200 and again.content == small.content


def test_a_stream_trace_over_the_trace_limit_is_an_error_message_and_summaries_fit(client):
    model = create(client, _net([256, 256], 400, batch_size=200))
    with client.websocket_connect(f"{model.url}/stream?token={model.token}") as ws:
        ws.send_text(json.dumps({"type": "config", "rows": 200}))
        ws.send_text(json.dumps({"type": "step"}))
        refused = ws.receive_json()
        ws.send_text(json.dumps({"type": "config", "summary_over": 64}))
        ws.send_text(json.dumps({"type": "step"}))
        stepped = ws.receive_json()
    assert refused["type"] == "error" and "numbers in a trace" in refused["detail"]
    assert stepped["type"] == "trace" and stepped["step"] == 1
