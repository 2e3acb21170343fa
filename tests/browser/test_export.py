"""The exported stepper (backprop_playground.export) opened from disk with every network request refused:
stepping, totals, update, inspector, keys and postMessage work as on /embed, in every theme."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backprop_playground.export import stepper_html
from tests.browser.helpers import counter, final_totals, header_control, open_stepper, shown_grads, wait_step
from tests.browser.offline import offline_page
from tests.browser.test_decks import HOST_SCRIPT

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/backprop-export")
DATA = re.compile(r'<script type="application/json" id="backprop-playground-offline">(.*?)</script>', re.S)
EXPRESSION = {"expression": "(x*y+x)*z", "values": {"x": 2, "y": -1, "z": 3}}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The exported pages: xor-relu in each theme and the lecture's expression."""
    directory = tmp_path_factory.mktemp("export")
    out = {}
    for theme in ("light", "dark", "projector"):
        out[f"xor-{theme}"] = directory / f"xor-{theme}.html"
        out[f"xor-{theme}"].write_text(stepper_html(lesson="xor-relu", theme=theme), encoding="utf-8")
    out["expression"] = directory / "expression.html"
    out["expression"].write_text(stepper_html(**EXPRESSION), encoding="utf-8")
    return out


@pytest.fixture
def offline(browser):
    """A page (1280×720) whose context refuses every request that is not file: or data:, and records it."""
    with offline_page(browser) as page:
        yield page


def embedded(path: Path) -> dict:
    return json.loads(DATA.search(path.read_text(encoding="utf-8")).group(1))


def embedded_trace(path: Path) -> dict:
    data = embedded(path)
    return next(a["answer"] for a in data["answers"] if a["path"] in ("/specs/step", "/expressions"))


def open_file(page, path: Path):
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector("g.node[data-node-id]")


def goto_phase_end(page, trace: dict, phase: str) -> int:
    """Press → until the last event of `phase` is shown; its step."""
    types = [e["type"] for e in trace["events"] if e["type"] in ("forward", "backward", "update")]
    last = max(i for i, t in enumerate(types) if t == phase) + 1
    while counter(page)[0] < last:
        page.keyboard.press("ArrowRight")
        wait_step(page, counter(page)[0])
    wait_step(page, last)
    return last


@pytest.mark.parametrize("name", ["xor-light", "expression"])
def test_backward_totals_equal_the_engines_gradients(offline, files, name):
    page = offline
    open_file(page, files[name])
    trace = embedded_trace(files[name])
    assert counter(page) == (0, counter(page)[1]) and counter(page)[1] > 0
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    page.keyboard.press("ArrowLeft")
    wait_step(page, 0)
    goto_phase_end(page, trace, "backward")
    page.wait_for_function(  # the last contribution has arrived: every node's total is drawn
        "ids => ids.every(id => document.querySelector(`g.node[data-node-id='${id}']`)?.dataset.grad)",
        arg=list(final_totals(trace)), timeout=10_000)
    shown = shown_grads(page)
    for node, total in final_totals(trace).items():
        assert shown[node] == pytest.approx(total), node
    assert "pending" not in page.locator("g.node[data-grad-status]").evaluate_all(
        "els => els.map(e => e.dataset.gradStatus)")
    if name == "expression":
        by_name = {k: g["data"] for k, g in trace["gradients"].items()}
        assert by_name == {"x": [0.0], "y": [6.0], "z": [0.0]}
        assert {n: shown[trace["inputs"][n]] for n in by_name} == by_name
    else:  # the update: each parameter's value moves by its delta
        before = {n: page.locator(f'g.node[data-node-id="{n}"]').get_attribute("data-value")
                  for n in final_totals(trace)}
        total = counter(page)[1]
        page.keyboard.press("ArrowRight")
        wait_step(page, counter(page)[0])
        while counter(page)[0] < total:
            page.keyboard.press("ArrowRight")
            wait_step(page, counter(page)[0])
        assert page.locator(".controls .phase-tag").inner_text().strip().lower() == "update"
        updates = [e for e in trace["events"] if e["type"] == "update"]
        changed = [u["node"] for u in updates
                   if page.locator(f'g.node[data-node-id="{u["node"]}"]').get_attribute("data-value")
                   != before[u["node"]]]
        assert updates and set(changed) == {u["node"] for u in updates}


