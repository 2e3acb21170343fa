"""The built-in lessons, served from their lesson files, are what tests/fixtures/lessons/ holds: text, panels,
labels and expectations exactly, and the computed facts as far as they hold on any machine. A computed number
may differ in its last bits on another CPU (NumPy's vectorised exp and tanh, another BLAS kernel), so it
compares within a relative 1e-12. A fact that comes out of training follows one trajectory, which such bits
steer anywhere below its threshold: for it, the shape of its value and whether it holds (`passed`, compared
exactly) are the golden part; that it holds for other seeds is test_lessons.py's robustness test."""

import json
import math
from pathlib import Path

import pytest

from backprop_playground.nets.lessons import LESSONS, get_lesson, list_lessons
from backprop_playground.nets.lessons.schema import trains

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"
IDS = [lesson["id"] for lesson in json.loads((GOLDEN / "index.json").read_text(encoding="utf-8"))]


def same(actual, expected, rel: float | None, where: str = "") -> list[str]:
    """Where `actual` differs from `expected` (floats within `rel` relative, or any float for None; all else
    exactly)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return [f"{where}: keys {sorted(actual) if isinstance(actual, dict) else actual!r}"]
        return [d for key in expected for d in same(actual[key], expected[key], rel, f"{where}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r} is not {expected!r}"]
        return [d for i, (a, e) in enumerate(zip(actual, expected, strict=True))
                for d in same(a, e, rel, f"{where}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, int | float) and not isinstance(actual, bool):
        ok = rel is None or actual == expected or math.isclose(actual, expected, rel_tol=rel, abs_tol=0)
        return [] if ok else [f"{where}: {actual!r} is not {expected!r}"]
    equal = (type(actual), actual) == (type(expected), expected)
    return [] if equal else [f"{where}: {actual!r} is not {expected!r}"]


def test_the_list_is_the_golden_one():
    assert list_lessons() == json.loads((GOLDEN / "index.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lesson_id", IDS)
def test_a_built_in_lesson_is_served_as_its_golden_payload(lesson_id):
    golden = json.loads((GOLDEN / f"{lesson_id}.json").read_text(encoding="utf-8"))
    served = json.loads(json.dumps(get_lesson(lesson_id), allow_nan=False))
    definition = next(lesson for lesson in LESSONS if lesson["id"] == lesson_id)
    trained = {f["id"] for f in definition["facts"] if trains(f["compute"]["kind"])}
    same_as = {f["id"]: f["expected"] for f in definition["facts"] if f.get("compare") == "same_as"}
    assert same({k: v for k, v in served.items() if k != "facts"},
                {k: v for k, v in golden.items() if k != "facts"}, 0.0) == []
    assert [f["id"] for f in served["facts"]] == [f["id"] for f in golden["facts"]]
    for fact, expected in zip(served["facts"], golden["facts"], strict=True):
        rel = None if fact["id"] in trained or same_as.get(fact["id"]) in trained else 1e-12
        numbers = ("value", "expected") if fact.get("compare") == "same_as" else ("value",)
        assert same({k: v for k, v in fact.items() if k not in numbers},
                    {k: v for k, v in expected.items() if k not in numbers}, 0.0) == [], fact["id"]
        for key in numbers:
            assert same(fact.get(key), expected.get(key), rel, f"{fact['id']}.{key}") == []
