"""The stepper as one self-contained HTML file: backprop_playground.export and the CLI's export."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

from backprop_playground.cli import main
from backprop_playground.export import KATEX_FONTS, ExportError, parse_values, stepper_html, unpack_page

DATA = re.compile(r'<script type="application/json" id="backprop-playground-offline">(.*?)</script>', re.S)
SPECIFIER = re.compile(r"""(?<![\w$.])(?:from|import)\s*(?:\(\s*)?["']([^"'\n]+)["']""")
EXPRESSION = {"expression": "(x*y+x)*z", "values": {"x": 2, "y": -1, "z": 3}}
D_X = 2 * 0.8 * (1 - math.tanh(0.8 ** 2) ** 2)  # dz/dx of z = tanh(x²) at x = 0.8
LESSON_FILE = f"""---
id: squares-and-tanh
title: Squares and tanh
slide: Back-propagation
summary: The chain rule through a square and a tanh.
panels:
- title: z = tanh(x²)
  expression:
    source: y = x**2; z = tanh(y)
    values: {{x: 0.8}}
facts:
- id: d_x
  label: ∂z/∂x
  compute: {{kind: expression, panel: 0, of: gradient, variable: x}}
  expected: {D_X!r}
---

The chain rule, node by node.
"""


def offline_data(page: str) -> dict:
    return json.loads(DATA.search(page).group(1))


def answer(data: dict, method: str, path: str):
    return next(a for a in data["answers"] if a["method"] == method and a["path"] == path)


@pytest.fixture(scope="module")
def lesson_page() -> str:
    return stepper_html(lesson="xor-relu")


@pytest.fixture(scope="module")
def expression_page() -> str:
    return stepper_html(**EXPRESSION, theme="projector")


def test_a_lesson_page_embeds_the_lesson_its_step_trace_and_the_op_table(lesson_page):
    data = offline_data(lesson_page)
    assert data["state"] == {"theme": "light", "lesson": "xor-relu", "panel": 0}
    lesson = answer(data, "GET", "/lessons/xor-relu")["answer"]
    assert lesson["title"] == data["title"]
    step = answer(data, "POST", "/specs/step")
    panel = lesson["panels"][0]
    # the body the page will send: the panel's spec, starting from its `start` weights when it has them
    start = panel.get("start")
    assert step["body"] == ({**panel["spec"], "params": start} if start else panel["spec"])
    types = {event["type"] for event in step["answer"]["events"]}
    assert {"forward", "backward", "update"} <= types
    ops = answer(data, "GET", "/ops")["answer"]
    assert {"mul", "relu", "matmul"} <= {op["name"] for op in ops}
    assert 200_000 < len(lesson_page.encode()) < 4_000_000


def test_an_expression_page_embeds_the_engines_trace(expression_page):
    data = offline_data(expression_page)
    assert data["state"]["expr"] == "(x*y+x)*z" and data["state"]["theme"] == "projector"
    trace = answer(data, "POST", "/expressions")
    assert trace["body"] == {"source": "(x*y+x)*z", "values": {"x": 2, "y": -1, "z": 3}, "mode": "numeric"}
    gradients = {k: g["data"] for k, g in trace["answer"]["gradients"].items()}
    assert gradients == {"x": [0.0], "y": [6.0], "z": [0.0]}
    assert '<html lang="en" data-theme="projector">' in expression_page


@pytest.mark.parametrize("page_name", ["lesson_page", "expression_page"])
def test_nothing_is_fetched_from_anywhere(page_name, request):
    page = request.getfixturevalue(page_name)
    # every resource the page names is inline: no src/href of a link or script, no url() but data:
    for tag in re.findall(r"<(?:link|script|img|iframe|source)\b[^>]*>", page):
        for url in re.findall(r'\b(?:src|href)="([^"]*)"', tag):
            assert url.startswith("data:"), tag[:200]
    packed = unpack_page(page)  # the styles and modules, as the page's script unpacks them
    style, modules, entry = packed["style"], packed["modules"], packed["entry"]
    assert all(u.strip("\"'").startswith("data:") for u in re.findall(r"url\(([^)]*)\)", style))
    assert "woff2" in style and "format(\"woff\")" not in style  # KaTeX's fonts: woff2 only, inline
    faces = re.findall(r"@font-face\s*\{[^}]*\}", style)
    assert len(faces) == len(KATEX_FONTS)  # only the fonts the formulas use
    assert entry in modules
    for key, source in modules.items():
        for spec in SPECIFIER.findall(source):
            if spec.startswith(("./", "../", "/")) or spec in ("d3", "katex", "dagre", "markdown-it"):
                pytest.fail(f"{key} still imports {spec!r}")
            if spec.startswith("@offline/"):
                assert spec in modules, f"{key} imports {spec}, which is not embedded"
    assert not re.search(r"""(?:src|href)=["']https?://""", page)
    assert not re.search(r"""url\(["']?https?://""", style)


def test_the_online_only_recorder_is_left_out_of_a_saved_page(lesson_page):
    """The GIF/video recorder and gifenc are for the online pages (a saved page hides the button): none of
    their code is packed, and the one import of it names a module that says so if ever loaded."""
    modules = unpack_page(lesson_page)["modules"]
    assert not [key for key in modules if "media-record" in key or "gifenc" in key]
    assert "media-dialog" in " ".join(modules)  # the dialog itself is small and stays, hidden
    assert sum("only%20the%20online%20page" in source for source in modules.values()) == 1


def test_user_text_cannot_break_out_of_its_element():
    title = 'Cost </script><script>alert("x")</script> <!-- & </title><b>'
    page = stepper_html(expression="x*y", values={"x": 1, "y": 2}, title=title)
    # the vocabulary, the data, the packed modules, the unpacking
    assert page.count("<script") == page.count("</script>") == 4
    escaped = "Cost &lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;!-- &amp; "
    assert f"<title>{escaped}" in page
    assert "<b>" not in page
    assert offline_data(page)["title"] == title


def test_a_trace_is_embedded_as_it_is():
    from backprop_playground.nets.expressions import trace_expression

    raw = trace_expression("x*x", {"x": 3.0})
    page = stepper_html(trace=raw, title="Square")
    data = offline_data(page)
    assert data["trace"]["schema_version"] == 1 and data["title"] == "Square"
    assert [e["type"] for e in data["trace"]["events"]].count("backward") >= 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"lesson": "no-such-lesson"}, "no lesson 'no-such-lesson'; choose one of"),
    ({"lesson": "xor-relu", "panel": 7}, "has panels 0 to"),
    ({"lesson": "xor-relu", "theme": "neon"}, "theme must be one of light, dark, projector"),
    ({}, "nothing to export"),
    ({"lesson": "xor-relu", "expression": "x"}, "not both"),
    ({"expression": "x*y", "values": {"x": 1}}, "'y'"),
    ({"expression": "x*", "values": {"x": 1}}, "column"),
    ({"expression": "x*y", "values": {"x": float("nan"), "y": 1}}, "finite number"),
    ({"expression": "x*y", "values": {"x": True, "y": 1}}, "finite number"),
    ({"expression": "+".join(["x"] * 1500), "values": {"x": 1}}, "exceeds the limit"),
])
def test_errors_name_the_problem(kwargs, message):
    with pytest.raises(ExportError, match=re.escape(message)):
        stepper_html(**kwargs)


