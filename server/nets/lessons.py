"""The lecture's lessons: their data (server.nets.lessons_data) with the facts computed and checked.

    list_lessons() -> [{"id", "title", "slide", "summary"}, ...]
    get_lesson(id) -> {"id", "title", "slide", "summary", "text", "panels", "facts"}   (KeyError if unknown)
    lesson_facts(id) -> [{"id", "label", "value", "expected"?, "compare"?, "tolerance"?, "passed"?}, ...]
"""

from __future__ import annotations

import copy
import threading

import numpy as np

from server.nets import facts_graphs, facts_models  # noqa: F401  (they register the fact kinds)
from server.nets.facts_common import KINDS, tolist
from server.nets.lessons_data import LESSONS

_BY_ID = {lesson["id"]: lesson for lesson in LESSONS}
_CACHE: dict[str, list[dict]] = {}
_LOCK = threading.Lock()


def list_lessons() -> list[dict]:
    """Every lesson's id, title, slide and one-line summary, in lecture order."""
    return [{key: lesson[key] for key in ("id", "title", "slide", "summary")} for lesson in LESSONS]


def get_lesson(lesson_id: str) -> dict:
    """One lesson with its text, panels (expressions or model specs) and computed facts."""
    lesson = _BY_ID[lesson_id]
    public = {key: copy.deepcopy(value) for key, value in lesson.items() if key != "facts"}
    return {**public, "facts": lesson_facts(lesson_id)}


def lesson_facts(lesson_id: str) -> list[dict]:
    """The lesson's facts computed on the engine (cached: some train a net), each checked against its
    expectation when it has one."""
    lesson = _BY_ID[lesson_id]
    with _LOCK:
        if lesson_id not in _CACHE:
            _CACHE[lesson_id] = _compute(lesson)
        return copy.deepcopy(_CACHE[lesson_id])


def _compute(lesson: dict) -> list[dict]:
    results: dict[str, object] = {}
    values: dict[str, object] = {}
    for fact in lesson["facts"]:
        compute = dict(fact["compute"])
        key = repr(sorted(compute.items()))
        if key not in results:  # several facts often pick from one computation
            results[key] = tolist(KINDS[compute.pop("kind")](lesson, **compute))
        values[fact["id"]] = _pick(results[key], fact.get("pick"))
    out = []
    for fact in lesson["facts"]:
        entry = {"id": fact["id"], "label": fact["label"], "value": values[fact["id"]]}
        if "expected" in fact:
            compare = fact.get("compare", "close")
            expected = values[fact["expected"]] if compare == "same_as" else fact["expected"]
            tolerance = fact.get("tolerance", 1e-9)
            entry.update(expected=expected, compare=compare, tolerance=tolerance,
                         passed=check(entry["value"], expected, compare, tolerance))
        out.append(entry)
    return out


def _pick(value, key: str | None):
    if key is None:
        return value
    if isinstance(value, list):
        return [row[key] for row in value]
    return value[key]


def check(value, expected, compare: str = "close", tolerance: float = 1e-9) -> bool:
    """Whether a fact's value meets its expectation: "close" (and "same_as") within `tolerance`, "less"
    than expected, or "nonzero" (some entry differs from zero)."""
    if compare == "nonzero":
        return bool(np.any(np.asarray(value, dtype=float) != 0))
    actual, target = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if compare == "less":
        return bool(np.all(actual < target))
    if actual.shape != target.shape:
        return False
    return bool(np.all(np.abs(actual - target) <= tolerance))
