"""Size limits of everything a user can ask for, each with an error that names it."""

from __future__ import annotations

from dataclasses import dataclass

_LABELS = {
    "hidden_layers": "hidden layers",
    "units": "units per layer",
    "parameters": "parameters",
    "rows": "rows",
    "features": "features",
    "classes": "classes",
    "components": "mixture components",
    "pieces": "maxout pieces",
    "steps": "steps per call",
    "expression_length": "expression length",
    "expression_depth": "expression depth",
    "expression_nodes": "expression nodes",
    "value_elements": "elements of a value",
    "grid_resolution": "grid resolution",
    "tensor_elements": "elements of an intermediate tensor",
    "trace_elements": "numbers in a trace",
    "response_elements": "numbers in a response",
    "step_work": "work per step (rows × parameters)",
    "request_work": "work per request (rows × parameters)",
    "gradcheck_work": "gradient-check work (evaluations × graph elements)",
}


# The largest integer a JSON number carries exactly (JavaScript's Number.MAX_SAFE_INTEGER + 1): every integer
# field of a request is at most this, whatever its own limit, so none reaches a 64-bit encoder unchecked.
JSON_INT_MAX = 2**53


class SpecError(ValueError):
    """An invalid model spec, dataset or request, with a message a student can act on."""


class LimitError(SpecError):
    """A request larger than a configured limit; `.limit` names it, `.value` and `.maximum` quantify it."""

    def __init__(self, limit: str, value: int | float, maximum: int | float):
        self.limit = limit
        self.value = value
        self.maximum = maximum
        super().__init__(f"{_LABELS.get(limit, limit)}: {value} exceeds the limit of {maximum}")


@dataclass(frozen=True)
class Limits:
    """The largest model, dataset, training call and expression the playground accepts."""

    hidden_layers: int = 16
    units: int = 512
    parameters: int = 1_000_000
    rows: int = 50_000
    features: int = 1_024
    classes: int = 100
    components: int = 20
    pieces: int = 16
    steps: int = 100_000
    expression_length: int = 2_000
    expression_depth: int = 64
    expression_nodes: int = 500
    value_elements: int = 1_000
    grid_resolution: int = 512
    tensor_elements: int = 100_000
    trace_elements: int = 1_000_000
    response_elements: int = 2_000_000
    step_work: int = 500_000_000
    request_work: int = 1_000_000_000
    gradcheck_work: int = 2_000_000_000

    def check(self, limit: str, value: int | float) -> None:
        """Raise LimitError when `value` exceeds the limit called `limit` (a field name of this class)."""
        maximum = getattr(self, limit)
        if value > maximum:
            raise LimitError(limit, value, maximum)


DEFAULT_LIMITS = Limits()
