"""The lecture's lessons: their data (one lesson file per lesson in builtin/, files.py) with their facts
computed by the fact kinds of facts/ and checked.

    list_lessons() -> [{"id", "title", "slide", "summary"}, ...]
    get_lesson(id) -> {"id", "title", "slide", "summary", "text", "panels", "facts"}   (KeyError if unknown)
    lesson_facts(id) -> [{"id", "label", "value", "fields"?, "expected"?, "compare"?, "tolerance"?,
                          "passed"?}, ...]
    cached_lesson(id) -> the lesson if its facts are computed already, else None
    start_warming() computes every lesson's facts once, in a background thread

Those are the built-in lessons; `with_facts(source)` and `cached_with_facts(source)` do the same for any
lesson read from a file (library.py: a lecturer's folder). Facts are computed once per process and kept, by
the lesson's content: some train a small net, and the first page loads after a start should not each wait
for (or be refused) a CPU job.
"""

from __future__ import annotations

import copy
import threading

import numpy as np

from backprop_playground.nets.lessons.facts import KINDS, tolist
from backprop_playground.nets.lessons.files import BUILTIN, LessonFileError, LessonSource, load_folder
from backprop_playground.nets.lessons.words import FIELDS


def _builtin() -> list[LessonSource]:
    lessons, errors = load_folder(BUILTIN)
    if errors:
        raise errors[0]
    return lessons


BUILTIN_SOURCES: list[LessonSource] = _builtin()  # in lecture order: the files' names start 01-, 02-, …
LESSONS: list[dict] = [source.lesson for source in BUILTIN_SOURCES]
_BY_ID = {source.lesson["id"]: source for source in BUILTIN_SOURCES}
_CACHE: dict[str, list[dict]] = {}  # a lesson's digest → its computed facts
_LOCKS: dict[str, threading.Lock] = {}  # one per lesson: others are not held up
_LOCKS_LOCK = threading.Lock()
_WARMING: list[threading.Thread] = []


class FactError(Exception):
    """A fact that could not be computed: `fact_id`, and why."""

    def __init__(self, fact_id: str, cause: Exception):
        self.fact_id, self.cause = fact_id, cause
        super().__init__(f'fact "{fact_id}" cannot be computed: {type(cause).__name__}: {cause}')


def list_lessons() -> list[dict]:
    """Every lesson's id, title, slide and one-line summary, in lecture order."""
    return [{key: lesson[key] for key in ("id", "title", "slide", "summary")} for lesson in LESSONS]


def get_lesson(lesson_id: str) -> dict:
    """One lesson with its text, panels (expressions or model specs) and computed facts."""
    return with_facts(_BY_ID[lesson_id])


def cached_lesson(lesson_id: str) -> dict | None:
    """The lesson as get_lesson gives it when its facts are computed already (no CPU work), else None."""
    return cached_with_facts(_BY_ID[lesson_id])


def lesson_facts(lesson_id: str) -> list[dict]:
    """The lesson's facts computed on the engine (once: some train a net), each checked against its
    expectation when it has one."""
    return source_facts(_BY_ID[lesson_id])


def recompute(lesson_id: str) -> list[dict]:
    """The lesson's facts computed afresh, bypassing the cache: under facts.varied(...) this shows
    whether a fact that comes out of training holds for other seeds and perturbed initial weights."""
    return _compute(_BY_ID[lesson_id].lesson)


def with_facts(source: LessonSource) -> dict:
    """A lesson read from its file, with its facts computed (once per content); LessonFileError naming the
    fact's line when one cannot be computed."""
    public = {key: copy.deepcopy(value) for key, value in source.lesson.items() if key != "facts"}
    return {**public, "facts": source_facts(source)}


def cached_with_facts(source: LessonSource) -> dict | None:
    """with_facts(source) when its facts are computed already (no CPU work), else None."""
    return with_facts(source) if source.digest in _CACHE else None


def source_facts(source: LessonSource) -> list[dict]:
    """A lesson's facts, computed once per content (its digest) and kept."""
    key = source.digest
    if key not in _CACHE:
        with _LOCKS_LOCK:
            lock = _LOCKS.setdefault(key, threading.Lock())
        with lock:
            if key not in _CACHE:
                try:
                    _CACHE[key] = _compute(source.lesson)
                except FactError as exc:
                    line = source.fact_lines.get(exc.fact_id, 1)
                    raise LessonFileError(source.file, line, str(exc)) from exc.cause
    return copy.deepcopy(_CACHE[key])


