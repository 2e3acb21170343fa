"""A model's steps reuse one recorded graph while the program stays the same (nets/traces.GraphCache)."""

from __future__ import annotations

from backprop_playground.engine import Recorder, Tensor
from backprop_playground.nets.model import Model

SPEC = {
    "name": "moons",
    "hidden": [{"units": 4, "activation": "tanh"}],
    "output": {"kind": "sigmoid"},
    "optimizer": {"name": "sgd", "lr": 0.5},
    "data": {"dataset": "moons", "n": 40},
}


def _fresh_graph(model: Model) -> list[dict]:
    """The graph a model without a cached one records for its next step (a copy at the same state)."""
    twin = Model.from_state(model.to_state())
    return twin.take_step(record=True, rows=[0, 1]).trace["graph"]


def test_steps_share_a_graph_equal_to_a_fresh_one() -> None:
    model = Model.create(SPEC)
    first = model.take_step(record=True, rows=[0, 1]).trace["graph"]
    second = model.take_step(record=True, rows=[0, 1]).trace["graph"]
    assert second is first
    assert second == _fresh_graph(model)
    assert [n["param"]["key"] for n in second if "param" in n] == ["W", "b", "W", "b"]


def test_a_changed_program_gets_its_own_graph() -> None:
    model = Model.create(SPEC)
    before = model.take_step(record=True, rows=[0]).trace["graph"]
    model.set_hyper(weight_decay=0.01)  # the cost gains λ‖W‖² nodes
    after = model.take_step(record=True, rows=[0]).trace["graph"]
    assert after is not before
    assert len(after) > len(before)
    assert any(n["label"] == "λ‖W‖²" for n in after)
    assert after == _fresh_graph(model)


def test_structure_tells_a_constant_by_its_value() -> None:
    def record(c: float):
        x = Tensor([1.0, 2.0], requires_grad=True, label="x")
        with Recorder() as rec:
            (x * c).sum().backward()
        return rec

    assert record(2.0).structure() == record(2.0).structure()
    assert record(2.0).structure() != record(3.0).structure()
