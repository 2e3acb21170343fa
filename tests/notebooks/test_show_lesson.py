"""show_lesson: a lesson file's stepper inline in a notebook, from its path or its text, and a broken file
named by its file and line."""

from __future__ import annotations

import re

import pytest

import backprop_playground as bp
from backprop_playground.export import LESSON_TEXT, ExportError
from backprop_playground.nets.lessons.files import LessonFileError
from tests.package.test_notebook_api import _embedded, _page

LESSON = """---
id: two-panels
title: Two ways to one gradient
slide: Back-propagation
summary: The same derivative, once with a tanh and once with a sigmoid.
panels:
- title: z = tanh(x²)
  expression:
    source: y = x**2; z = tanh(y)
    values: {x: 0.8}
- title: s = sigmoid(w·x)
  expression:
    source: s = sigmoid(w*x)
    values: {w: 0.5, x: 2}
facts:
- id: s
  label: the sigmoid's output
  compute: {kind: expression, panel: 1}
  expected: 0.7310585786300049
---

Step through both panels.
"""


@pytest.fixture
def lesson_file(tmp_path):
    path = tmp_path / "two-panels.md"
    path.write_text(LESSON, encoding="utf-8")
    return path


def _answers(view) -> dict:
    return {(a["method"], a["path"]): a for a in _embedded(_page(view._repr_html_()))["answers"]}


def test_show_lesson_shows_a_lesson_files_panel_with_its_facts(lesson_file):
    view = bp.show_lesson(lesson_file, panel=1, theme="dark")
    data = _embedded(_page(view._repr_html_()))
    assert data["title"] == "Two ways to one gradient"
    assert data["state"] == {"theme": "dark", "lesson": "two-panels", "panel": 1}
    answers = _answers(view)
    lesson = answers["GET", "/lessons/two-panels"]["answer"]
    assert [panel["title"] for panel in lesson["panels"]] == ["z = tanh(x²)", "s = sigmoid(w·x)"]
    (fact,) = lesson["facts"]
    assert fact["passed"] is True and fact["value"] == pytest.approx(0.7310585786300049)
    assert answers["POST", "/expressions"]["body"]["source"] == "s = sigmoid(w*x)"  # the panel asked for
    assert "two-panels.md" in repr(view) and "panel 1" in repr(view)


def test_show_lesson_takes_the_files_text_as_well(lesson_file):
    by_text = bp.show_lesson(LESSON, title="Mine")
    assert _embedded(_page(by_text._repr_html_()))["title"] == "Mine"
    assert _answers(by_text)["GET", "/lessons/two-panels"] == _answers(bp.show_lesson(str(lesson_file)))[
        "GET", "/lessons/two-panels"]
    assert "text" in repr(by_text)


def test_a_broken_lesson_file_raises_naming_its_file_and_line(lesson_file, tmp_path):
    lesson_file.write_text(LESSON.replace("{kind: expression, panel: 1}", "{kind: expression, panel: 4}"),
                           encoding="utf-8")
    with pytest.raises(LessonFileError, match="^" + re.escape(f'{lesson_file}:18: fact "s": "panel"')) as exc:
        bp.show_lesson(lesson_file)  # the line of the fact's compute
    assert (exc.value.file, exc.value.line) == (str(lesson_file), 18)
    with pytest.raises(LessonFileError, match="^" + re.escape(f"{LESSON_TEXT}:1: a lesson file starts with")):
        bp.show_lesson("no front matter\nat all\n")
    with pytest.raises(LessonFileError, match=r"cannot read the file"):
        bp.show_lesson(tmp_path / "missing.md")
    with pytest.raises(ExportError, match="has panels 0 to 1, not 2"):
        bp.show_lesson(LESSON, panel=2)
