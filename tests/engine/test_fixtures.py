"""The golden engine traces in tests/fixtures/ are up to date and say what the engine computes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _generator():
    path = FIXTURES / "make_engine_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_engine_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_fixtures_gives_identical_bytes():
    gen = _generator()
    for name, build in gen.FIXTURES.items():
        assert (FIXTURES / name).read_bytes() == gen.render(build), f"{name} is stale: run the generator"


def test_expression_fixture_has_x_used_twice_and_final_gradients():
    trace = json.loads((FIXTURES / "engine_expression_trace.json").read_text(encoding="utf-8"))
    assert trace["schema_version"] == 1
    nodes = {n["id"]: n for n in trace["graph"]["nodes"]}
    assert nodes["n4"]["inputs"] == ["n3", "n0"] and nodes["n3"]["inputs"] == ["n0", "n1"]
    backward = [e for e in trace["events"] if e["type"] == "backward"]
    into_x = [e for e in backward if e["node"] == "n0"]
    assert [e["pending"] for e in into_x] == [1, 0]
    finals = {e["node"]: e["total"]["data"][0] for e in backward if e["pending"] == 0}
    assert finals["n0"] == 0.0 and finals["n1"] == 6.0 and finals["n2"] == 0.0
    assert [e["seq"] for e in trace["events"]] == list(range(len(trace["events"])))


def test_symbolic_fixture_draws_the_backward_pass_as_nodes():
    trace = json.loads((FIXTURES / "engine_symbolic_trace.json").read_text(encoding="utf-8"))
    nodes = trace["graph"]["nodes"]
    back = [n for n in nodes if n["phase"] == "backward"]
    assert back and {n["phase"] for n in nodes[: len(nodes) - len(back)]} == {"forward"}
    labels = {n["label"] for n in back}
    assert {"∂L/∂L", "∂L/∂x", "∂L/∂y", "∂L/∂z"} <= labels
    forward_ids = [e["node"] for e in trace["events"] if e["type"] == "forward"]
    assert forward_ids == [n["id"] for n in nodes]


def test_mlp_step_fixture_traces_two_rows_of_a_full_step():
    trace = json.loads((FIXTURES / "engine_mlp_step_trace.json").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in trace["graph"]["nodes"]}
    types = [e["type"] for e in trace["events"]]
    assert types[-5:] == ["update"] * 4 + ["metrics"]
    h = next(n for n in nodes.values() if n["label"] == "h")
    assert h["shape"] == [4, 2]
    h_value = next(e["value"] for e in trace["events"] if e["type"] == "forward" and e["node"] == h["id"])
    assert h_value == {"shape": [2, 2], "data": [1.0, 0.5, 2.0, 1.5]}  # rows 1 and 3 of relu(xW + c)
    loss = next(n for n in nodes.values() if n["role"] == "loss")
    assert loss["label"] == "L" and loss["op"] == "mse"
