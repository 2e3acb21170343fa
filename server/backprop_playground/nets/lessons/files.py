"""Lesson files: one Markdown file per lesson, its fields in a YAML front matter block and its text below.

    ---
    id: my-lesson
    title: …
    slide: …
    summary: …
    panels: [...]
    facts: [...]
    ---
    The lesson's text: Markdown with $…$ LaTeX.

`read_lesson(path)` parses and validates one file (schema.py) and `load_lesson_file(path)` gives its lesson
as a dict (the shape GET /lessons/{id} serves, before its facts are computed); anything wrong raises
`LessonFileError` naming the file, the line and what was expected. `load_folder(path)` reads every `*.md` of
a folder in file-name order, keeping the errors apart. docs/lessons.md describes the format.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from backprop_playground.nets.expressions.parse import ExpressionError, parse, variables
from backprop_playground.nets.lessons.facts import KINDS
from backprop_playground.nets.lessons.schema import (
    LessonFront,
    is_numbers,
    kind_arguments,
    kind_model,
    panel_arguments,
)
from backprop_playground.nets.spec import ModelSpec

BUILTIN = Path(__file__).resolve().parent / "builtin"
FENCE = "---"
LESSON_KEYS = ("id", "title", "slide", "summary", "text", "panels", "facts")


class LessonFileError(ValueError):
    """What is wrong with a lesson file, and where: `file`, `line` (1-based), `message`."""

    def __init__(self, file: str, line: int, message: str):
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{self.file}:{line}: {message}")

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class LessonSource:
    """A lesson read from its file: the lesson, where it came from, what it replaces, and the line of
    each fact (for errors found when its facts are computed)."""

    lesson: dict
    file: str
    replaces: str | bool | None = None
    fact_lines: dict[str, int] = field(default_factory=dict)
    id_line: int = 2
    replaces_line: int = 2

    @functools.cached_property
    def digest(self) -> str:
        """The lesson's content as a hash: facts computed for it hold as long as it is the same."""
        text = json.dumps(self.lesson, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


class _Loader(yaml.SafeLoader):
    """YAML as JSON reads it, where it matters: 1e-9 is a number (YAML 1.1 wants 1.0e-9)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_lesson_file(path: str | Path) -> dict:
    """The lesson in the file at `path`: {"id", "title", "slide", "summary", "text", "panels", "facts"}."""
    return read_lesson(path).lesson


def read_lesson(path: str | Path, name: str | None = None) -> LessonSource:
    """Parse and check the lesson file at `path` (named `name` in errors; default the path as given)."""
    name = str(path) if name is None else name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LessonFileError(name, 1, f"the file is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise LessonFileError(name, 1, f"cannot read the file ({exc.strerror or exc})") from None
    return parse_lesson(text, name)


def load_folder(path: str | Path) -> tuple[list[LessonSource], list[LessonFileError]]:
    """Every `*.md` lesson file in the folder, in file-name order, and the errors of those that are wrong
    (a file with an error, or whose id an earlier file has, is left out of the lessons)."""
    folder = Path(path)
    lessons: list[LessonSource] = []
    errors: list[LessonFileError] = []
    seen: dict[str, str] = {}
    for file in sorted(folder.glob("*.md")):
        try:
            source = read_lesson(file)
        except LessonFileError as exc:
            errors.append(exc)
            continue
        lesson_id = source.lesson["id"]
        if lesson_id in seen:
            errors.append(LessonFileError(str(file), source.id_line, f'the id "{lesson_id}" is already the '
                                                                    f"id of {Path(seen[lesson_id]).name}"))
            continue
        seen[lesson_id] = str(file)
        lessons.append(source)
    return lessons, errors


def parse_lesson(text: str, name: str) -> LessonSource:
    """Parse and check a lesson file's text (`name`: the file, for errors)."""
    front, body, body_line = _split(text.replace("\r\n", "\n"), name)
    root, data = _yaml(front, name)
    where = _Where(name, root)
    if not isinstance(data, dict):
        raise LessonFileError(name, 2, "the front matter must be a mapping of fields (id: …, title: …)")
    where.validate(LessonFront, data, ())
    for i, panel in enumerate(data["panels"]):
        _check_panel(where, i, panel)
    fact_lines = _check_facts(where, data)
    lesson_text = body.strip("\n")
    if not lesson_text.strip():
        raise LessonFileError(name, body_line, "the lesson's text is missing: it goes below the front matter")
    lesson = {key: data[key] for key in LESSON_KEYS if key in data}
    lesson.update(text=lesson_text, facts=data.get("facts", []))
    lesson = {key: lesson[key] for key in LESSON_KEYS}
    return LessonSource(lesson, name, data.get("replaces"), fact_lines, where.line(("id",)),
                        where.line(("replaces",)))


def _split(text: str, name: str) -> tuple[str, str, int]:
    """(front matter, body, the body's first line)"""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise LessonFileError(name, 1, f'a lesson file starts with its front matter: a line "{FENCE}", the '
                                       f'fields (id: …, title: …), then a line "{FENCE}"')
    for n, line in enumerate(lines[1:], start=1):
        if line.rstrip() == FENCE:
            return "\n".join(lines[1:n]) + "\n", "\n".join(lines[n + 1:]), n + 2
    raise LessonFileError(name, 1, f'the front matter has no closing "{FENCE}" line')


def _yaml(front: str, name: str):
    loader = _Loader(front)
    try:
        root = loader.get_single_node()
        if root is None:
            raise LessonFileError(name, 2, "the front matter is empty: it holds the lesson's fields")
        _no_duplicate_keys(root, name)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ", ".join(p for p in (exc.context, exc.problem) if p)
        raise LessonFileError(name, (mark.line + 2) if mark else 2, f"YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise LessonFileError(name, 2, f"YAML: {exc}") from None
    finally:
        loader.dispose()
    return root, data


def _no_duplicate_keys(node, name: str) -> None:
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise LessonFileError(name, key.start_mark.line + 2, f'"{key.value}" is given twice')
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


_WORDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "dict_type": "must be a mapping (name: value)",
    "list_type": "must be a list",
    "too_short": "must not be empty",
    "string_pattern_mismatch": "may hold only letters, digits, - and _ (starting with a letter or digit)",
}


class _Where:
    """Lines and words for places in a file's front matter, given as paths into its data."""

    def __init__(self, name: str, root):
        self.name, self.root = name, root

    def line(self, loc: tuple) -> int:
        """The 1-based file line of the data at `loc` (a key's own line when it ends on a key; the nearest
        enclosing node when the path leaves the data, as a missing field does)."""
        node, line = self.root, self.root.start_mark.line
        for item in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(item, str):
                match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == item), None)
                if match is None:
                    continue
                node, line = match[1], match[0].start_mark.line
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) \
                    and 0 <= item < len(node.value):
                node = node.value[item]
                line = node.start_mark.line
        return line + 2  # line 1 is the opening fence; YAML counts from 0

    def error(self, loc: tuple, message: str, data: dict | None = None) -> LessonFileError:
        return LessonFileError(self.name, self.line(loc), f"{self.place(loc, data)}{message}")

    def place(self, loc: tuple, data: dict | None) -> str:
        if len(loc) >= 2 and loc[0] == "panels":
            return f"panel {loc[1]}: "
        if len(loc) >= 2 and loc[0] == "facts":
            fact = (data or {}).get("facts", [])
            fact = fact[loc[1]] if isinstance(fact, list) and loc[1] < len(fact) else None
            fact_id = fact.get("id") if isinstance(fact, dict) else None
            return f'fact "{fact_id}": ' if isinstance(fact_id, str) else f"fact {loc[1]}: "
        return ""

    def validate(self, model: type[BaseModel], value, loc: tuple, data: dict | None = None,
                 arguments: str = "") -> None:
        """Validate `value` (found at `loc`) with `model`; the first error as a LessonFileError."""
        try:
            model.model_validate(value)
        except ValidationError as exc:
            raise self.from_pydantic(exc.errors()[0], loc, data if data is not None else value,
                                     arguments) from None

    def from_pydantic(self, err: dict, loc: tuple, data: dict, arguments: str) -> LessonFileError:
        full = tuple(loc) + tuple(err["loc"])
        path = self._path(full)
        inner = path[2:] if path[:1] in (("panels",), ("facts",)) and len(path) >= 2 else path
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in inner).lstrip(".")
        kind = err["type"]
        if kind == "missing":
            message = f'"{name}" is missing'
        elif kind == "extra_forbidden":
            message = f'unknown field "{name}"{arguments}'
        elif kind in ("value_error", "assertion_error"):
            message = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            message = f'"{name}": {message}' if name and not message.startswith(f'"{inner[-1]}"') else message
        else:
            words = _WORDS.get(kind)
            if kind == "literal_error":
                words = f"must be {err['ctx']['expected']}"
            elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
                words = err["msg"].replace("Input should be", "must be")
            words = words or err["msg"][:1].lower() + err["msg"][1:]
            message = f'"{name}" {words}' if name else words
        return LessonFileError(self.name, self.line(path), f"{self.place(path, data)}{message}")

    def _path(self, loc: tuple) -> tuple:
        """`loc` without the steps that are not in the data (pydantic's names of union members)."""
        node, out = self.root, []
        for item in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(item, str):
                match = next((v for k, v in node.value if getattr(k, "value", None) == item), None)
                if match is None:
                    if item in ("str", "bool", "int", "float", "list", "dict") or "[" in item:
                        continue  # a union member's name
                    out.append(item)  # a missing field
                    node = None
                    continue
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
                node = node.value[item] if 0 <= item < len(node.value) else None
            elif node is not None and isinstance(item, str) and (item in ("str", "bool", "int", "float")
                                                                  or "[" in item):
                continue
            out.append(item)
        return tuple(out)


