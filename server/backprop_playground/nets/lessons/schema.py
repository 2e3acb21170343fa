"""A lesson's shape as pydantic models: the front matter of a lesson file (docs/lessons.md), the panels and
facts it holds, and each fact kind's arguments, derived from the kind's own signature in facts/.

The models validate; the lesson served is the file's own data (numbers stay as written), so a lesson file
and the JSON of GET /lessons/{id} hold the same values.
"""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from backprop_playground.nets.lessons.facts import KINDS
from backprop_playground.nets.lessons.facts.kinds import PanelOf

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
Compare = Literal["close", "less", "greater", "nonzero", "same_as"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_numbers(value) -> bool:
    """A number, or a list (of lists …) of numbers."""
    return _is_number(value) or (isinstance(value, list) and all(is_numbers(v) for v in value))


class Expression(_Strict):
    """An expression panel: its source (the expression language of POST /expressions), the values of its
    variables and the mode of its backward pass."""

    source: str
    values: dict[str, Any] = Field(default_factory=dict)
    mode: Literal["numeric", "symbolic"] = "numeric"

    @field_validator("values", mode="before")
    @classmethod
    def _values_are_numbers(cls, values):
        if not isinstance(values, dict) or not all(isinstance(k, str) and is_numbers(v)
                                                   for k, v in values.items()):
            raise ValueError('"values" must map names to numbers (or lists of numbers)')
        return values


class Retrain(_Strict):
    """The re-initialise and train controls of a model panel: the seed they start from and the steps."""

    seed: int
    steps: int = Field(ge=1)


class Panel(_Strict):
    """One panel: an expression, or a model (a ModelSpec) with what the page offers on it."""

    title: str
    expression: Expression | None = None
    spec: dict[str, Any] | None = None
    start: list[dict[str, Any]] | None = None
    solution: str | None = None
    retrain: Retrain | None = None
    variants: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _expression_or_spec(self):
        if (self.expression is None) == (self.spec is None):
            raise ValueError('a panel holds either "expression" or "spec", exactly one of them')
        if self.expression is not None:
            extra = [name for name in ("start", "solution", "retrain", "variants") if getattr(self, name)]
            if extra:
                raise ValueError(f'"{extra[0]}" goes with a model panel ("spec"), not an expression')
        return self


class Fact(_Strict):
    """A number of the lesson computed on the engine, and what it is expected to be."""

    id: str = Field(pattern=ID_PATTERN)
    label: str
    compute: dict[str, Any]
    pick: str | None = None
    expected: Any = None
    compare: Compare = "close"
    tolerance: float = Field(default=1e-9, ge=0)
    fields: dict[str, str | None] = Field(default_factory=dict)


class LessonFront(_Strict):
    """A lesson file's front matter: everything of the lesson but its text (the file's body)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    slide: str
    summary: str
    replaces: str | bool | None = None
    panels: list[Panel] = Field(min_length=1)
    facts: list[Fact] = Field(default_factory=list)


def _annotations(fn) -> dict[str, Any]:
    hints = typing.get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the lesson
    return {p.name: (hints.get(p.name, Any), ... if p.default is inspect.Parameter.empty else p.default)
            for p in params}


@functools.cache
def kind_model(name: str) -> type[BaseModel]:
    """The arguments of fact kind `name` as a model: its function's parameters after the lesson, each with
    its annotation and default (none: required); nothing else is allowed."""
    fields = _annotations(KINDS[name])
    return create_model(f"Compute_{name}", __config__=ConfigDict(extra="forbid", strict=True), **fields)


def kind_arguments(name: str) -> dict[str, bool]:
    """Fact kind `name`'s arguments, each with whether it is required."""
    return {arg: default is ... for arg, (_, default) in _annotations(KINDS[name]).items()}


def panel_arguments(name: str) -> dict[str, tuple[str, bool]]:
    """The arguments of fact kind `name` that are panel indices: name → (what the panel holds, a list?)."""
    out = {}
    for arg, (hint, _) in _annotations(KINDS[name]).items():
        many = typing.get_origin(hint) is list
        inner = typing.get_args(hint)[0] if many else hint
        marks = [m for m in getattr(inner, "__metadata__", ()) if isinstance(m, PanelOf)]
        if marks:
            out[arg] = (marks[0].holds, many)
    return out


def trains(name: str) -> bool:
    """Whether fact kind `name` builds a model panel (seeded: its outcome may hang on the seed)."""
    return any(holds == "spec" for holds, _ in panel_arguments(name).values())