def test_values_are_read_as_the_stepper_writes_them():
    assert parse_values("x=2,y=-1, v=[1, 2]; m=[[1,0],[0,1]]") == {"x": 2, "y": -1, "v": [1, 2],
                                                                   "m": [[1, 0], [0, 1]]}
    assert parse_values("x=\u22122.5") == {"x": -2.5}
    for bad in ("x=", "x=two", "2=x", "x=NaN", "x=[1,"):
        with pytest.raises(ExportError):
            parse_values(bad)


def test_the_export_module_imports_no_web_library():
    code = (
        "import sys\n"
        "import backprop_playground, backprop_playground.export\n"
        "backprop_playground.export.stepper_html(expression='x*y', values={'x': 1, 'y': 2})\n"
        "web = [m for m in ('fastapi', 'starlette', 'uvicorn', 'httpx') if m in sys.modules]\n"
        "assert not web, web\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_cli_writes_a_lesson_and_an_expression(tmp_path, capsys):
    out = tmp_path / "xor.html"
    assert main(["export", "--lesson", "xor-relu", "--theme", "dark", "-o", str(out)]) == 0
    assert offline_data(out.read_text())["state"]["theme"] == "dark"
    assert "wrote" in capsys.readouterr().err
    out = tmp_path / "e.html"
    assert main(["export", "--expression", "(x*y+x)*z", "--values", "x=2,y=-1,z=3", "-o", str(out)]) == 0
    assert offline_data(out.read_text())["state"]["values"] == {"x": 2, "y": -1, "z": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.html", "xor.html"]  # nothing else unasked


def test_cli_writes_the_deck_scripts_beside_the_file_when_asked(tmp_path, capsys):
    """A deck that runs with no server loads the reveal.js plugin or the script for any deck from beside the
    exported file: --plugins writes them there, as the app serves them at /plugins/."""
    from backprop_playground.settings import get_settings

    out = tmp_path / "slides" / "xor.html"
    out.parent.mkdir()
    assert main(["export", "--lesson", "xor-relu", "--plugins", "-o", str(out)]) == 0
    names = sorted(p.name for p in out.parent.iterdir())
    assert names == ["backprop-keys.js", "reveal-backprop.js", "xor.html"]
    plugins = get_settings().web_dir / "plugins"
    for name in ("backprop-keys.js", "reveal-backprop.js"):
        assert (out.parent / name).read_bytes() == (plugins / name).read_bytes()
    err = capsys.readouterr().err
    assert "reveal-backprop.js" in err and "backprop-keys.js" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--lesson", "nope"], "no lesson 'nope'"),
    (["--expression", "x*y", "--values", "x=1,y=oops"], "y"),
    (["--expression", "x*y", "--values", "x=1"], "'y'"),
])
def test_cli_errors_exit_2_naming_the_problem(tmp_path, capsys, argv, message):
    out = tmp_path / "out.html"
    assert main(["export", *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop-playground export: ") and message in err
    assert not out.exists()


def test_cli_usage_errors_exit_2(tmp_path):
    for argv in (["export", "-o", "x.html"], ["export", "--lesson", "xor-relu", "--theme", "neon", "-o", "x"],
                 ["export", "--lesson", "xor-relu"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2


@pytest.fixture
def lesson_file(tmp_path):
    path = tmp_path / "squares.md"
    path.write_text(LESSON_FILE, encoding="utf-8")
    return path


def test_cli_exports_a_lesson_file_as_a_built_in_lesson_with_its_facts(lesson_file, tmp_path, capsys):
    out = tmp_path / "squares.html"
    assert main(["export", "--lesson-file", str(lesson_file), "--theme", "dark", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    data = offline_data(out.read_text())
    assert data["state"] == {"theme": "dark", "lesson": "squares-and-tanh", "panel": 0}
    assert data["title"] == "Squares and tanh"
    lesson = answer(data, "GET", "/lessons/squares-and-tanh")["answer"]
    assert lesson["title"] == "Squares and tanh" and lesson["text"] == "The chain rule, node by node."
    (fact,) = lesson["facts"]
    assert fact["id"] == "d_x" and fact["passed"] is True and fact["value"] == pytest.approx(D_X)
    trace = answer(data, "POST", "/expressions")
    assert trace["body"] == {"source": "y = x**2; z = tanh(y)", "values": {"x": 0.8}, "mode": "numeric"}
    assert trace["answer"]["gradients"]["x"]["data"] == pytest.approx([D_X])


def test_a_lesson_file_exports_from_its_path_or_its_text_alike(lesson_file):
    by_path = offline_data(stepper_html(lesson_file=lesson_file, title="Mine"))
    by_text = offline_data(stepper_html(lesson_file=LESSON_FILE, title="Mine"))
    assert by_path == by_text and by_path["title"] == "Mine"
    with pytest.raises(ExportError, match="not both"):
        stepper_html(lesson="xor-relu", lesson_file=lesson_file)
    with pytest.raises(ExportError, match="has panels 0 to 0, not 2"):
        stepper_html(lesson_file=lesson_file, panel=2)


@pytest.mark.parametrize(("change", "line", "message"), [
    (("variable: x}", "variable: q}"), 14, '"q" is not a variable of panel 0'),
    (("title: Squares and tanh\n", ""), 2, "title"),
    (("---\nid:", "id:"), 1, "front matter"),
])
def test_cli_a_broken_lesson_file_exits_2_naming_its_file_and_line(tmp_path, capsys, change, line, message):
    broken = tmp_path / "broken.md"
    broken.write_text(LESSON_FILE.replace(*change, 1), encoding="utf-8")
    out = tmp_path / "out.html"
    assert main(["export", "--lesson-file", str(broken), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"backprop-playground export: {broken}:{line}: ") and message in err
    assert "Traceback" not in err and not out.exists()
    assert main(["export", "--lesson-file", str(tmp_path / "none.md"), "-o", str(out)]) == 2
    assert f"{tmp_path / 'none.md'}:1: cannot read the file" in capsys.readouterr().err


def test_cli_exports_a_lesson_file_whose_fact_fails_saying_so(tmp_path, capsys):
    failing = tmp_path / "failing.md"
    failing.write_text(LESSON_FILE.replace(f"expected: {D_X!r}", "expected: 0.5"), encoding="utf-8")
    out = tmp_path / "failing.html"
    assert main(["export", "--lesson-file", str(failing), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    said = re.escape(f'{failing}: fact "d_x" does not hold: ') + r"1\.089\d* is not close to 0\.5"
    assert re.search(said, err)
    (fact,) = answer(offline_data(out.read_text()), "GET", "/lessons/squares-and-tanh")["answer"]["facts"]
    assert fact["passed"] is False  # shown as a server shows it


def test_cli_takes_a_lesson_or_a_lesson_file_not_both(lesson_file, tmp_path, capsys):
    argv = ["export", "--lesson", "xor-relu", "--lesson-file", str(lesson_file), "-o", str(tmp_path / "x")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "--lesson-file: not allowed with argument --lesson" in capsys.readouterr().err
    assert not list(tmp_path.glob("x*"))


@pytest.mark.browser
def test_a_lesson_file_exports_as_png_frames(browser, lesson_file, tmp_path):
    """The media export renders a lesson file as it does a built-in lesson (in its own process: the
    browser fixture's Playwright holds this one's event loop)."""
    from PIL import Image

    from backprop_playground import media

    out = tmp_path / "frames"
    argv = [sys.executable, "-m", "backprop_playground.cli", "export", "--lesson-file", str(lesson_file),
            "--format", "png", "--phase", "forward", "--size", "640x360", "-o", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr
    phases = media.step_phases(media.page_trace(unpack_page(stepper_html(lesson_file=lesson_file))["data"]))
    frames = sorted(out.glob("*.png"))
    assert len(frames) == 1 + phases.count("forward")  # the start, then each forward step
    for frame in frames:
        with Image.open(frame) as image:
            assert image.size == (640, 360)
