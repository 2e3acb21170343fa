"""POST /lessons/file writes what the stepper shows as a lesson file; POST /lessons/preview reads a lesson
file sent to it and answers it as GET /lessons/{id} does, keeping nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from backprop_playground.nets.lessons import with_facts
from backprop_playground.nets.lessons.files import BUILTIN, parse_lesson
from tests.api.conftest import app_client
from tests.nets.test_lesson_files import TINY

FILE = "/api/v1/lessons/file"
PREVIEW = "/api/v1/lessons/preview"
EXPRESSION = {"source": "h = w * x; L = (h - t)**2",
              "values": {"w": 0.5, "x": 2.0, "t": 3.0, "v": [1.0, -2.0]}, "mode": "numeric"}
MARKDOWN = {"Content-Type": "text/markdown"}
XOR = (BUILTIN / "02-xor-relu.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with app_client(tmp_path_factory.mktemp("lesson-files")) as client:
        yield client


def _models(client) -> int:
    with client.app.state.hub.store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM models")).scalar()


def test_an_expression_as_a_lesson_file_reads_back_and_its_facts_hold(client):
    answer = client.post(FILE, json={"title": "A product: by the chain rule",
                                     "panel": {"expression": EXPRESSION}})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.headers["content-disposition"] == 'attachment; filename="a-product-by-the-chain-rule.md"'
    source = parse_lesson(answer.text, "a-product-by-the-chain-rule.md")
    lesson = source.lesson
    assert list(lesson) == ["id", "title", "slide", "summary", "text", "panels", "facts"]
    assert answer.text.index("\nid:") < answer.text.index("\ntitle:") < answer.text.index("\npanels:") \
        < answer.text.index("\nfacts:")
    assert lesson["title"] == "A product: by the chain rule"
    assert lesson["text"] == "Write here what this example shows."
    assert lesson["panels"][0]["expression"]["source"] == EXPRESSION["source"]
    assert lesson["panels"][0]["expression"]["values"] == EXPRESSION["values"]
    assert "values: {w: 0.5, x: 2.0, t: 3.0, v: [1.0, -2.0]}" in answer.text  # short lists on one line
    facts = {fact["id"]: fact for fact in with_facts(source)["facts"]}
    assert facts["value"]["value"] == 4.0 and facts["d_w"]["value"] == -8.0
    assert all(fact["passed"] for fact in facts.values())


def test_a_model_panel_with_the_weights_shown(client):
    front = XOR.split("---")[1]
    import yaml

    panel = yaml.safe_load(front)["panels"][0]
    answer = client.post(FILE, json={"id": "my-xor", "panel": {
        "spec": panel["spec"], "start": panel["start"], "retrain": panel["retrain"]}})
    assert answer.status_code == 200, answer.text
    source = parse_lesson(answer.text, "my-xor.md")
    saved = source.lesson["panels"][0]
    assert saved["spec"]["params"] == panel["start"]  # the page opens with the weights shown
    assert saved["retrain"] == panel["retrain"] and "start" not in saved
    facts = with_facts(source)["facts"]
    assert [fact["id"] for fact in facts] == ["loss"] and facts[0]["passed"]
    trace = client.post("/api/v1/specs/step", json={**panel["spec"], "params": panel["start"]}).json()
    shown = [event["loss"] for event in trace["events"] if event["type"] == "metrics"][-1]
    assert facts[0]["value"] == pytest.approx(shown) and shown > 0  # the loss the page shows
    assert "data loss of the weights shown" in answer.text


def test_an_invalid_panel_is_422(client):
    bad = {"panel": {"expression": {"source": "x +* y", "values": {"x": 1, "y": 2}}}}
    assert client.post(FILE, json=bad).status_code == 422
    assert client.post(FILE, json={"panel": {"expression": {"source": "x + y", "values": {"x": 1}}}}) \
        .status_code == 422
    assert client.post(FILE, json={"panel": {"spec": {"name": "nothing"}}}).status_code == 422
    assert client.post(FILE, json={"id": "not an id", "panel": {"expression": EXPRESSION}}).status_code == 422
    too_long = {"panel": {"expression": {"source": "+".join(["x"] * 1500), "values": {"x": 1}}}}
    answer = client.post(FILE, json=too_long)
    assert answer.status_code == 422 and "expression length" in answer.text


def test_a_body_over_64_kb_is_413(client):
    big = {"title": "big", "panel": {"expression": {"source": "sum(x)", "values": {"x": [0.5] * 20_000}}}}
    answer = client.post(FILE, json=big)
    assert answer.status_code == 413 and "64 KB" in answer.json()["detail"]
    answer = client.post(PREVIEW, content=TINY + "\n" + "x" * 70_000, headers=MARKDOWN)
    assert answer.status_code == 413 and "64 KB" in answer.json()["detail"]


def test_a_previewed_file_is_answered_as_a_lesson_and_nothing_is_kept(client):
    before = _models(client)
    answer = client.post(PREVIEW, content=TINY.encode(), headers=MARKDOWN)
    assert answer.status_code == 200, answer.text
    lesson = answer.json()
    assert lesson["id"] == "tiny" and lesson["title"] == "A tiny lesson"
    assert {"text", "panels", "facts"} <= set(lesson) and all(fact["passed"] for fact in lesson["facts"])
    same = client.post(PREVIEW, json={"name": "01-tiny.md", "text": TINY})
    assert same.status_code == 200 and same.json() == lesson
    model = client.post(PREVIEW, json={"name": "02-xor-relu.md", "text": XOR})
    assert model.status_code == 200 and model.json() == client.get("/api/v1/lessons/xor-relu").json()
    assert "tiny" not in [entry["id"] for entry in client.get("/api/v1/lessons").json()]
    assert client.get("/api/v1/lessons/tiny").status_code == 404
    assert _models(client) == before


def test_a_broken_previewed_file_is_422_with_its_line(client):
    broken = TINY.replace("values: {x: 2.0, y: 3.0}", "values: {x: two, y: 3.0}")
    assert broken != TINY
    answer = client.post(PREVIEW, json={"name": "folder/03-intro.md", "text": broken})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["file"] == "03-intro.md" and error["line"] > 1
    assert '"values" must map names to numbers' in error["message"]
    assert "03-intro.md" in answer.json()["detail"]
    answer = client.post(PREVIEW, content=b"no front matter", headers=MARKDOWN)
    assert answer.status_code == 422 and answer.json()["error"]["line"] == 1
    assert client.post(PREVIEW, json={"name": "x.md"}).status_code == 422


def test_a_written_file_previews_as_the_same_lesson(client):
    written = client.post(FILE, json={"panel": {"expression": EXPRESSION}}).text
    shown = client.post(PREVIEW, content=written.encode(), headers=MARKDOWN)
    assert shown.status_code == 200, shown.text
    lesson = shown.json()
    assert lesson["id"] == "my-expression"
    assert lesson["panels"][0]["expression"]["values"] == EXPRESSION["values"]
    assert all(fact["passed"] for fact in lesson["facts"])


def test_a_previewed_file_beyond_the_limits_is_422_with_its_line(client):
    greedy = XOR.replace("reset_seed: 1, train: 300}", "reset_seed: 1, train: 100000}")
    greedy = greedy.replace("reset_seed: 2, train: 300}", "reset_seed: 2, train: 100000}")
    answer = client.post(PREVIEW, json={"name": "02-xor-relu.md", "text": greedy})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["line"] > 1 and "100000" in error["message"] and "steps" in error["message"]
    wide = XOR.replace("- {units: 2, activation: relu}", "- {units: 5000, activation: relu}")
    answer = client.post(PREVIEW, json={"name": "02-xor-relu.md", "text": wide})
    assert answer.status_code == 422 and "units per layer" in answer.json()["error"]["message"]
