"""Fit and legibility of the stepper and the embed, measured in the browser: every node box inside the
visible graph area (after load, Fit, the inspector, the side panel, a resize), projector text large enough
to read from the back of a hall, and no edge drawn across a box that is not one of its ends."""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pytest

from tests.browser.helpers import api, counter, open_stepper, wait_step, wait_still
from tests.chromium import keep_console_error

pytestmark = pytest.mark.browser

LAST = 100_000  # a step past the end: the player shows the last one, every value and gradient drawn

# what measure_graph.js returns: {nodes, outside: [ids], fonts: [[id, text, px]], labels: [[step, text, px]],
# crossings: [...], area}
_SOURCE = (Path(__file__).parent / "measure_graph.js").read_text().splitlines()
MEASURE = "\n".join(line for line in _SOURCE if not line.startswith("//"))
TRANSFORM = "() => document.querySelector('g.viewport').getAttribute('transform')"


@pytest.fixture(scope="module")
def lessons(live_server):
    return [lesson["id"] for lesson in api(live_server, "GET", "/lessons")]


def sized_page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: keep_console_error(errors, msg))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def page_fixture(name: str, width: int, height: int, doc: str):
    """A module-scoped fixture `name`: one width×height page, closed at the end with no console errors."""
    def fixture(browser):
        context, page, errors = sized_page(browser, width, height)
        yield page
        context.close()
        assert not errors, f"console errors: {errors}"

    fixture.__doc__ = doc
    return pytest.fixture(scope="module", name=name)(fixture)


laptop = page_fixture("laptop", 1280, 720,
                      "One 1280×720 page reused by every lesson (a page per lesson would double the time).")
slide = page_fixture("slide", 960, 540, "One 960×540 page: the size of an iframe in a slide deck.")


def show(page, url: str, lesson: str = "", where: str = "") -> dict:
    """Open `url` and measure it; with `lesson`, assert no node is outside `where`, no edge across a box."""
    open_stepper(page, url, timeout=30_000)
    seen = page.evaluate(MEASURE)
    if lesson:
        assert seen["outside"] == [], f"{lesson}: nodes outside {where}"
        assert seen["crossings"] == [], f"{lesson}: edges across boxes"
    return seen


def test_every_lesson_fits_the_laptop_page_and_refits_beside_the_inspector(laptop, live_server, lessons):
    report = {}
    for lesson in lessons:
        seen = show(laptop, f"{live_server}/?lesson={lesson}&step={LAST}", lesson, "the graph after load")
        last = laptop.locator("g.node[data-node-id]").last
        node = last.get_attribute("data-node-id")
        last.focus()
        laptop.keyboard.press("Enter")
        laptop.wait_for_selector("#inspector:not([hidden])")
        laptop.wait_for_function("id => new URLSearchParams(location.search).get('node') === id", arg=node)
        beside = laptop.evaluate(MEASURE)
        assert beside["area"]["right"] < seen["area"]["right"] - 200, "the inspector covers the graph's right"
        assert beside["outside"] == [], f"{lesson}: nodes under the inspector or outside"
        laptop.keyboard.press("Escape")
        laptop.wait_for_selector("#inspector[hidden]", state="attached")
        closed = laptop.evaluate(MEASURE)
        assert closed["outside"] == [], f"{lesson}: nodes outside after the inspector closed"
        report[lesson] = seen["nodes"]
    assert len(report) == len(lessons) == 16


def test_every_lesson_fits_a_slide_embed_with_projector_text_of_at_least_20px(slide, live_server, lessons):
    smallest = {}
    labels = 0
    for lesson in lessons:
        seen = show(slide, f"{live_server}/embed?lesson={lesson}&theme=projector&step={LAST}", lesson,
                    "the embed's graph")
        if seen["nodes"] <= 12:
            assert {t[1] for t in seen["fonts"]} - {""}, f"{lesson}: no text measured"
            texts = seen["fonts"] + seen["labels"]  # node text and the contributions on the edges
            labels += len(seen["labels"])
            smallest[lesson] = min(px for *_, px in texts)
            small = [t for t in texts if t[2] < 20]
            assert small == [], f"{lesson}: text under 20 px on the projector"
    assert len(smallest) >= 10, smallest  # most lessons are small graphs; the bound must have been checked
    assert labels >= 10, "the contribution labels were measured too"


# the lessons of 13 to 20 nodes: their text (labels and numbers, and the contributions on the edges) at
# 18 px or more in the projector embed. Symbol-to-symbol draws its forward graph and its backward graph
# side by side, nine backward nodes with long names ("∂y/∂x ← (x·x)·x") and the dotted edges between the
# graphs: 15.1 px with dagre's rows; packed (each band as low as its tallest column, its boxes sized to
# their names as drawn) 960×540 holds them at 18.6 px.
MID_SIZED = ["hidden-units", "backprop-overview", "symbol-to-symbol"]


