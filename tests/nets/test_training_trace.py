"""Recorded steps and traces, divergence with rollback, and the exact JSON round trip."""

import json

import numpy as np
import pytest

from backprop_playground.nets.limits import SpecError
from backprop_playground.nets.model import Model
from backprop_playground.nets.spec import XOR_EXAMPLE


def test_recorded_step_has_forward_backward_update_and_metrics(spec_factory):
    model = Model.create(spec_factory())
    trace = model.step(record=True, rows=[0, 5]).trace
    kinds = [event["type"] for event in trace["events"]]
    assert kinds.index("forward") < kinds.index("backward") < kinds.index("update") < kinds.index("metrics")
    assert kinds.count("update") == 4  # W₁ b₁ W₂ b₂
    assert trace["rows"] == [0, 5]
    x_node = next(node for node in trace["graph"] if node["label"] == "x")
    forward = [e for e in trace["events"] if e["type"] == "forward"]
    x_value = next(e["value"] for e in forward if e["node"] == x_node["id"])
    np.testing.assert_array_equal(x_value, model.train_data.x[[0, 5]])


def test_trace_does_not_update(spec_factory):
    model = Model.create(spec_factory())
    before = model.params_json()
    trace = model.trace(rows=[1])
    assert model.params_json() == before and model.step == 0
    assert trace["events"][-1]["type"] == "metrics"
    assert not any(event["type"] == "update" for event in trace["events"])


def test_same_seed_same_trace(spec_factory):
    a = Model.create(spec_factory()).trace(rows=[0])
    b = Model.create(spec_factory()).trace(rows=[0])
    assert a["graph"] == b["graph"]
    for ea, eb in zip(a["events"], b["events"], strict=True):
        assert ea.keys() == eb.keys()


def test_rows_out_of_range(spec_factory):
    with pytest.raises(SpecError, match="row 40 is out of range"):
        Model.create(spec_factory()).trace(rows=[40])


def test_divergence_stops_and_keeps_last_finite_params():
    spec = {**XOR_EXAMPLE, "params": None, "optimizer": {"name": "sgd", "lr": 900.0},
            "data": {"dataset": "sine", "n": 20}, "hidden": [{"units": 8, "activation": "relu"}]}
    model = Model.create(spec)
    result = model.train(200)
    assert result.diverged is not None
    assert result.diverged.step == model.step + 1
    assert result.diverged.what in {"loss", "forward value", "gradient", "parameter"}
    assert result.diverged.node is not None and "diverged" in result.diverged.message
    assert all(np.all(np.isfinite(np.array(layer["W"]))) for layer in model.params_json())
    again = model.step()
    assert again.diverged is not None and again.step == model.step  # it stays where it was


def test_state_round_trips_exactly_through_json(spec_factory):
    spec = spec_factory(optimizer={"name": "adam", "lr": 0.01}, batch_size=16,
                        hidden=[{"units": 3, "activation": "prelu"}])
    model = Model.create(spec)
    model.train(7)
    state = json.loads(json.dumps(model.to_state()))
    copy = Model.from_state(state)
    assert copy.to_state() == model.to_state()
    assert copy.step == 7 and copy.history == model.history
    for a, b in zip(model.params, copy.params, strict=True):
        for key in a:
            assert a[key].tobytes() == b[key].tobytes()
    model.train(5)
    copy.train(5)  # same optimizer moments, same next batches
    assert copy.to_state() == model.to_state()


def test_the_trainer_returns_a_step_that_only_the_model_applies(spec_factory):
    model = Model.create(spec_factory(data={"dataset": "moons", "n": 40, "test_fraction": 0.25}))
    before = model.to_state()
    result, update = model._trainer.run(model)
    assert model.to_state() == before  # the trainer only read the model
    assert update.step == result.step == 1 and update.metrics["loss"] == result.loss
    model._advance(update)
    assert model.step == 1 and model.history[-1]["loss"] == result.loss
    assert "test_loss" in model.history[-1]  # held-out metrics: the model adds them to its history rows


def test_state_with_a_foreign_version_is_rejected():
    with pytest.raises(SpecError, match="version"):
        Model.from_state({"version": 99})


@pytest.mark.parametrize("batch_size", [None, 16])
def test_node_ids_are_the_same_every_step(spec_factory, batch_size):
    model = Model.create(spec_factory(batch_size=batch_size))
    traces = [model.step(record=True, rows=[0]).trace for _ in range(3)]
    # shapes may differ (the last mini-batch of an epoch is smaller); ids, ops, labels and edges may not
    graphs = [[(n["id"], n["op"], n["label"], n["inputs"]) for n in t["graph"]] for t in traces]
    assert graphs[0] == graphs[1] == graphs[2]
    assert graphs[0][0][2] == "W₁"


def test_recorded_parameter_values_are_not_changed_by_later_steps(spec_factory):
    model = Model.create(spec_factory())
    trace = model.step(record=True, rows=[0]).trace
    w_id = next(node["id"] for node in trace["graph"] if node["label"] == "W₁")
    recorded = next(e["value"] for e in trace["events"] if e["type"] == "forward" and e["node"] == w_id)
    before = recorded.copy()
    model.train(5)
    np.testing.assert_array_equal(recorded, before)
