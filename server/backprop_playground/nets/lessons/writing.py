"""Writing a lesson file: what the stepper shows (an expression, or a model spec with the weights shown) as
a lesson file (docs/lessons.md) with a title, a text to fill in, and facts computed now, each expecting the
value it has now (with a tolerance), so that `lessons check` passes on the file as written.

    lesson_file(panel, title=None, lesson_id=None, limits=...) -> (file name, text)

`panel` is `{"expression": {source, values, mode}}` or `{"spec": {...}, "start": [{W, b}, ...]?, "retrain"?}`
(`start`: the weights shown, written as the spec's own `params`, so the page opens with them and the loss fact
is theirs). The text is read back with `parse_lesson` before it is returned: what this module writes is a
file the server reads. `facts_once(source)` computes the facts of a file opened once (shown, never kept).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import yaml

from backprop_playground.nets import lessons as _lessons
from backprop_playground.nets.expressions import expression_numbers, trace_expression
from backprop_playground.nets.lessons.facts import Variation, tolist, varied
from backprop_playground.nets.lessons.facts.models import model_fact
from backprop_playground.nets.lessons.files import FENCE, LessonFileError, LessonSource, parse_lesson
from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits
from backprop_playground.nets.model import Model

TEXT_STUB = "Write here what this example shows."
FLOW_WIDTH = 72  # a list or mapping of numbers this short (as JSON) is written on one line
SEEDS = 5  # a model fact is checked over this many seeds (the panel's seed + 0 … 4), as `lessons check` does
RELATIVE = 1e-9  # a fact's tolerance: this fraction of its largest entry (at least this much absolutely)


def lesson_file(panel: dict, title: str | None = None, lesson_id: str | None = None,
                limits: Limits = DEFAULT_LIMITS) -> tuple[str, str]:
    """The lesson file of one panel: (its file name, `<id>.md`, and its text)."""
    if "expression" in panel:
        lesson_panel, facts, summary, default = _expression(panel["expression"], limits)
    else:
        lesson_panel, facts, summary, default = _model(panel["spec"], panel.get("start"), limits)
        if panel.get("retrain"):
            lesson_panel["retrain"] = panel["retrain"]
    if panel.get("title"):
        lesson_panel["title"] = _line(panel["title"])
    title = _line(title) if title and title.strip() else default
    lesson_id = lesson_id or slug(title)
    front = {"id": lesson_id, "title": title, "slide": "", "summary": summary, "panels": [lesson_panel],
             "facts": facts}
    text = f"{FENCE}\n{dump(front)}{FENCE}\n\n{TEXT_STUB}\n"
    name = f"{lesson_id}.md"
    parse_lesson(text, name)  # LessonFileError (a ValueError) if it would not read back
    return name, text


def slug(title: str, most: int = 40) -> str:
    """A lesson id from a title: lower-case letters and digits joined by "-" (whole words, at most `most`
    characters)."""
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if len(words) > most:
        cut = words[:most + 1]
        words = cut[:cut.rfind("-")] if "-" in cut else words[:most]
    return words.strip("-") or "my-lesson"


def _line(text: str) -> str:
    return " ".join(str(text).split())[:200]


def _expression(expression: dict, limits: Limits) -> tuple[dict, list[dict], str, str]:
    source, values = expression["source"], dict(expression.get("values") or {})
    mode = expression.get("mode", "numeric")
    expression_numbers(source, values, limits, mode)  # the limit errors before anything is computed
    trace = trace_expression(source, values, mode, limits)
    out = next((n["label"] for n in trace["graph"] if n["id"] == trace["output"]), None) or "out"
    panel_expression = {"source": source, "values": values}
    if mode != "numeric":
        panel_expression["mode"] = mode
    facts = [_fact("value", f"{out}, the output", {"kind": "expression", "panel": 0},
                   tolist(trace["value"]))]
    taken = {"value"}
    for name in values:
        if name not in trace["gradients"]:
            continue
        fact_id = _fact_id(f"d_{name}", taken)
        compute = {"kind": "expression", "panel": 0, "of": "gradient", "variable": name}
        facts.append(_fact(fact_id, f"∂{out}/∂{name}", compute, tolist(trace["gradients"][name])))
    shown = ", ".join(f"{k} = {_short(v)}" for k, v in values.items())
    summary = _line(f"{source} at {shown}" if shown else source)
    return {"title": "The expression", "expression": panel_expression}, facts, summary, "My expression"


def _model(spec: dict, start: list | None, limits: Limits) -> tuple[dict, list[dict], str, str]:
    spec = dict(spec)
    if start is not None:
        spec["params"] = start  # the weights shown: the page opens with them, the loss is theirs
    Model.create(spec, limits)  # the weights' shapes and the limits
    lesson = {"panels": [{"spec": spec}]}
    runs = []
    for offset in range(SEEDS):
        with varied(Variation(seed_offset=offset)), np.errstate(all="ignore"):
            runs.append(float(model_fact(lesson, 0, "loss")))
    panel: dict = {"title": f"The net ({spec.get('name') or 'model'})", "spec": spec}
    label = "data loss of the weights shown" if start is not None else "data loss"
    compute = {"kind": "model", "panel": 0, "of": "loss"}
    finite = all(math.isfinite(r) for r in runs)
    fact = {"id": "loss", "label": label, "compute": compute}
    if finite:
        middle = (max(runs) + min(runs)) / 2
        spread = (max(runs) - min(runs)) / 2
        fact.update(expected=middle, tolerance=_tolerance(spread + abs(middle) * RELATIVE * 10))
    summary = _line(f"{spec.get('name') or 'A net'}: data loss {_short(runs[0])}")
    return panel, [fact], summary, "My net"


def _fact(fact_id: str, label: str, compute: dict, value) -> dict:
    fact = {"id": fact_id, "label": label, "compute": compute}
    numbers = np.asarray(value, dtype=float)
    if numbers.size and np.all(np.isfinite(numbers)):  # NaN is never close to itself: shown, not checked
        fact.update(expected=value, tolerance=_tolerance(float(np.max(np.abs(numbers))) * RELATIVE))
    return fact


def _tolerance(amount: float) -> float:
    """A round tolerance at least `amount` and at least RELATIVE: 1e-9, 2e-9, 5e-9, 1e-8, …"""
    amount = max(amount, RELATIVE)
    exponent = math.floor(math.log10(amount))
    for step in (1, 2, 5, 10):
        if step * 10.0 ** exponent >= amount:
            return float(f"{step}e{exponent}")
    return float(f"1e{exponent + 1}")


def _fact_id(base: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]", "_", base)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _Dumper(yaml.SafeDumper):
    """YAML as the built-in lesson files are written: fields in the order given, short lists and mappings of
    numbers on one line, everything else as blocks."""


def _flat(value, depth: int = 2) -> bool:
    """Numbers or text, or lists of them nested at most `depth` deep (no mappings within)."""
    if isinstance(value, list):
        return depth > 0 and all(_flat(v, depth - 1) for v in value)
    return not isinstance(value, dict)


def _short_enough(value) -> bool:
    return len(json.dumps(value, ensure_ascii=False)) <= FLOW_WIDTH


def _list(dumper: yaml.SafeDumper, data: list):
    flow = _flat(data) and _short_enough(data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _mapping(dumper: yaml.SafeDumper, data: dict):
    flow = bool(data) and all(_flat(v, 1) for v in data.values()) and _short_enough(data) \
        and not any(isinstance(v, str) and ("\n" in v or len(v) > 40) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _mapping)


def dump(data: dict) -> str:
    """`data` as a lesson file's YAML (the front matter between the fences)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=110)


