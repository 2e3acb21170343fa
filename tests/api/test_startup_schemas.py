"""Every schema the app needs is built when it starts, never while a request is handled.

FastAPI builds a route's parameter fields and the OpenAPI document lazily, and silences a pydantic warning
while it does with `warnings.catch_warnings()`, which is not thread-safe: built inside requests of two apps
at once (two replicas in one test process), the strict warning filter of the test run could turn that
warning into an exception and the request into a 500. So the app builds them at startup (app._build_routes),
and no request may construct a pydantic TypeAdapter, the unit of schema building.
"""

import re

import pytest
from pydantic import TypeAdapter

from tests.api.conftest import MOONS, create

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def adapters_built(monkeypatch):
    """A list that collects the types of every TypeAdapter constructed from now on."""
    built = []
    original = TypeAdapter.__init__

    def counting(self, type_, *args, **kwargs):
        built.append(type_)
        original(self, type_, *args, **kwargs)

    monkeypatch.setattr(TypeAdapter, "__init__", counting)
    return built


def test_no_request_builds_a_schema(client, adapters_built):
    model = create(client, MOONS)
    document = client.get("/api/v1/openapi.json").json()
    values = {"model_id": model.id, "code": "ABCDEF", "name": "moons", "lesson_id": "xor-relu"}
    auth = {"Authorization": f"Bearer {model.token}"}
    statuses = []
    for template, item in document["paths"].items():
        path = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "x"), template)
        for method in ("get", "post", "put", "patch"):  # every operation but the deletes
            if method in item:
                kwargs = {} if method == "get" else {"json": {}}
                statuses.append(client.request(method.upper(), path, headers=auth, **kwargs).status_code)
    statuses.append(client.post(f"{model.url}/step?rows=2", headers=auth).status_code)
    statuses.append(client.get(f"{model.url}/trace?rows=3&encoding=f32").status_code)
    statuses.append(client.put(f"{model.url}/trace").status_code)  # 405: the handler reads the OpenAPI doc
    statuses.append(client.get("/api/v1/no-such-thing").status_code)
    statuses.append(client.get("/join/ABCDEF").status_code)
    assert len(statuses) > 25 and 500 not in statuses and 200 in statuses and 405 in statuses
    assert adapters_built == []


def test_only_the_libraries_field_attribute_warning_is_let_through():
    """The one narrow exception to the strict filter (pyproject.toml); any other warning fails a test."""
    import warnings
    from typing import Annotated

    from pydantic import Field

    TypeAdapter(Annotated[int, Field(alias="rows")])  # what FastAPI builds for the `rows` query
    with pytest.raises(UserWarning):
        warnings.warn("The 'alias' attribute of something else", UserWarning, stacklevel=1)