@pytest.mark.parametrize("lesson", MID_SIZED)
def test_graphs_of_13_to_20_nodes_read_at_18px_in_a_slide_embed(slide, live_server, lesson):
    seen = show(slide, f"{live_server}/embed?lesson={lesson}&theme=projector&step={LAST}", lesson,
                "the embed's graph")
    assert 13 <= seen["nodes"] <= 20, seen["nodes"]
    small = [t for t in seen["fonts"] + seen["labels"] if t[2] < 18]
    assert small == [], f"{lesson}: text under 18 px on the projector"
    if lesson == "symbol-to-symbol":
        assert slide.locator("#graph svg").get_attribute("data-packed") == "true"
        assert len(seen["labels"]) == 7, "every contribution keeps its label"


def test_a_long_chain_wraps_to_use_the_page(laptop, live_server):
    """The 4-node softmax chain on the 1280×720 page: drawn in one row it was as wide as the canvas and a
    third as high (numbers at 13.4 px); wrapped in two rows, like a line of text, it reads at 20 px or more
    with every box in view and no edge across a box."""
    seen = show(laptop, f"{live_server}/?lesson=softmax&step={LAST}", "softmax", "the graph")
    svg = laptop.locator("#graph svg")
    assert svg.get_attribute("data-arrange") == "wrap"
    assert min(px for *_, px in seen["fonts"]) >= 20, seen["fonts"]
    tops = laptop.evaluate("""() => [...document.querySelectorAll('g.node rect.box')]
        .map((r) => Math.round(r.getBoundingClientRect().top))""")
    assert len(set(tops)) >= 2, "two rows"
    # an expression that is not a chain keeps its one row: wrapping must pay for itself
    show(laptop, f"{live_server}/?lesson=xor-relu&step={LAST}", "xor-relu", "the graph")
    assert svg.get_attribute("data-arrange") == "stacked"


def test_tall_columns_get_low_row_boxes(slide, live_server):
    """backprop-overview stacks four nodes in a column: its compact boxes rendered at 12.9 px in the embed;
    row boxes (label and op on one line, value beside gradient) draw it at 18 px or more."""
    seen = show(slide, f"{live_server}/embed?lesson=backprop-overview&theme=projector&step={LAST}",
                "backprop-overview", "the embed's graph")
    assert slide.locator("#graph svg").get_attribute("data-detail") == "row"
    assert slide.locator("g.node.row").count() == seen["nodes"]
    assert min(px for *_, px in seen["fonts"]) >= 18


LARGE_PANELS = [("output-units", 3), ("depth-vs-width", 1), ("hidden-units", 0)]


@pytest.mark.parametrize(("lesson", "panel"), LARGE_PANELS)
def test_the_large_model_panels_fit_both_sizes(laptop, slide, live_server, lesson, panel):
    for page, path in [(laptop, "/"), (slide, "/embed")]:
        seen = show(page, f"{live_server}{path}?lesson={lesson}&panel={panel}&theme=projector")
        assert seen["outside"] == [], f"{lesson} panel {panel} at {path}"
        assert seen["crossings"] == [], f"{lesson} panel {panel} at {path}"


def test_no_edge_runs_under_an_unrelated_box_in_x_times_y_plus_sin_x_times_z(laptop, live_server):
    for view in ("graph", "s2s"):
        query = urllib.parse.urlencode({"expr": "(x*y+sin(x))*z", "values": "x=2,y=-1,z=3", "view": view})
        seen = show(laptop, f"{live_server}/?{query}&step={LAST}")
        assert seen["crossings"] == [], view
        assert seen["outside"] == [], view


def test_fit_side_panel_drawer_and_resize_keep_every_node_inside(laptop, live_server):
    show(laptop, f"{live_server}/?lesson=depth-folding&theme=projector")
    laptop.locator("#graph svg").hover()
    laptop.mouse.wheel(0, -600)  # zoom in by hand: nodes leave the view
    deadline = time.monotonic() + 15
    while laptop.evaluate(MEASURE)["outside"] == []:  # each measure waits two frames
        assert time.monotonic() < deadline, "the wheel did not zoom in within 15 s"
    laptop.get_by_role("button", name="Fit graph to window").click()
    wait_still(laptop, TRANSFORM)  # the fit animates: measure where it ends
    assert laptop.evaluate(MEASURE)["outside"] == []
    laptop.locator("#toggle-side").click()
    wide = laptop.evaluate(MEASURE)
    assert wide["outside"] == [] and wide["area"]["left"] < 50
    laptop.locator("#toggle-side").click()
    beside_side = laptop.evaluate(MEASURE)
    assert beside_side["outside"] == []
    laptop.get_by_role("button", name="Gradient table").click()
    drawer = laptop.evaluate(MEASURE)
    assert drawer["area"]["left"] > beside_side["area"]["left"] + 200, "the table covers the left"
    assert drawer["outside"] == []
    laptop.get_by_role("button", name="Close the gradient table").click()
    assert laptop.evaluate(MEASURE)["outside"] == []
    laptop.set_viewport_size({"width": 1024, "height": 600})
    assert laptop.evaluate(MEASURE)["outside"] == []
    laptop.set_viewport_size({"width": 1280, "height": 720})


