"""Lesson files: the format reads back exactly, and every kind of mistake names its file, line and what was
expected. `lessons check` reads a folder, computes every fact and exits 1 naming each failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backprop_playground.cli import main
from backprop_playground.nets.lessons import BUILTIN_SOURCES, LESSONS
from backprop_playground.nets.lessons.checking import check_folder
from backprop_playground.nets.lessons.facts import KINDS
from backprop_playground.nets.lessons.files import (
    BUILTIN,
    LessonFileError,
    load_folder,
    load_lesson_file,
    parse_lesson,
)
from backprop_playground.nets.lessons.schema import kind_arguments, trains

TINY = """---
id: tiny
title: A tiny lesson
slide: Chain rule
summary: One product.
panels:
- title: x times y
  expression:
    source: z = x*y
    values: {x: 2.0, y: 3.0}
facts:
- id: d_x
  label: ∂z/∂x
  compute: {kind: expression, panel: 0, of: gradient, variable: x}
  expected: 3.0
- id: again
  label: ∂z/∂x again
  compute: {kind: expression, panel: 0, of: gradient, variable: x}
  expected: d_x
  compare: same_as
---

The text, $z = x y$ and $\\operatorname{softmax}$.
"""

D_X = "compute: {kind: expression, panel: 0, of: gradient, variable: x}\n  expected: 3.0"


def test_a_lesson_file_reads_as_the_lesson(tmp_path):
    path = tmp_path / "tiny.md"
    path.write_text(TINY, encoding="utf-8")
    lesson = load_lesson_file(path)
    assert list(lesson) == ["id", "title", "slide", "summary", "text", "panels", "facts"]
    assert lesson["text"] == "The text, $z = x y$ and $\\operatorname{softmax}$."
    assert lesson["panels"][0]["expression"] == {"source": "z = x*y", "values": {"x": 2.0, "y": 3.0}}
    assert lesson["facts"][1] == {"id": "again", "label": "∂z/∂x again", "expected": "d_x",
                                  "compare": "same_as",
                                  "compute": {"kind": "expression", "panel": 0, "of": "gradient",
                                              "variable": "x"}}


def test_numbers_read_as_json_reads_them():
    lesson = parse_lesson(TINY.replace("expected: 3.0", "expected: 3.0\n  tolerance: 1e-6"), "t.md").lesson
    assert lesson["facts"][0]["tolerance"] == 1e-6  # YAML 1.1 alone would read the text "1e-6"


def test_the_built_in_lessons_are_lesson_files_in_lecture_order():
    files = sorted(BUILTIN.glob("*.md"))
    assert len(files) == len(LESSONS) == 16
    assert [source.file for source in BUILTIN_SOURCES] == [str(f) for f in files]
    assert all(f.name.startswith(f"{n:02d}-") for n, f in enumerate(files, start=1))


@pytest.mark.parametrize("name,text,line,message", [
    ("no front matter", TINY[4:], 1,
     'a lesson file starts with its front matter: a line "---", the fields (id: …, title: …), then a line '
     '"---"'),
    ("unclosed front matter", TINY.replace("\n---\n\nThe", "\n\nThe"), 1,
     'the front matter has no closing "---" line'),
    ("YAML syntax", TINY.replace("slide: Chain rule", "slide: Chain: rule"), 4,
     "YAML: mapping values are not allowed here"),
    ("a key twice", TINY.replace("slide: Chain rule", "slide: Chain rule\ntitle: again"), 5,
     '"title" is given twice'),
    ("not a mapping", "---\n- a\n- b\n---\ntext\n", 2,
     "the front matter must be a mapping of fields (id: …, title: …)"),
    ("missing field", TINY.replace("title: A tiny lesson\n", ""), 2, '"title" is missing'),
    ("unknown field", TINY.replace("slide: Chain rule", "slide: Chain rule\ncolour: red"), 5,
     'unknown field "colour"'),
    ("wrong type", TINY.replace("title: A tiny lesson", "title: 12"), 3, '"title" must be text'),
    ("values", TINY.replace("values: {x: 2.0, y: 3.0}", "values: {x: two, y: 3.0}"), 10,
     'panel 0: "values" must map names to numbers (or lists of numbers)'),
    ("both panel kinds", TINY.replace("  expression:\n", "  spec: {}\n  expression:\n"), 7,
     'panel 0: a panel holds either "expression" or "spec", exactly one of them'),
    ("model spec", TINY.replace("  expression:\n    source: z = x*y\n    values: {x: 2.0, y: 3.0}\n",
                                "  spec:\n    name: xor\n    hidden: [{units: 0}]\n"
                                "    output: {kind: linear}\n    data: {dataset: xor}\n"), 10,
     'panel 0: "spec.hidden[0].units" must be greater than or equal to 1'),
    ("expression syntax", TINY.replace("source: z = x*y", "source: z = x*$y"), 9,
     "panel 0: the expression does not parse: unexpected character '$' (at column 7)"),
    ("expression value missing", TINY.replace("source: z = x*y", "source: z = x*y*w"), 10,
     'panel 0: the expression uses w but "values" gives no value for it'),
    ("unknown kind", TINY.replace(D_X, "compute: {kind: gradiant, panel: 0}\n  expected: 3.0"), 14,
     'fact "d_x": unknown fact kind "gradiant"; the kinds are: expression, softmax, jacobian, '
     "gradient_table, second_derivative, chain_counts, repeated_subexpressions, model, param_gradient, "
     "mdn_vs_gaussian, "
     "train_curves, folding_regions"),
    ("unknown argument", TINY.replace("of: gradient, variable: x}\n  expected: 3.0",
                                      "of: gradient, varible: x}\n  expected: 3.0"), 14,
     'fact "d_x": unknown field "compute.varible" for kind "expression" (its arguments: panel, of?, '
     "variable?, values?; ? optional)"),
    ("missing argument", TINY.replace(D_X, "compute: {kind: softmax, panel: 0}\n  expected: 3.0"), 14,
     'fact "d_x": "compute.target" is missing'),
    ("argument type", TINY.replace(D_X, "compute: {kind: expression, panel: zero}\n  expected: 3.0"), 14,
     'fact "d_x": "compute.panel" must be a whole number'),
    ("argument choice", TINY.replace("of: gradient, variable: x}\n  expected: 3.0",
                                     "of: slope, variable: x}\n  expected: 3.0"), 14,
     "fact \"d_x\": \"compute.of\" must be 'value', 'gradient', 'nodes', 'operations' or 'contributions'"),
    ("panel out of range", TINY.replace("panel: 0, of: gradient, variable: x}\n  expected: 3.0",
                                        "panel: 2, of: gradient, variable: x}\n  expected: 3.0"), 14,
     'fact "d_x": "panel": panel 2 is out of range (the lesson has panels 0 to 0)'),
    ("panel of another kind",
     TINY.replace(D_X, "compute: {kind: model, panel: 0, of: loss}\n  expected: 3.0"), 14,
     'fact "d_x": "panel": panel 0 must hold a model (spec) for kind "model"'),
    ("unknown variable", TINY.replace("variable: x}\n  expected: 3.0", "variable: q}\n  expected: 3.0"), 14,
     'fact "d_x": "variable": "q" is not a variable of panel 0 (its values: x, y)'),
    ("same_as a missing fact", TINY.replace("expected: d_x", "expected: d_q"), 19,
     'fact "again": "expected" must name another fact of this lesson with compare: same_as, not "d_q" (its '
     "facts: d_x)"),
    ("expected neither a number nor a fact", TINY.replace("expected: 3.0", "expected: three"), 15,
     'fact "d_x": "expected" must name another fact of this lesson with compare: close, not "three" (its '
     "facts: again)"),
    ("expected not a number", TINY.replace("expected: 3.0", "expected: {a: 1}"), 15,
     'fact "d_x": "expected" must be a number or a list of numbers (or another fact\'s id, to compare with '
     "its value)"),
    ("unknown compare", TINY.replace("expected: 3.0", "expected: 3.0\n  compare: equal"), 16,
     "fact \"d_x\": \"compare\" must be 'close', 'less', 'greater', 'nonzero' or 'same_as'"),
    ("fact id twice", TINY.replace("id: again", "id: d_x"), 16,
     'fact "d_x": "d_x" is already the id of an earlier fact'),
    ("no text", TINY.split("\n---\n")[0] + "\n---\n\n", 22,
     "the lesson's text is missing: it goes below the front matter"),
])
def test_a_mistake_names_its_file_line_and_what_was_expected(tmp_path, name, text, line, message):
    path = tmp_path / "lessons" / "bad.md"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonFileError) as caught:
        load_lesson_file(path)
    assert str(caught.value) == f"{path}:{line}: {message}"
    assert (caught.value.file, caught.value.line, caught.value.message) == (str(path), line, message)


def test_a_folder_keeps_its_lessons_and_its_errors_apart(tmp_path):
    (tmp_path / "01-a.md").write_text(TINY, encoding="utf-8")
    (tmp_path / "02-b.md").write_text(TINY, encoding="utf-8")  # the same id again
    (tmp_path / "03-c.md").write_text(TINY.replace("id: tiny", "id: other").replace("title: A", "title: ["),
                                      encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a lesson", encoding="utf-8")
    lessons, errors = load_folder(tmp_path)
    assert [source.lesson["id"] for source in lessons] == ["tiny"]
    assert [str(e) for e in errors] == [
        f'{tmp_path / "02-b.md"}:2: the id "tiny" is already the id of 01-a.md',
        f"{tmp_path / '03-c.md'}:4: YAML: while parsing a flow sequence, expected ',' or ']', but got ':'",
    ]


def test_a_fact_kind_takes_the_arguments_of_its_function():
    assert kind_arguments("model") == {"panel": True, "of": True, "train": False, "reset_seed": False,
                                       "layer": False}
    assert trains("model") and trains("mdn_vs_gaussian") and not trains("expression")


XOR = (BUILTIN / "02-xor-relu.md").read_text(encoding="utf-8").replace("id: xor-relu", "id: my-xor")


def test_lessons_check_passes_a_good_folder(tmp_path, capsys):
    (tmp_path / "01-tiny.md").write_text(TINY, encoding="utf-8")
    (tmp_path / "02-xor.md").write_text(XOR, encoding="utf-8")
    assert main(["lessons", "check", str(tmp_path), "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "01-tiny.md  tiny: A tiny lesson\n  ✓ d_x = 3 (expected: 3 within 1e-09)\n" in out
    assert "  ✓ again = 3 (expected: the same as d_x within 1e-09)\n" in out
    assert "  ✓ dead_start_loss = 0.166667 (expected: greater than 0.1) over 2 seeds\n" in out
    assert out.endswith("every lesson file reads and every fact holds\n")


def test_lessons_check_names_every_failure_and_exits_1(tmp_path, capsys):
    (tmp_path / "01-tiny.md").write_text(TINY.replace("expected: 3.0", "expected: 2.0"), encoding="utf-8")
    (tmp_path / "02-broken.md").write_text(TINY.replace("values: {x: 2.0, y: 3.0}", "values: [1]"),
                                           encoding="utf-8")
    (tmp_path / "03-pick.md").write_text(TINY.replace("id: tiny", "id: picky").replace(
        "expected: 3.0", "pick: slope\n  expected: 3.0"), encoding="utf-8")
    (tmp_path / "04-xor.md").write_text(XOR.replace("expected: 0.1\n  compare: greater",
                                                    "expected: 0.5\n  compare: greater"), encoding="utf-8")
    assert main(["lessons", "check", str(tmp_path), "--seeds", "2"]) == 1
    out = capsys.readouterr().out
    failed = out.split("\n4 failed:\n")[1].splitlines()
    assert len(failed) == 4
    assert failed[0] == "✗ 01-tiny.md:12: d_x = 3 (expected: 2 within 1e-09)"
    assert failed[1] == '✗ 02-broken.md:10: panel 0: "values" must map names to numbers (or lists of numbers)'
    assert failed[2].startswith('✗ 03-pick.md:12: fact "d_x" cannot be computed: KeyError:')
    assert failed[3].startswith("✗ 04-xor.md:") and "dead_start_loss" in failed[3]
    assert "fails for seed +0: 0.166667, seed +1: 0.166667" in failed[3]


def test_lessons_check_of_an_empty_folder_fails(tmp_path, capsys):
    assert main(["lessons", "check", str(tmp_path)]) == 1
    assert f"✗ {tmp_path}: no lesson files (*.md)" in capsys.readouterr().out


def test_check_folder_reports_a_clash_with_a_built_in_unless_replaced(tmp_path):
    (tmp_path / "xor.md").write_text(XOR.replace("id: my-xor", "id: xor-relu"), encoding="utf-8")
    report = check_folder(tmp_path, seeds=1)
    assert report.failures == ["✗ xor.md:2: the id \"xor-relu\" is a built-in lesson's: give this lesson "
                               "another id, or say replaces: true to show it in the built-in's place"]
    assert check_folder(tmp_path, seeds=1, replace=True).failures == []


DOCS = Path(__file__).resolve().parents[2] / "docs" / "lessons.md"


def test_the_documented_lessons_read_and_every_fact_holds(tmp_path):
    examples = re.findall(r"```markdown\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(examples) == 2
    for n, example in enumerate(examples):
        (tmp_path / f"{n:02d}.md").write_text(example, encoding="utf-8")
    report = check_folder(tmp_path, seeds=2)
    assert report.failures == [], report.lines
    assert sum(line.startswith("  ✓") for line in report.lines) == 4
    assert load_lesson_file(tmp_path / "00.md")["text"].endswith("e^{z_j}$.")


def test_every_fact_kind_and_its_arguments_are_documented():
    text = DOCS.read_text(encoding="utf-8").split("### Fact kinds")[1]
    for name in KINDS:
        row = re.search(rf"^\| `{name}` \| (.*?) \|", text, re.M)
        assert row, name
        assert all(f"`{argument}`" in row.group(1) for argument in kind_arguments(name)), name


def test_lessons_check_passes_the_built_in_lessons(capsys):
    """The built-in folder is checked as it is shown (its ids are its own, no clash), every fact computed
    once here (over five seeds: test_fact_robustness.py, and `lessons check` itself)."""
    assert main(["lessons", "check", str(BUILTIN), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[1] for line in out.splitlines() if line.endswith(".md") or ".md  " in line] == [
        f"{lesson['id']}:" for lesson in LESSONS]
    assert "✗" not in out


def test_a_fact_compares_two_computed_quantities(tmp_path):
    """`expected` naming another fact compares with that fact's computed value, with any comparison."""
    from backprop_playground.nets.lessons import with_facts

    text = TINY.replace("expected: d_x\n  compare: same_as", "expected: d_y\n  compare: less").replace(
        "facts:\n", "facts:\n- id: d_y\n  label: ∂z/∂y\n"
        "  compute: {kind: expression, panel: 0, of: gradient, variable: y}\n")
    facts = {f["id"]: f for f in with_facts(parse_lesson(text, "two.md"))["facts"]}
    assert facts["d_y"]["value"] == 2.0 and facts["again"]["value"] == 3.0
    assert facts["again"]["expected"] == 2.0 and facts["again"]["compare"] == "less"
    assert facts["again"]["passed"] is False  # 3 is not below 2: shown failing, with both values
    flipped = with_facts(parse_lesson(text.replace("compare: less", "compare: greater"), "two.md"))
    assert next(f for f in flipped["facts"] if f["id"] == "again")["passed"] is True
    (tmp_path / "two.md").write_text(text, encoding="utf-8")
    report = check_folder(tmp_path, seeds=1)
    assert len(report.failures) == 1, report.lines
    assert "expected: less than d_y = 2" in "\n".join(report.lines), report.lines


@pytest.mark.parametrize("of,count", [("nodes", 3), ("operations", 1), ("contributions", 2)])
def test_a_fact_counts_an_expressions_graph(of, count):
    from backprop_playground.nets.lessons import with_facts

    text = TINY.replace("of: gradient, variable: x}\n  expected: 3.0", f"of: {of}}}\n  expected: {count}")
    fact = with_facts(parse_lesson(text, "count.md"))["facts"][0]
    assert (fact["value"], fact["passed"]) == (count, True)
