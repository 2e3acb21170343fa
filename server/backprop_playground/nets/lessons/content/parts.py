"""Pieces several lessons are built from: expression panels, the usual facts about them, and small nets."""

import re

ADAM = {"name": "adam", "lr": 0.02}
MOONS = {"dataset": "moons", "n": 200, "noise": 0.2, "seed": 0}


def expr(source: str, mode: str = "numeric", **values) -> dict:
    """An expression panel's `expression`: its source, the variables' values and the mode."""
    return {"source": source, "values": values, "mode": mode}


def output_name(expression: dict) -> str:
    """The name the graph gives an expression panel's output: its last statement's name ("L" for
    "…; L = (y - t)**2"), "out" when the last statement names nothing."""
    last = expression["source"].strip().rstrip(";").split(";")[-1]
    named = re.match(r"\s*([A-Za-z_]\w*)\s*=(?!=)", last)
    return named.group(1) if named else "out"


def grad_fact(panel: int, variable: str, expected: float | list | None = None, tolerance: float = 1e-9,
              label: str | None = None, output: str = "out") -> dict:
    """The fact ∂output/∂variable of an expression panel (checked when `expected` is given); `output` is
    the output's name in the graph (output_name)."""
    fact = {"id": f"d_{variable}" if panel == 0 else f"d_{variable}_{panel}",
            "label": label or f"∂{output}/∂{variable}",
            "compute": {"kind": "expression", "panel": panel, "of": "gradient", "variable": variable}}
    if expected is not None:
        fact.update(expected=expected, tolerance=tolerance)
    return fact


def value_fact(panel: int, expected: float, tolerance: float = 1e-9, label: str = "value") -> dict:
    """The fact: an expression panel's output value, checked against `expected`."""
    return {"id": f"value_{panel}", "label": label, "expected": expected, "tolerance": tolerance,
            "compute": {"kind": "expression", "panel": panel, "of": "value"}}


def jacobian_facts(panel: int, inner: str, variable: str, prefix: str, output: str = "out") -> list[dict]:
    """The facts of the kind `jacobian`: upstream gradient, Jacobian, their product, and backprop's gradient
    checked to be that product; `output` is the output's name in the graph (output_name)."""
    out = output
    compute = {"kind": "jacobian", "panel": panel, "inner": inner, "variable": variable}
    return [
        {"id": f"{prefix}grad_inner", "label": f"∇_{inner} {out} (the upstream gradient)", "compute": compute,
         "pick": "grad_inner"},
        {"id": f"{prefix}jacobian", "label": f"∂{inner}/∂{variable} (formed here only to compare)",
         "compute": compute, "pick": "jacobian"},
        {"id": f"{prefix}product", "label": f"(∂{inner}/∂{variable})ᵀ ∇_{inner} {out}", "compute": compute,
         "pick": "jacobian_T_grad"},
        {"id": f"{prefix}backprop", "label": f"∇_{variable} {out} by backprop", "compute": compute,
         "pick": "gradient", "expected": f"{prefix}product", "compare": "same_as", "tolerance": 1e-12},
    ]


def net(name: str, hidden: list[dict], output: dict, data: dict, **extra) -> dict:
    """A ModelSpec trained with Adam from seed 0."""
    return {"name": name, "hidden": hidden, "output": output, "optimizer": ADAM, "seed": 0, "data": data,
            **extra}


def relu_layers(units: int, layers: int = 1) -> list[dict]:
    return [{"units": units, "activation": "relu"}] * layers


def tanh_layers(units: int) -> list[dict]:
    return [{"units": units, "activation": "tanh"}]