def _check_panel(where: _Where, i: int, panel: dict) -> None:
    if "spec" in panel:
        try:
            ModelSpec.model_validate(panel["spec"])
        except ValidationError as exc:
            raise where.from_pydantic(exc.errors()[0], ("panels", i, "spec"), {}, "") from None
        return
    expression = panel["expression"]
    loc = ("panels", i, "expression", "source")
    try:
        names = variables(parse(expression["source"]), expression["source"])
    except ExpressionError as exc:
        column = f" (at column {exc.position + 1})" if exc.position is not None else ""
        raise where.error(loc, f"the expression does not parse: {exc.message}{column}") from None
    missing = [n for n in names if n not in expression.get("values", {})]
    if missing:
        raise where.error(("panels", i, "expression", "values"),
                          f'the expression uses {", ".join(missing)} but "values" gives no value for '
                          f'{"it" if len(missing) == 1 else "them"}')


def _check_facts(where: _Where, data: dict) -> dict[str, int]:
    facts, panels = data.get("facts", []), data["panels"]
    ids = [fact["id"] for fact in facts]
    lines: dict[str, int] = {}
    for i, fact in enumerate(facts):
        loc = ("facts", i)
        if fact["id"] in lines:
            raise where.error(loc + ("id",), f'"{fact["id"]}" is already the id of an earlier fact', data)
        lines[fact["id"]] = where.line(loc)
        compute = dict(fact["compute"])
        name = compute.pop("kind", None)
        if name is None:
            raise where.error(loc + ("compute",), f'"compute" needs a "kind": {", ".join(KINDS)}', data)
        if name not in KINDS:
            raise where.error(loc + ("compute", "kind"),
                              f'unknown fact kind "{name}"; the kinds are: {", ".join(KINDS)}', data)
        arguments = kind_arguments(name)
        listed = ", ".join(f"{a}{'' if required else '?'}" for a, required in arguments.items())
        where.validate(kind_model(name), compute, loc + ("compute",), data,
                       f' for kind "{name}" (its arguments: {listed}; ? optional)')
        for arg, (holds, many) in panel_arguments(name).items():
            if arg not in compute:
                continue
            for index in compute[arg] if many else [compute[arg]]:
                if not 0 <= index < len(panels):
                    raise where.error(loc + ("compute", arg), f'"{arg}": panel {index} is out of range (the '
                                      f"lesson has panels 0 to {len(panels) - 1})", data)
                if holds not in panels[index]:
                    what = "an expression" if holds == "expression" else "a model (spec)"
                    raise where.error(loc + ("compute", arg), f'"{arg}": panel {index} must hold {what} for '
                                      f'kind "{name}"', data)
        panel = compute.get("panel")
        if "variable" in compute and isinstance(panel, int) and "expression" in panels[panel]:
            values = panels[panel]["expression"].get("values", {})
            variable = compute["variable"]
            if variable not in values:
                known = ", ".join(values) or "none"
                raise where.error(loc + ("compute", "variable"), f'"variable": "{variable}" is not a '
                                  f"variable of panel {panel} (its values: {known})", data)
        _check_expectation(where, loc, fact, ids, data)
    return lines


def _check_expectation(where: _Where, loc: tuple, fact: dict, ids: list[str], data: dict) -> None:
    """`expected` is a number, a list of numbers or, to compare two computed quantities, another fact's id
    (with `close`, `less`, `greater`, or `same_as`, which must name one)."""
    compare = fact.get("compare", "close")
    if "expected" not in fact:
        if "compare" in fact or "tolerance" in fact:
            key = "compare" if "compare" in fact else "tolerance"
            raise where.error(loc + (key,), f'"{key}" goes with "expected", which is missing', data)
        return
    expected = fact["expected"]
    names = isinstance(expected, str)
    if compare == "same_as" or (names and compare != "nonzero"):
        if expected not in ids or expected == fact["id"]:
            others = ", ".join(i for i in ids if i != fact["id"]) or "none"
            named = json.dumps(expected, ensure_ascii=False)
            raise where.error(loc + ("expected",), f'"expected" must name another fact of this lesson with '
                              f"compare: {compare}, not {named} (its facts: {others})", data)
    elif not is_numbers(expected):
        raise where.error(loc + ("expected",), '"expected" must be a number or a list of numbers (or another '
                          "fact's id, to compare with its value)", data)
