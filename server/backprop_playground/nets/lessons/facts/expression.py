"""The fact kind `expression`: an expression panel's value or one variable's gradient, from its recorded
trace, or a count of its graph (nodes, operations, backward contributions). Most lessons about gradients use
it, e.g. cost-saturation's `grad_squared`:
`{"kind": "expression", "panel": 0, "of": "gradient", "variable": "z"}`."""

from __future__ import annotations

from typing import Literal

from backprop_playground.nets.lessons.facts.kinds import ExpressionPanel, kind
from backprop_playground.nets.lessons.facts.panels import panel_trace


@kind("expression")
def expression_fact(lesson: dict, panel: ExpressionPanel,
                    of: Literal["value", "gradient", "nodes", "operations", "contributions"] = "value",
                    variable: str | None = None, values: dict | None = None):
    """An expression panel's output value, or ∂output/∂variable (optionally at other values); or a count of
    its recorded graph: its nodes, its operations (the nodes that are not inputs or constants), or the
    contributions its backward pass sends along edges."""
    trace = panel_trace(lesson, panel, values)
    if of == "value":
        return trace["value"]
    if of == "gradient":
        return trace["gradients"][variable]
    if of == "nodes":
        return len(trace["graph"])
    if of == "operations":
        return sum(1 for node in trace["graph"] if node["inputs"])
    backward = (event for event in trace["events"] if event["type"] == "backward")
    return sum(1 for event in backward if event.get("from") is not None)
