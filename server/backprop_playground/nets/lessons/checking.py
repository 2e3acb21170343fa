"""`backprop-playground lessons check DIR`: read every lesson file of a folder as the server would show it,
compute every fact and check it against its expectation. A fact that builds a model panel (its outcome may
hang on the seed) is computed for several seeds (each panel's seed + 0, 1, …) and must hold for all of them,
as the built-in lessons' facts are tested (tests/nets/test_fact_robustness.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backprop_playground.nets import lessons as _lessons
from backprop_playground.nets.lessons.facts import Variation, varied
from backprop_playground.nets.lessons.files import BUILTIN, LessonFileError, LessonSource
from backprop_playground.nets.lessons.library import Library
from backprop_playground.nets.lessons.schema import trains

OK, FAILED, SHOWN = "✓", "✗", "·"


@dataclass
class Report:
    """The lines printed, and the failures (each a line of its own) for the summary."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fail(self, line: str) -> None:
        self.lines.append(line)
        self.failures.append(line.strip())


def check_folder(folder: str | Path, seeds: int = 5, replace: bool = False) -> Report:
    """Check every lesson file of `folder` (`replace`: as `serve --lessons-replace` shows them, with no
    built-in lessons whose ids they could clash with)."""
    report = Report()
    replace = replace or Path(folder).resolve() == BUILTIN  # the built-in lessons themselves
    library = Library(folder, replace)
    builtin = {id(source) for source in _lessons.BUILTIN_SOURCES}
    for entry in library.entries():
        item = library.find(entry["id"])
        if id(item) in builtin:
            continue
        if isinstance(item, LessonFileError):
            report.fail(f"{FAILED} {_file(item.file, folder)}:{item.line}: {item.message}")
            continue
        _check_lesson(item, folder, seeds, report)
    if not report.lines:
        report.fail(f"{FAILED} {folder}: no lesson files (*.md)")
    return report


def _check_lesson(source: LessonSource, folder, seeds: int, report: Report) -> None:
    lesson = source.lesson
    name = _file(source.file, folder)
    report.lines.append(f"{name}  {lesson['id']}: {lesson['title']}")
    seeded = {f["id"] for f in lesson["facts"] if trains(f["compute"]["kind"])}
    # the facts compared with another fact: its id, for the report
    same_as = {f["id"]: f["expected"] for f in lesson["facts"]
               if f.get("compare") == "same_as" or isinstance(f.get("expected"), str)}
    runs = range(seeds if seeded else 1)
    results: list[dict[str, dict]] = []
    with np.errstate(all="ignore"):  # as the server computes them: a diverging net is shown, not warned about
        for offset in runs:
            try:
                with varied(Variation(seed_offset=offset)):
                    results.append({f["id"]: f for f in _lessons._compute(lesson)})
            except _lessons.FactError as exc:
                line = source.fact_lines.get(exc.fact_id, 1)
                under = f" (seed +{offset})" if offset else ""
                report.fail(f"  {FAILED} {name}:{line}: {exc}{under}")
                return
    for fact in results[0].values():
        if "passed" not in fact:
            report.lines.append(f"  {SHOWN} {fact['id']} = {_short(fact['value'])}")
            continue
        many = fact["id"] in seeded and len(results) > 1
        checked = results if many else results[:1]
        failed = [k for k, run in enumerate(checked) if not run[fact["id"]]["passed"]]
        over = f" over {len(results)} seeds" if many else ""
        text = f"{fact['id']} = {_short(fact['value'])} ({_expectation(fact, same_as)}){over}"
        if not failed:
            report.lines.append(f"  {OK} {text}")
            continue
        values = ", ".join(f"seed +{k}: {_short(results[k][fact['id']]['value'], 30)}" for k in failed)
        line = source.fact_lines.get(fact["id"], 1)
        report.fail(f"  {FAILED} {name}:{line}: {text}" + (f"; fails for {values}" if many else ""))


def _expectation(fact: dict, same_as: dict[str, str]) -> str:
    compare, expected = fact["compare"], _short(fact["expected"], 30)
    if compare == "nonzero":
        return "expected: not all zero"
    if compare in ("less", "greater"):
        other = f"{same_as[fact['id']]} = " if fact["id"] in same_as else ""
        return f"expected: {compare} than {other}{expected}"
    tolerance = f" within {fact['tolerance']:g}" if fact["tolerance"] else " exactly"
    if compare == "same_as" or fact["id"] in same_as:
        return f"expected: the same as {same_as[fact['id']]}{tolerance}"
    return f"expected: {expected}{tolerance}"


def _short(value, limit: int = 60) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _file(file: str, folder) -> str:
    path = Path(file)
    try:
        return str(path.relative_to(Path(folder)))
    except ValueError:
        return str(path)
