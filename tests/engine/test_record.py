"""Recorder: graph and event contract (trace schema v1 with ndarrays), row slicing, create_graph nodes,
copies, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backprop_playground.engine import Recorder, Tensor
from backprop_playground.engine import functional as F
from backprop_playground.engine.tensor import state


def mlp_step(seed: int, rows=None):
    """One recorded forward + backward of a seeded 2-3-1 net over 6 rows."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((6, 2)), label="x", batched=True)
    y = rng.integers(0, 2, (6, 1))
    W1 = Tensor(rng.standard_normal((2, 3)), requires_grad=True, label="W₁")
    b1 = Tensor(np.zeros(3), requires_grad=True, label="b₁")
    W2 = Tensor(rng.standard_normal((3, 1)), requires_grad=True, label="W₂")
    with Recorder(row_index=rows) as rec:
        h = (x @ W1 + b1).relu()
        loss = F.binary_cross_entropy_with_logits(h @ W2, y)
        loss.backward()
    return rec, (W1, b1, W2), loss


def test_graph_nodes_are_plain_dicts_in_creation_order():
    rec, (W1, b1, W2), loss = mlp_step(0)
    nodes = rec.graph()
    assert [n["id"] for n in nodes] == [f"n{i}" for i in range(len(nodes))]
    assert set(nodes[0]) == {"id", "op", "label", "role", "shape", "inputs", "latex", "phase"}
    by_label = {n["label"]: n for n in nodes}
    assert by_label["W₁"]["role"] == "param" and by_label["x"]["role"] == "input"
    assert by_label["W₁"]["latex"] == "W_{1}"
    assert nodes[-1]["role"] == "loss" and nodes[-1]["op"] == "bce_with_logits" and nodes[-1]["shape"] == []
    position = {n["id"]: i for i, n in enumerate(nodes)}
    for i, n in enumerate(nodes):
        assert all(position[x] < i for x in n["inputs"])
    assert rec.node_id(W1) == by_label["W₁"]["id"]


def test_forward_events_in_topological_order_then_one_backward_event_per_edge():
    rec, params, loss = mlp_step(0)
    nodes = rec.graph()
    forward = [e for e in rec.events if e["type"] == "forward"]
    backward = [e for e in rec.events if e["type"] == "backward"]
    assert [e["node"] for e in forward] == [n["id"] for n in nodes]
    assert rec.events[: len(forward)] == forward
    grad_nodes = {n["id"] for n in nodes if n["op"] != "leaf" or n["role"] == "param"}
    edges = [(n["id"], k, x) for n in nodes for k, x in enumerate(n["inputs"]) if x in grad_nodes]
    assert sorted((e["from"], e["input_index"], e["node"]) for e in backward) == sorted(edges)
    order = [int(e["from"][1:]) for e in backward]
    assert order == sorted(order, reverse=True)  # reverse topological order of consumers


def test_pending_counts_reach_zero_and_totals_equal_final_gradients():
    rec, (W1, b1, W2), loss = mlp_step(0)
    last = {}
    for e in rec.events:
        if e["type"] == "backward":
            if e["node"] in last:
                assert e["pending"] == last[e["node"]]["pending"] - 1
                np.testing.assert_allclose(e["total"], last[e["node"]]["total"] + e["contribution"])
            last[e["node"]] = e
    assert all(e["pending"] == 0 for e in last.values())
    for p in (W1, b1, W2):
        np.testing.assert_array_equal(last[rec.node_id(p)]["total"], p.grad)


def test_recorded_values_are_not_changed_by_in_place_updates():
    rec, (W1, b1, W2), loss = mlp_step(0)
    ident = rec.node_id(W1)
    before = next(e["value"] for e in rec.events if e["type"] == "forward" and e["node"] == ident).copy()
    grad_before = [e["total"].copy() for e in rec.events if e["type"] == "backward" and e["node"] == ident]
    W1.data -= 0.5 * W1.grad
    with pytest.raises(ValueError, match="read-only"):
        W1.grad *= 0.0  # the recorded total is this array: changing it in place would rewrite the trace
    after = next(e["value"] for e in rec.events if e["type"] == "forward" and e["node"] == ident)
    np.testing.assert_array_equal(before, after)
    grad_after = [e["total"] for e in rec.events if e["type"] == "backward" and e["node"] == ident]
    np.testing.assert_array_equal(grad_before[-1], grad_after[-1])