def warm() -> None:
    """Compute every lesson's facts (those not computed yet), in lecture order."""
    with np.errstate(all="ignore"):  # as in a CPU job: a diverging net is shown, not warned about
        for lesson_id in _BY_ID:
            lesson_facts(lesson_id)


def start_warming() -> threading.Thread:
    """Compute every lesson's facts in a background thread (once per process); returns the thread."""
    if not _WARMING:
        _WARMING.append(threading.Thread(target=warm, name="lesson-facts", daemon=True))
        _WARMING[0].start()
    return _WARMING[0]


def _compute(lesson: dict) -> list[dict]:
    results: dict[str, object] = {}
    values: dict[str, object] = {}
    for fact in lesson["facts"]:
        compute = dict(fact["compute"])
        key = repr(sorted(compute.items()))
        try:
            if key not in results:  # several facts often pick from one computation
                results[key] = tolist(KINDS[compute.pop("kind")](lesson, **compute))
            values[fact["id"]] = _pick(results[key], fact.get("pick"))
        except Exception as exc:  # a lesson file's fact that does not fit its panel: named, with its line
            raise FactError(fact["id"], exc) from exc
    out = []
    for fact in lesson["facts"]:
        entry = {"id": fact["id"], "label": fact["label"], "value": values[fact["id"]]}
        fields = _fields(entry["value"], fact.get("fields", {}))
        if fields:
            entry["fields"] = fields
        if "expected" in fact:
            compare = fact.get("compare", "close")
            # another fact's id: compared with that fact's value (same_as always names one)
            named = compare == "same_as" or isinstance(fact["expected"], str)
            expected = values[fact["expected"]] if named else fact["expected"]
            tolerance = fact.get("tolerance", 1e-9)
            entry.update(expected=expected, compare=compare, tolerance=tolerance,
                         passed=check(entry["value"], expected, compare, tolerance))
        out.append(entry)
    return out


def _fields(value, own: dict) -> dict:
    """Words for the record keys in a fact's value (the lesson's own words first); null hides a key."""
    keys: set[str] = set()

    def collect(v):
        if isinstance(v, dict):
            keys.update(v)
            for item in v.values():
                collect(item)
        elif isinstance(v, list):
            for item in v:
                collect(item)

    collect(value)
    words = {**FIELDS, **own}
    return {key: words.get(key, key.replace("_", " ")) for key in sorted(keys)}


def _pick(value, key: str | None):
    if key is None:
        return value
    if isinstance(value, list):
        return [row[key] for row in value]
    if not isinstance(value, dict) or key not in value:
        keys = ", ".join(value) if isinstance(value, dict) else "none: the value is not a record"
        raise KeyError(f'pick "{key}": the value has no such key (its keys: {keys})')
    return value[key]


def check(value, expected, compare: str = "close", tolerance: float = 1e-9) -> bool:
    """Whether a fact's value meets its expectation: "close" (and "same_as") within `tolerance`, "less"
    or "greater" than expected, or "nonzero" (some entry differs from zero)."""
    if compare == "nonzero":
        return bool(np.any(np.asarray(value, dtype=float) != 0))
    actual, target = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if compare in ("less", "greater"):
        return margin(value, expected, compare, tolerance) > 0
    if actual.shape != target.shape:
        return False
    return bool(np.all(np.abs(actual - target) <= tolerance))


def margin(value, expected, compare: str = "close", tolerance: float = 1e-9) -> float:
    """How far inside its expectation a fact's value lies, in the value's units (> 0: it holds; for
    "close", tolerance minus the largest deviation, so an exact match has margin = tolerance)."""
    actual, target = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if compare == "nonzero":
        return float(np.max(np.abs(actual)))
    if compare == "less":
        return float(np.min(target - actual))
    if compare == "greater":
        return float(np.min(actual - target))
    if actual.shape != target.shape:
        return float("-inf")
    return float(tolerance - np.max(np.abs(actual - target)))
