"""A spec's traced step and training run without a stored model: what the stepper's lessons use."""

from __future__ import annotations

import copy

import numpy as np

from backprop_playground.nets.model import Model
from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import MOONS, app_client, assert_valid_trace


def test_spec_step_is_the_same_trace_as_a_stored_models_first_step(client):
    spec = copy.deepcopy(MOONS)
    body = client.post("/api/v1/specs/step?rows=4", json=spec)
    assert body.status_code == 200, body.text
    trace = body.json()
    assert_valid_trace(trace)
    created = client.post("/api/v1/models", json=spec).json()
    stored = client.post(f"/api/v1/models/{created['id']}/step?rows=4",
                         headers={"Authorization": f"Bearer {created['edit_token']}"}).json()
    assert trace["events"] == stored["events"]
    assert [n["id"] for n in trace["graph"]["nodes"]] == [n["id"] for n in stored["graph"]["nodes"]]


def test_spec_routes_store_nothing_and_take_no_creation_quota(tmp_path):
    with app_client(tmp_path, model_creates_per_minute=2) as client:
        for _ in range(6):  # three times the creation quota: none of these creates a model
            assert client.post("/api/v1/specs/step", json=copy.deepcopy(XOR_EXAMPLE)).status_code == 200
            assert client.post("/api/v1/specs/train",
                               json={"spec": copy.deepcopy(XOR_EXAMPLE), "steps": 3}).status_code == 200
        assert client.post("/api/v1/models", json=copy.deepcopy(XOR_EXAMPLE)).status_code == 201
        assert client.post("/api/v1/models", json=copy.deepcopy(XOR_EXAMPLE)).status_code == 201
        assert client.post("/api/v1/models", json=copy.deepcopy(XOR_EXAMPLE)).status_code == 429


def test_spec_train_matches_training_a_model(client):
    spec = {**copy.deepcopy(XOR_EXAMPLE), "params": None, "seed": 1}
    body = client.post("/api/v1/specs/train", json={"spec": spec, "steps": 300})
    assert body.status_code == 200, body.text
    out = body.json()
    model = Model.create(spec)
    result = model.train(300)
    assert out["step"] == 300 and not out["stopped"] and out["diverged"] is None
    assert out["loss"] == result.loss
    for got, want in zip(out["params"], model.params_json(), strict=True):
        np.testing.assert_array_equal(np.array(got["W"]), np.array(want["W"]))
        np.testing.assert_array_equal(np.array(got["b"]), np.array(want["b"]))


def test_spec_train_zero_steps_answers_the_seeded_initialisation(client):
    spec = {**copy.deepcopy(XOR_EXAMPLE), "params": None, "seed": 7}
    out = client.post("/api/v1/specs/train", json={"spec": spec, "steps": 0}).json()
    assert out["step"] == 0 and out["loss"] is None
    np.testing.assert_array_equal(np.array(out["params"][0]["W"]), Model.create(spec).params[0]["W"])


def test_spec_routes_refuse_bad_input_with_4xx(client):
    assert client.post("/api/v1/specs/step", json={"hidden": "wide"}).status_code == 422
    too_many = client.post("/api/v1/specs/train", json={"spec": copy.deepcopy(XOR_EXAMPLE), "steps": 10**8})
    assert too_many.status_code in (413, 422) and "steps" in too_many.text
    huge = {**copy.deepcopy(MOONS), "hidden": [{"units": 512, "activation": "relu"}] * 3,
            "data": {"dataset": "moons", "n": 50_000}}
    refused = client.post("/api/v1/specs/step", json=huge)
    assert 400 <= refused.status_code < 500 or refused.status_code == 503, refused.text