def test_row_slicing_keeps_full_shapes_in_graph_and_slices_per_row_values():
    rows = [1, 4]
    full, _, _ = mlp_step(0)
    sliced, _, _ = mlp_step(0, rows=rows)
    shapes = {n["id"]: n["shape"] for n in sliced.graph()}
    assert shapes == {n["id"]: n["shape"] for n in full.graph()}
    for a, b in zip(full.events, sliced.events, strict=True):
        key = "value" if a["type"] == "forward" else "total"
        if b[key].shape != a[key].shape:
            assert shapes[a["node"]][0] == 6 and b[key].shape[0] == 2
            np.testing.assert_array_equal(b[key], a[key][rows])
        else:
            np.testing.assert_array_equal(b[key], a[key])
    param_shapes = {n["id"] for n in sliced.graph() if n["role"] == "param"}
    assert all(e["value"].shape == tuple(shapes[e["node"]]) for e in sliced.events
               if e["type"] == "forward" and e["node"] in param_shapes)


def _bytes(rec):
    def encode(v):
        return v.tolist() if isinstance(v, np.ndarray) else v
    events = [{k: encode(v) for k, v in e.items()} for e in rec.events]
    return json.dumps({"graph": rec.graph(), "events": events}, ensure_ascii=False).encode()


def test_same_seed_gives_identical_bytes():
    assert _bytes(mlp_step(5)[0]) == _bytes(mlp_step(5)[0])
    assert _bytes(mlp_step(5)[0]) != _bytes(mlp_step(6)[0])


def test_create_graph_records_backward_nodes_with_forward_events():
    x = Tensor(1.5, requires_grad=True, label="x")
    with Recorder() as rec:
        y = x * x * x
        y.label = "y"
        y.backward(create_graph=True)
    nodes = rec.graph()
    back = [n for n in nodes if n["phase"] == "backward"]
    assert back and all(n["phase"] == "forward" for n in nodes[: len(nodes) - len(back)])
    assert any(n["op"] == "mul" for n in back) and any(n["label"] == "∂y/∂x" for n in back)
    forward_ids = [e["node"] for e in rec.events if e["type"] == "forward"]
    assert forward_ids == [n["id"] for n in nodes]
    final = [e for e in rec.events if e["type"] == "backward" and e["node"] == rec.node_id(x)][-1]
    assert final["pending"] == 0 and np.isclose(final["total"], 3 * 1.5**2)


def _symbolic_cube():
    """y = x·x·x + 2·x at x = 2, its backward pass recorded as graph nodes: (nodes, recorder, x)."""
    x = Tensor(2.0, requires_grad=True, label="x")
    with Recorder() as rec:
        y = x * x * x + x * 2.0
        y.label = "y"
        y.backward(create_graph=True)
    return rec.graph(), rec, x


def test_backward_graph_nodes_are_named_after_the_gradient_they_build():
    nodes, rec, x = _symbolic_cube()
    back = [n["label"] for n in nodes if n["phase"] == "backward"]
    assert back == ["∂y/∂y", "∂y/∂x ← x·2", "∂y/∂(x·x)", "∂y/∂x ← (x·x)·x", "∂y/∂x (2 of 4)", "∂y/∂x ← x·x",
                    "∂y/∂x (3 of 4)", "∂y/∂x ← x·x", "∂y/∂x"]
    totals = [e for e in rec.events if e["type"] == "backward" and e["node"] == rec.node_id(x)]
    assert len(totals) == 4 and totals[-1]["total"] == 14.0
    by_id = {n["id"]: n["label"] for n in nodes}
    final = next(n for n in nodes if n["label"] == "∂y/∂x")
    assert by_id[final["inputs"][0]] == "∂y/∂x (3 of 4)", "the last running total feeds the final sum"


