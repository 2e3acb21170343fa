"""Every lesson's model panel opens where the backward pass has something to show."""

import numpy as np
import pytest

from backprop_playground.nets.lessons import LESSONS
from backprop_playground.nets.model import Model

PANELS = {(lesson["id"], i): panel for lesson in LESSONS for i, panel in enumerate(lesson["panels"])}
MODEL_PANELS = [key for key, panel in PANELS.items() if "spec" in panel]


@pytest.mark.parametrize("lesson_id,index", MODEL_PANELS)
def test_a_model_panel_opens_with_a_nonzero_parameter_gradient(lesson_id, index):
    panel = PANELS[lesson_id, index]
    spec = {**panel["spec"], "params": panel["start"]} if "start" in panel else panel["spec"]
    trace = Model.create(spec).trace(rows=[0, 1])
    params = {n["id"] for n in trace["graph"] if n["role"] == "param"}
    totals = [e["total"] for e in trace["events"] if e["type"] == "backward" and e["node"] in params]
    data = [np.asarray(t["data"] if isinstance(t, dict) else t, dtype=float) for t in totals]
    assert any(np.any(d != 0) for d in data)
