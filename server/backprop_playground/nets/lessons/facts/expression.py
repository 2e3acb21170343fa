"""The fact kind `expression`: an expression panel's value or one variable's gradient, from its recorded
trace. Most lessons about gradients use it, e.g. cost-saturation's `grad_squared`:
`{"kind": "expression", "panel": 0, "of": "gradient", "variable": "z"}`."""

from __future__ import annotations

from typing import Literal

from backprop_playground.nets.lessons.facts.common import ExpressionPanel, expression_trace, kind


@kind("expression")
def expression_fact(lesson: dict, panel: ExpressionPanel, of: Literal["value", "gradient"] = "value",
                    variable: str | None = None, values: dict | None = None):
    """An expression panel's output value, or ∂output/∂variable (optionally at other values)."""
    trace = expression_trace(lesson, panel, values)
    return trace["value"] if of == "value" else trace["gradients"][variable]