def test_the_inspector_shows_formulas_and_the_code_that_ran(offline, files):
    page = offline
    open_file(page, files["expression"])
    trace = embedded_trace(files["expression"])
    mul = next(n for n in trace["graph"]["nodes"] if n.get("op") == "mul")
    page.locator(f'g.node[data-node-id="{mul["id"]}"]').click()
    inspector = page.locator("#inspector")
    inspector.wait_for(state="visible")
    assert inspector.locator(".katex").count() >= 2  # KaTeX from the embedded module, not a network
    code = inspector.locator("details.code-ran")
    assert code.get_attribute("open") is None
    code.locator("summary").click()
    blocks = inspector.locator("details.code-ran pre code").all_inner_texts()
    assert len(blocks) == 3 and all(b.strip() for b in blocks)
    font = inspector.locator("details.code-ran pre").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "mono" in font.lower() or "consolas" in font.lower()
    page.keyboard.press("ArrowRight")  # stays open while stepping
    assert inspector.locator("details.code-ran").get_attribute("open") is not None
    page.keyboard.press("Escape")
    inspector.wait_for(state="hidden")


def test_a_host_page_drives_the_file_with_post_message(offline, files, tmp_path):
    page = offline
    host = tmp_path / "host.html"
    src = files["xor-projector"].as_uri()
    host.write_text(f"""<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script>{HOST_SCRIPT}</script></head><body>
<iframe id="embed" src="{src}" width="960" height="540"></iframe></body></html>""", encoding="utf-8")
    page.goto(host.as_uri())
    page.wait_for_function("() => window.events.some((e) => e.event === 'step')", timeout=30_000)
    page.evaluate("() => window.send({command: 'goto', step: 5})")
    page.wait_for_function("() => window.events.at(-1)?.step === 5")
    page.evaluate("() => window.send({command: 'next'})")
    page.wait_for_function("() => window.events.at(-1)?.step === 6")
    last = page.evaluate("() => window.events.at(-1)")
    assert last["source"] == "backprop-playground" and last["phase"] == "forward" and last["total"] > 6


@pytest.mark.parametrize("size", [(1280, 720), (960, 540)])
def test_the_three_themes_render(offline, files, size):
    page = offline
    page.set_viewport_size({"width": size[0], "height": size[1]})
    SHOTS.mkdir(exist_ok=True)
    backgrounds = {}
    for theme in ("light", "dark", "projector"):
        open_file(page, files[f"xor-{theme}"])
        assert page.evaluate("() => document.documentElement.dataset.theme") == theme
        backgrounds[theme] = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        trace = embedded_trace(files[f"xor-{theme}"])
        relu = next(n["id"] for n in trace["graph"]["nodes"] if n.get("op") == "relu")
        assert counter(page)[0] == 0  # each file starts at its own first step
        for _ in range(8):
            page.keyboard.press("ArrowRight")
        page.locator(f'g.node[data-node-id="{relu}"]').click()
        page.locator("#inspector details.code-ran summary").click()
        page.locator("#inspector details.code-ran pre").first.wait_for()
        page.locator("#inspector details.code-ran pre").last.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"xor-{theme}-{size[0]}x{size[1]}.png"))
        box = page.locator(".graph-svg").bounding_box()
        assert box["width"] > size[0] * 0.5 and box["height"] > size[1] * 0.4
        assert not page.locator("#download-slides").is_visible()
        assert not page.locator("#open-full").is_visible()
    assert backgrounds["light"] != backgrounds["dark"]


