"""Lesson facts: the registry of fact kinds and what they share.

A lesson's fact names a *kind* of computation and its arguments, e.g.
`{"kind": "expression", "panel": 0, "of": "gradient", "variable": "z"}`; the functions here compute them.
Generic kinds (expression value/gradient, model predictions/hidden/loss/params) cover most lessons; the
others are small and named after the idea they show.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from server.nets.expressions import trace_expression
from server.nets.model import Model

KINDS: dict[str, Callable[..., object]] = {}


def kind(name: str):
    """Register a fact computation under `name`."""
    def register(fn):
        KINDS[name] = fn
        return fn
    return register


def tolist(value):
    """Numbers and arrays as plain JSON-able Python values."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, dict):
        return {k: tolist(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tolist(v) for v in value]
    return value


def expression_trace(lesson: dict, panel: int, values: dict | None = None, mode: str | None = None) -> dict:
    """The recorded trace of a lesson's expression panel (optionally at other values or mode)."""
    spec = lesson["panels"][panel]["expression"]
    merged = {**spec["values"], **(values or {})}
    return trace_expression(spec["source"], merged, mode or spec.get("mode", "numeric"))


def trained_model(lesson: dict, panel: int, train: int = 0, reset_seed: int | None = None) -> Model:
    """A lesson's model panel, optionally re-initialised with `reset_seed`, after `train` steps."""
    model = Model.create(lesson["panels"][panel]["spec"])
    if reset_seed is not None:
        model.reset(seed=reset_seed)
    if train:
        model.train(train)
    return model
