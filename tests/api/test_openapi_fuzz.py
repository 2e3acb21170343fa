"""Schemathesis over the whole OpenAPI, in-process: no 5xx and every answer matches its documented schema."""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
)

from backprop_playground.app import create_app
from backprop_playground.settings import Settings
from tests.api.conftest import MOONS, Created, create

# Small limits keep every generated request cheap.
LIMITS = {"steps": 50, "rows": 400, "grid_resolution": 32, "units": 32, "hidden_layers": 3,
          "parameters": 5000, "value_elements": 64, "expression_nodes": 60}
_DATA = tempfile.TemporaryDirectory(prefix="bp-fuzz-")
# The fuzzer creates models far faster than a person: no per-client creation quota here.
APP = create_app(Settings(data_dir=_DATA.name, limits=LIMITS, request_time_budget_s=5,
                          model_creates_per_minute=0))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzz_client():
    from fastapi.testclient import TestClient

    with TestClient(APP) as client:  # runs the lifespan: store, hub and job pool exist while fuzzing
        yield client
    _DATA.cleanup()


def _model(client) -> Created:
    """A model that exists (re-created if a generated DELETE removed it)."""
    model = getattr(APP.state, "fuzz_model", None)
    if model is None or client.get(model.url).status_code == 404:
        model = APP.state.fuzz_model = create(client, MOONS)
    return model


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_client):
    # Semantic validation (a CSV that is not numbers, a spec over a limit) rightly answers 422 to
    # schema-valid input, so "positive data acceptance" does not apply; every other check does.
    excluded = [positive_data_acceptance]
    if case.path.startswith("/api/v1/media"):
        # media jobs are off here (BACKPROP_MEDIA_JOBS): each route answers its documented 501, saying why
        excluded.append(not_a_server_error)
    if "model_id" in (case.path_parameters or {}):
        model = _model(fuzz_client)
        case.path_parameters["model_id"] = model.id
        # Swapping in a real id undoes a generated invalid id, so "negative data is rejected" no longer
        # describes the request sent (and repeated query parameters, which FastAPI reads as the last one,
        # would then pass); negative cases are still checked on every route without a model id.
        excluded.append(negative_data_rejection)
        if case.operation.definition.raw.get("security"):
            # A real edit token, so mutations get past authentication and their bodies are exercised;
            # the checks that assume a generated (invalid) token do not apply then (tests/api/test_tokens.py).
            case.headers = {**(case.headers or {}), **model.auth}
            excluded += [ignored_auth, missing_required_header]
    case.call_and_validate(excluded_checks=excluded)
