"""GET /api/v1/vocabulary: the words the pages would otherwise keep copies of, from where the server keeps
them (the op table, the label LaTeX table, the model spec's types), cacheable like the op table."""

from __future__ import annotations


def test_the_vocabulary_is_the_op_table_the_label_table_and_the_specs_choices(client):
    from backprop_playground.engine.labels import LABEL_TEX
    from backprop_playground.engine.ops import OPS

    words = client.get("/api/v1/vocabulary").json()
    assert words["symbols"] == {name: op.symbol for name, op in OPS.items()}
    assert words["symbols"]["mul"] == "·" and words["symbols"]["sigmoid"] == "σ"
    assert words["tex"] == LABEL_TEX
    spec_schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    def enum(model: str, field: str) -> list[str]:
        return spec_schema[model]["properties"][field]["enum"]

    # the same lists the OpenAPI document gives (the studio's selects offer exactly what the server takes)
    assert words["enums"]["activation"] == enum("HiddenLayer", "activation")
    assert words["enums"]["output_kind"] == enum("OutputSpec", "kind")
    assert words["enums"]["optimizer"] == enum("OptimizerSpec", "name")
    assert set(words["enums"]["loss"]) == set(words["default_loss"].values())
    assert set(words["default_loss"]) == set(words["enums"]["output_kind"])


def test_the_vocabulary_is_cacheable(client):
    first = client.get("/api/v1/vocabulary")
    assert first.headers["cache-control"] == "no-cache" and first.headers["etag"]
    again = client.get("/api/v1/vocabulary", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_the_offline_file_carries_the_vocabulary(client):
    import json
    import re

    from backprop_playground.export import page_html
    from backprop_playground.settings import Settings

    html = page_html(Settings().web_dir, {"format": "x", "version": 1, "state": {}, "answers": []})
    found = re.findall(r'<script type="application/json" id="vocabulary">(.*?)</script>', html, re.S)
    assert len(found) == 1 and json.loads(found[0]) == client.get("/api/v1/vocabulary").json()
