"""GET /api/v1/export: "Download for slides", the stepper as one HTML file, as an attachment."""

from __future__ import annotations

import json
import re

import pytest

DATA = re.compile(r'<script type="application/json" id="backprop-playground-offline">(.*?)</script>', re.S)


def test_a_lesson_comes_as_an_html_attachment(client):
    response = client.get("/api/v1/export", params={"lesson": "xor-relu", "theme": "projector"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == 'attachment; filename="xor-relu.html"'
    data = json.loads(DATA.search(response.text).group(1))
    assert data["state"] == {"theme": "projector", "lesson": "xor-relu", "panel": 0}
    assert 'data-theme="projector"' in response.text


def test_an_expression_with_its_values(client):
    response = client.get("/api/v1/export", params={"expr": "(x*y + x)*z", "values": "x=2,y=-1,z=3"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="expression.html"'
    data = json.loads(DATA.search(response.text).group(1))
    trace = next(a for a in data["answers"] if a["path"] == "/expressions")
    assert trace["answer"]["gradients"]["y"]["data"] == [6.0]


def test_a_model_panel_from_the_weights_in_the_url(client):
    lesson = client.get("/api/v1/lessons/xor-relu").json()
    panel = next(i for i, p in enumerate(lesson["panels"]) if p.get("spec"))
    weights = [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1], [-2]], "b": [0]}]
    response = client.get("/api/v1/export", params={"lesson": "xor-relu", "panel": panel,
                                                    "weights": json.dumps(weights)})
    assert response.status_code == 200, response.text
    data = json.loads(DATA.search(response.text).group(1))
    step = next(a for a in data["answers"] if a["path"] == "/specs/step")
    assert step["body"]["params"] == weights and data["state"]["weights"] == weights


@pytest.mark.parametrize(("params", "status", "words"), [
    ({"lesson": "nope"}, 404, "no lesson 'nope'"),
    ({}, 422, "give one of lesson or expr"),
    ({"lesson": "xor-relu", "expr": "x"}, 422, "give one of lesson or expr"),
    ({"expr": "x*y", "values": "x=1,y=two"}, 422, "value of y"),
    ({"expr": "x*y", "values": "x=1"}, 422, "'y'"),
    ({"expr": "+".join(["x"] * 1500), "values": "x=1"}, 422, "expression length"),
    ({"lesson": "xor-relu", "weights": "[{"}, 422, "weights are not JSON"),
    ({"lesson": "xor-relu", "weights": "[[[1]]]"}, 422, "params"),
    ({"lesson": "xor-relu", "panel": 99}, 422, "panels 0 to"),
    ({"lesson": "xor-relu", "theme": "neon"}, 422, "theme"),
    ({"lesson": "xor-relu", "title": "t" * 201}, 422, "title"),
])
def test_refusals_name_the_problem(client, params, status, words):
    response = client.get("/api/v1/export", params=params)
    assert response.status_code == status, response.text
    assert words in json.dumps(response.json()["detail"])