def test_overview_keeps_the_graph_still_and_follow_moves_to_the_current_node(slide, live_server):
    show(slide, f"{live_server}/embed?lesson=depth-folding&theme=projector")
    before = slide.evaluate(TRANSFORM)
    step = counter(slide)[0]
    for _ in range(3):
        slide.get_by_role("button", name="Step forward").click()
    wait_step(slide, step + 3)
    wait_still(slide, TRANSFORM)  # a pan, had a step started one, would have moved the graph and ended
    assert slide.evaluate(TRANSFORM) == before, "overview (the embed's default) does not pan"
    assert slide.evaluate(MEASURE)["outside"] == []
    slide.get_by_role("button", name="Follow the current node").click()
    slide.wait_for_function("() => new URLSearchParams(location.search).get('camera') === 'follow'")
    for _ in range(6):
        slide.get_by_role("button", name="Step forward").click()
    wait_step(slide, step + 9)
    slide.wait_for_function(f"before => ({TRANSFORM})() !== before", arg=before)
    wait_still(slide, TRANSFORM)  # the pan to the current node has ended
    assert slide.evaluate(TRANSFORM) != before
    current = slide.evaluate(
        """() => {
            const g = document.querySelector('g.node.active');
            const r = g.querySelector('rect.box').getBoundingClientRect();
            const a = document.getElementById('graph').getBoundingClientRect();
            return { inside: r.left >= a.left && r.right <= a.right && r.top >= a.top && r.bottom <= a.bottom,
                     label: parseFloat(getComputedStyle(g.querySelector('text.label')).fontSize)
                            * g.querySelector('text.label').getScreenCTM().a };
        }"""
    )
    assert current["inside"] and current["label"] >= 20, current


def test_a_compact_tensor_opens_on_click(slide, live_server):
    show(slide, f"{live_server}/embed?lesson=output-units&theme=projector&step={LAST}")
    node = slide.locator("g.node.compact.expandable").first
    node_id = node.get_attribute("data-node-id")
    assert node.locator("rect.heat").count() > 0 and node.locator("text.cell").count() == 0
    size = "el => ['width', 'height'].map((k) => el.querySelector('rect.box')[k].baseVal.value)"
    small = node.evaluate(size)
    node.focus()
    slide.keyboard.press("Enter")
    opened = slide.locator(f'g.node[data-node-id="{node_id}"]:not(.compact)')
    opened.wait_for()
    big = opened.evaluate(size)
    assert big[0] > small[0] and big[1] > small[1], (small, big)
    assert slide.evaluate(MEASURE)["outside"] == []
    opened.focus()
    slide.keyboard.press("Enter")
    slide.locator(f'g.node.compact[data-node-id="{node_id}"]').wait_for()


def test_stepping_in_overview_never_moves_or_rescales_the_page_graph(laptop, live_server):
    """Narrations of one and two lines alike: the graph's area (and so its fit) stays the same."""
    show(laptop, f"{live_server}/?lesson=hidden-units&theme=projector&step=10")
    before = laptop.evaluate(TRANSFORM)
    seen = set()
    for _ in range(8):
        laptop.get_by_role("button", name="Step forward").click()
        seen.add(laptop.evaluate("() => document.querySelector('.narration').textContent.length"))
        wait_still(laptop, TRANSFORM)  # a refit or a pan, had the step caused one, has happened
        assert laptop.evaluate(TRANSFORM) == before
    assert max(seen) > 60, "some narration is long enough to wrap"


def test_an_embed_loaded_in_a_hidden_slide_fits_once_shown(slide, live_server):
    """reveal.js keeps the next slides hidden (display: none) while their iframes load."""
    src = f"{live_server}/embed?lesson=xor-relu&theme=projector"
    slide.set_content(
        "<html><head><link rel='icon' href='data:,'></head><body style='margin:0'>"
        f"<iframe src='{src}' width='960' height='540' style='display:none;border:0'></iframe></body></html>"
    )
    slide.frame_locator("iframe").locator("body[data-ready=true]").wait_for(state="attached")
    slide.evaluate("() => { document.querySelector('iframe').style.display = 'block'; }")
    embed = slide.query_selector("iframe").content_frame()
    seen = embed.evaluate(MEASURE)
    assert seen["nodes"] == 12 and seen["outside"] == [], seen["outside"]
    assert min(px for *_, px in seen["fonts"]) >= 20