@pytest.mark.parametrize(("path", "expected"), [
    ("/?lesson=xor-relu&theme=dark", {"lesson": "xor-relu", "panel": 0, "theme": "dark"}),
    ("/embed?expr=x*y%2Bx&values=x=2,y=-1&theme=projector",
     {"expr": "x*y+x", "values": {"x": 2, "y": -1}, "theme": "projector"}),
])
def test_download_for_slides_saves_what_is_shown(page, live_server, path, expected, tmp_path):
    open_stepper(page, live_server + path)
    if not path.startswith("/embed"):  # on the page it sits with the embed code
        header_control(page, "#copy-embed").click()
    with page.expect_download() as info:
        page.locator("#download-slides").click()
    download = info.value
    assert download.suggested_filename == ("xor-relu.html" if "lesson" in expected else "expression.html")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert embedded(saved)["state"] == expected


@pytest.mark.slow
def test_every_lesson_opens_from_disk(offline, tmp_path):
    """Each lesson's file answers every request its page makes (the body the page sends for its trace is
    the one export.py embedded): the graph is drawn and no error shows."""
    from backprop_playground.nets.lessons import list_lessons

    for lesson in (item["id"] for item in list_lessons()):
        path = tmp_path / f"{lesson}.html"
        path.write_text(stepper_html(lesson=lesson), encoding="utf-8")
        open_file(offline, path)
        assert offline.locator("#status[data-kind=error]:not([hidden])").count() == 0, lesson
        assert offline.locator("#embed-title").inner_text() == embedded(path)["title"]


# Every formula the inspector can show, rendered by the page's own KaTeX: each op's forward and VJP LaTeX of
# GET /ops, its templates filled with a matrix, a label and a bar, labels, a small number; the first font
# family of every glyph drawn (KaTeX picks the family by class, whether or not the page carries the font).
FORMULA_FONTS = """async () => {
  const katex = (await import("@offline/js/lib/katex.js")).default;
  const f = await import("@offline/js/stepper/formulas.js");
  const data = JSON.parse(document.getElementById("backprop-playground-offline").textContent);
  const ops = data.answers.find((a) => a.path === "/ops").answer;
  const matrix = (rows, cols) => f.texTensor({ shape: [rows, cols], size: rows * cols,
    data: Array.from({ length: rows * cols }, (_, i) => (i % 3 ? -1 : 1) * (i + 0.25)) });
  const inputs = [matrix(3, 3), "x_{1}", "\\\\bar{y}"];
  const texs = [f.texNumber(-1.25e-7), matrix(4, 4), matrix(1, 2)];
  for (const label of ["W₁", "h₂", "x·y", "logitsᵀ", "σ", "λ‖w‖"]) texs.push(`${f.texLabel(label)} = 1`);
  for (const op of ops) {
    texs.push(op.forward_latex, ...(op.vjp_latex ?? []));
    if (op.forward_template) texs.push(f.fillTemplate(op.forward_template, inputs));
    for (const t of op.local_templates ?? []) texs.push(f.fillTemplate(t ?? "", inputs));
  }
  const box = document.body.appendChild(document.createElement("div"));
  const options = { throwOnError: false, strict: "ignore", displayMode: true };
  box.innerHTML = texs.filter(Boolean).map((t) => katex.renderToString(t, options)).join("");
  const used = new Set();
  for (const el of box.querySelectorAll(".katex-html *")) {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    used.add(`${style.fontFamily.split(",")[0].trim()}|${style.fontWeight}|${style.fontStyle}`);
  }
  const faces = [...document.fonts].map((face) => `${face.family}|${face.weight}|${face.style}`);
  box.remove();
  return { used: [...used], faces, errors: box.querySelectorAll(".katex-error").length, count: texs.length };
}"""


def test_the_page_carries_every_katex_font_its_formulas_use(offline, files):
    """The page keeps only some of KaTeX's fonts (export.KATEX_FONTS): every glyph of every op's formulas
    is drawn in one of them, none falls back to a font the page left out."""
    open_file(offline, files["expression"])
    found = offline.evaluate(FORMULA_FONTS)
    assert found["errors"] == 0 and found["count"] > 100
    katex_used = {used for used in found["used"] if used.startswith("KaTeX_")}
    assert {"KaTeX_Main|400|normal", "KaTeX_Math|400|italic"} <= katex_used
    assert katex_used <= set(found["faces"]), sorted(found["faces"])
