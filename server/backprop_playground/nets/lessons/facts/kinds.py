"""Lesson facts: the registry of fact kinds, the panel types of their arguments, and their values as JSON.

A lesson's fact names a *kind* of computation and its arguments, e.g.
`{"kind": "expression", "panel": 0, "of": "gradient", "variable": "z"}`; a function registered here with
`@kind(name)` computes it. Generic kinds (`expression` in expression.py; `model` in models.py) cover most
lessons; the others are small and named after the idea they show. What a kind computes from a panel (its
expression's trace, its model trained) is in panels.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import numpy as np

KINDS: dict[str, Callable[..., object]] = {}


def kind(name: str):
    """Register a fact computation under `name`."""
    def register(fn):
        KINDS[name] = fn
        return fn
    return register


@dataclass(frozen=True)
class PanelOf:
    """Marks a fact argument as the index of one of the lesson's panels, a panel that holds `holds`
    ("expression" or "spec"): a lesson file is checked against it before anything is computed."""

    holds: str


ExpressionPanel = Annotated[int, PanelOf("expression")]
ModelPanel = Annotated[int, PanelOf("spec")]


def tolist(value):
    """Numbers and arrays as plain JSON-able Python values."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, dict):
        return {k: tolist(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tolist(v) for v in value]
    return value
