"""What fact kinds compute from a lesson's panels: the recorded trace of an expression panel, and a model
panel trained, both as the lesson has them or under a `Variation` (other seeds, perturbed weights)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

from backprop_playground.nets.expressions import trace_expression
from backprop_playground.nets.lessons.facts.kinds import ExpressionPanel, ModelPanel
from backprop_playground.nets.model import Model


def panel_trace(lesson: dict, panel: ExpressionPanel, values: dict | None = None,
                mode: str | None = None) -> dict:
    """The recorded trace of a lesson's expression panel (optionally at other values or mode)."""
    spec = lesson["panels"][panel]["expression"]
    merged = {**spec["values"], **(values or {})}
    return trace_expression(spec["source"], merged, mode or spec.get("mode", "numeric"))


@dataclass(frozen=True)
class Variation:
    """How the trained models behind facts are varied to show that a fact does not hang on one trajectory:
    `seed_offset` is added to every panel's seed (not to an explicit `reset_seed`, whose outcome is the
    claim), and `perturb` > 0 multiplies every initial weight by (1 + perturb·N(0, 1)), seeded by
    `perturb_seed` — the size of the last-bit differences that another CPU's BLAS kernel makes, and more."""

    seed_offset: int = 0
    perturb: float = 0.0
    perturb_seed: int = 0


_NONE = Variation()
_VARIATION: ContextVar[Variation] = ContextVar("fact_variation", default=_NONE)  # noqa: B039 (frozen)


@contextmanager
def varied(variation: Variation) -> Iterator[Variation]:
    """Compute facts under `variation` (the default is none: the lesson's own seeds, exact weights)."""
    token = _VARIATION.set(variation)
    try:
        yield variation
    finally:
        _VARIATION.reset(token)


def trained_model(lesson: dict, panel: ModelPanel, train: int = 0, reset_seed: int | None = None,
                  seed: int | None = None) -> Model:
    """A lesson's model panel, optionally started from `seed` or re-initialised with `reset_seed`, after
    `train` steps."""
    variation = _VARIATION.get()
    spec = dict(lesson["panels"][panel]["spec"])
    spec["seed"] = (spec.get("seed", 0) if seed is None else seed) + variation.seed_offset
    model = Model.create(spec)
    if reset_seed is not None:
        model.reset(seed=reset_seed)
    if variation.perturb:
        rng = np.random.default_rng([variation.perturb_seed, panel])
        model.load_initial_params([{key: value * (1 + variation.perturb * rng.standard_normal(value.shape))
                                    for key, value in layer.items()} for layer in model.params])
    if train:
        model.train(train)
    return model