def facts_once(source: LessonSource, limits: Limits = DEFAULT_LIMITS) -> dict:
    """A lesson read from a file that is shown once (opened in the page, not kept): with its facts
    computed now and not remembered; LessonFileError naming the fact's line when one cannot be computed,
    or when the lesson asks for more than `limits` allow (a panel's size, the training steps of its facts)."""
    _within(source, limits)
    public = {key: value for key, value in source.lesson.items() if key != "facts"}
    try:
        with np.errstate(all="ignore"):
            facts = _lessons._compute(source.lesson)
    except _lessons.FactError as exc:
        line = source.fact_lines.get(exc.fact_id, 1)
        raise LessonFileError(source.file, line, str(exc)) from exc.cause
    return {**public, "facts": facts}


def _within(source: LessonSource, limits: Limits) -> None:
    """The lesson's panels within the limits of the API, and its facts' training steps within one request's
    `steps`, before anything is computed."""
    lesson = source.lesson
    try:
        for panel in lesson["panels"]:
            if "spec" in panel:
                Model.create(panel["spec"], limits)
            else:
                e = panel["expression"]
                expression_numbers(e["source"], e.get("values", {}), limits, e.get("mode", "numeric"))
    except ValueError as exc:
        raise LessonFileError(source.file, source.id_line,
                              f"a panel is too large to show here: {exc}") from None
    steps, seen = 0, set()
    for fact in lesson["facts"]:
        compute = fact["compute"]
        key = json.dumps(compute, sort_keys=True)
        if key in seen:  # facts with the same computation share it
            continue
        seen.add(key)
        runs = len(compute.get("panels", [])) or 1  # train_curves: each panel
        if compute.get("kind") == "mdn_vs_gaussian":
            runs = (compute.get("restarts") or 1) + 1  # the mixture's starts and the Gaussian net
        steps += (compute.get("train") or 0) + (compute.get("steps") or 0) * runs
        if steps > limits.steps:
            line = source.fact_lines.get(fact["id"], 1)
            raise LessonFileError(source.file, line, f'fact "{fact["id"]}": the facts train {steps} steps in '
                                  f"all up to here, more than the {limits.steps} one request may take")
