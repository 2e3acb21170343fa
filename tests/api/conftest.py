"""API fixtures: a created XOR model with its edit token, and a helper to build apps with other settings."""

from __future__ import annotations

import copy
from contextlib import contextmanager
from dataclasses import dataclass

import jsonschema
import pytest

from backprop_playground.nets.spec import XOR_EXAMPLE
from backprop_playground.schema.trace import trace_json_schema

MOONS = {
    "name": "moons",
    "hidden": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "output": {"kind": "sigmoid"},
    "optimizer": {"name": "sgd", "lr": 0.5},
    "data": {"dataset": "moons", "n": 200, "noise": 0.1, "seed": 1},
    "seed": 3,
}
TRACE_VALIDATOR = jsonschema.Draft202012Validator(trace_json_schema())


@dataclass
class Created:
    id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def url(self) -> str:
        return f"/api/v1/models/{self.id}"


def create(client, spec: dict) -> Created:
    response = client.post("/api/v1/models", json=spec)
    assert response.status_code == 201, response.text
    body = response.json()
    return Created(body["id"], body["edit_token"])


@pytest.fixture
def xor(client) -> Created:
    return create(client, copy.deepcopy(XOR_EXAMPLE))


@pytest.fixture
def moons(client) -> Created:
    return create(client, copy.deepcopy(MOONS))


@contextmanager
def app_client(tmp_path, peer: str = "testclient", **overrides):
    """A TestClient on an app with these settings (data in tmp_path), connecting from address `peer`."""
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path, **overrides)), client=(peer, 50000)) as client:
        yield client


def assert_valid_trace(body: dict) -> None:
    """The trace conforms to the served JSON Schema (and so to docs/contracts.md §2)."""
    TRACE_VALIDATOR.validate(body)
