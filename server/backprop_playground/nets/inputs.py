"""What users send as JSON text or as an expression's values, read within stated limits: nesting no parser
or walk can choke on (a RecursionError would be a 500), numbers a float64 holds.

- `read_json(text, what)`: JSON through pydantic's parser (jiter), which refuses nesting deeper than
  JSON_DEPTH levels instead of recursing until the interpreter's stack runs out; NestingError names it.
  `check_json` only checks (request bodies, before the app's own parser reads them).
- `read_value(name, text)` / `check_value(name, value)`: one variable's value, a finite number or lists of
  them nested at most VALUE_DIMENSIONS deep (the tensors expressions take), checked without walking deeper.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import from_json

from backprop_playground.nets.limits import JSON_INT_MAX, SpecError

JSON_DEPTH = 200  # the nesting limit of jiter, the parser of pydantic (and of request bodies, api/guards.py)
VALUE_DIMENSIONS = 3  # an expression variable's value: a number or a list of up to 3 dimensions


class NestingError(SpecError):
    """JSON nested deeper than JSON_DEPTH levels."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: JSON nested deeper than {JSON_DEPTH} levels, the nesting limit")


def too_deep(exc: ValueError) -> bool:
    """Whether a jiter parse error is its nesting limit."""
    return "recursion limit exceeded" in str(exc)


def read_json(text: str | bytes, what: str) -> Any:
    """`text` parsed as JSON (NaN and ±Infinity read as floats, as the standard library does); NestingError
    beyond JSON_DEPTH levels, SpecError naming `what` for text that is not JSON."""
    try:
        return from_json(text)
    except ValueError as exc:
        if too_deep(exc):
            raise NestingError(what) from None
        raise SpecError(f"{what} are not JSON: {exc}") from None


def check_json(text: str | bytes, what: str) -> None:
    """NestingError when `text` nests deeper than JSON_DEPTH levels, SpecError when it holds an integer too
    long to read (over 4,300 digits); nothing otherwise, invalid JSON included (left to the caller's parser,
    which says where it is wrong)."""
    try:
        from_json(text)
    except ValueError as exc:
        if too_deep(exc):
            raise NestingError(what) from None
        if "number out of range" in str(exc):
            raise SpecError(f"{what}: an integer of more than 4,300 digits; integer fields take at most "
                            f"2**53 ({JSON_INT_MAX})") from None


def read_value(name: str, text: str) -> Any:
    """One variable's value written as JSON (`2`, `[1, 2]`, `[[1, 0], [0, 1]]`), checked by `check_value`."""
    try:
        value = from_json(text)
    except ValueError as exc:
        if too_deep(exc):
            raise _nested_too_deep(name) from None
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise SpecError(f"the value of {name} is not a number: {shown!r}") from None
    check_value(name, value)
    return value


def check_value(name: str, value: Any) -> None:
    """SpecError unless `value` is a finite number or lists of them nested at most VALUE_DIMENSIONS deep;
    the walk goes level by level and stops there, so any nesting is refused without recursion."""
    level, items = 0, [value]
    while any(isinstance(item, list) for item in items):
        level += 1
        if level > VALUE_DIMENSIONS:
            raise _nested_too_deep(name)
        items = [x for item in items for x in (item if isinstance(item, list) else (item,))]
    if not all(_finite_number(item) for item in items):
        raise SpecError(f"the value of {name} must be a finite number or a nested list of them")


def _nested_too_deep(name: str) -> SpecError:
    return SpecError(f"the value of {name} is nested deeper than {VALUE_DIMENSIONS} levels, the limit of a "
                     f"value (a number or a list of at most {VALUE_DIMENSIONS} dimensions)")


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond float64's range
        return False