def test_no_backward_graph_node_is_a_bare_operator():
    x = Tensor(0.7, requires_grad=True, label="x")
    with Recorder() as rec:
        y = (x.tanh() * x + (x * x).sqrt()) / x.exp()
        y.backward(create_graph=True)
    labels = [n["label"] for n in rec.graph() if n["phase"] == "backward"]
    symbols = {"·", "+", "−", "/", "^", "√", "÷"}
    assert labels and not [s for s in labels if s in symbols or s.endswith(("·", "+")) or "+·" in s]


def test_update_and_metrics_events():
    rec, (W1, b1, W2), loss = mlp_step(0)
    delta = -0.1 * W1.grad
    W1.data += delta
    rec.add_update(W1, W1.data, delta)
    rec.add_metrics(3, float(loss.data), None)
    update, metrics = rec.events[-2:]
    assert update["type"] == "update" and update["node"] == rec.node_id(W1) and update["value"] is not W1.data
    assert metrics == {"type": "metrics", "step": 3, "loss": float(loss.data), "accuracy": None}


def test_recorder_is_only_active_inside_its_block_and_nests():
    assert state.recorder is None
    with Recorder() as outer:
        with Recorder() as inner:
            assert state.recorder is inner
        assert state.recorder is outer
    assert state.recorder is None


def test_without_a_recorder_constant_ops_keep_no_edges():
    y = Tensor(2.0) * 2.0
    assert y.inputs == () and y.op is None


def test_constants_are_drawn_while_recording():
    x = Tensor(2.0, label="x")
    w = Tensor(3.0, requires_grad=True, label="w")
    with Recorder() as rec:
        ((x * 2.0) * w).backward()
    nodes = rec.graph()
    assert [n["op"] for n in nodes] == ["leaf", "leaf", "leaf", "mul", "mul"]
    assert nodes[1]["label"] == "w" and nodes[2]["label"] == "2" and nodes[3]["role"] == "op"


def test_views_of_parameters_are_snapshotted_before_in_place_updates():
    W = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True, label="W")
    x = Tensor(np.array([[1.0, -1.0]]))
    with Recorder() as rec:
        (x @ W.T).sum().backward()
        W.data -= 10.0
        rec.add_update(W, W.data, np.full((2, 2), -10.0))
    values = {e["node"]: e["value"] for e in rec.events if e["type"] == "forward"}
    np.testing.assert_array_equal(values[rec.node_id(W)], [[1.0, 2.0], [3.0, 4.0]])
    transposed = next(n["id"] for n in rec.graph() if n["op"] == "transpose")
    np.testing.assert_array_equal(values[transposed], [[1.0, 3.0], [2.0, 4.0]])
    update = rec.events[-1]
    assert update["type"] == "update" and update["value"] is not W.data


def test_update_of_a_tensor_outside_the_graph_registers_it_first():
    lone = Tensor(np.ones(2), requires_grad=True, label="θ")
    with Recorder() as rec:
        rec.add_update(lone, lone.data + 1.0, np.ones(2))
    assert [e["type"] for e in rec.events] == ["forward", "update"]
    assert rec.graph()[0]["label"] == "θ" and rec.events[1]["node"] == "n0"


def test_copy_params_false_references_parameters_and_guards_them():
    W = Tensor(np.array([[1.0, 2.0]]), requires_grad=True, label="W")
    with Recorder(copy_params=False) as rec:
        (W * W).sum().backward()
        new = W.data - 0.5 * W.grad
        rec.add_update(W, new, new - W.data)
    forward = next(e for e in rec.events if e["type"] == "forward" and e["node"] == rec.node_id(W))
    assert forward["value"] is W.data and not W.data.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        W.data -= 1.0  # an in-place update would rewrite the recorded value: refused
    W.data = new  # the functional update the flag promises
    assert rec.events[-1]["value"] is new
