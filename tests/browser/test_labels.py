"""Contribution labels at the end of the backward pass, for every lesson: each label that is shown is fully
visible (inside the graph, over no node box and no other label), on the laptop page and in a projector
embed of slide size; the gradient table's button covers none of the graph; and a click on a node reaches
the node, never a label."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from tests.browser.helpers import api, counter, open_stepper, wait_step
from tests.chromium import keep_console_error

pytestmark = pytest.mark.browser

LAST = 100_000  # past the end: the player shows the last step

# what measure_labels.js returns: {shown, total, problems}
_SOURCE = (Path(__file__).parent / "measure_labels.js").read_text().splitlines()
MEASURE = "\n".join(line for line in _SOURCE if not line.startswith("//"))


@pytest.fixture(scope="module")
def lessons(live_server):
    return [lesson["id"] for lesson in api(live_server, "GET", "/lessons")]


@pytest.fixture(scope="module")
def sized(browser):
    """Pages of a given size, one per size for the whole module."""
    made = {}
    errors: list[str] = []

    def get(width: int, height: int):
        if (width, height) not in made:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.on("console", lambda msg: keep_console_error(errors, msg))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            made[width, height] = (context, page)
        return made[width, height][1]

    yield get
    for context, _ in made.values():
        context.close()
    assert not errors, f"console errors: {errors}"


def end_of_backward(page, url: str) -> dict:
    """Open `url` at its last step, step back over the update, and measure the labels."""
    open_stepper(page, url, timeout=30_000)
    page.locator("#graph svg").focus()
    step, _ = counter(page)
    while page.locator(".phase-tag").get_attribute("data-phase") == "update":
        page.keyboard.press("ArrowLeft")
        step -= 1
        wait_step(page, step)
    return page.evaluate(MEASURE)


# where the gaps between columns cannot widen without making the text too small, labels with no free spot
# are not drawn: a floor on the share shown (the projector's text is large, so fewer fit)
@pytest.mark.parametrize(
    "size, path, floor",
    [((1280, 720), "/?lesson={}", 0.75), ((960, 540), "/embed?lesson={}&theme=projector", 0.45)],
    ids=["page-1280x720", "embed-960x540-projector"],
)
def test_every_shown_contribution_label_is_fully_visible(sized, live_server, lessons, size, path, floor):
    page = sized(*size)
    shown = {}
    for lesson in lessons:
        seen = end_of_backward(page, live_server + path.format(lesson) + f"&step={LAST}")
        assert seen["problems"] == [], f"{lesson}: {seen['problems']}"
        shown[lesson] = (seen["shown"], seen["total"])
    assert len(shown) == 16
    assert sum(s for s, _ in shown.values()) >= floor * sum(t for _, t in shown.values()), shown


def test_a_click_on_a_node_reaches_the_node_not_a_label(sized, live_server):
    page = sized(1280, 720)
    end_of_backward(page, f"{live_server}/?lesson=xor-relu&step={LAST}")
    assert page.locator("g.edge-label:not([display=none])").count() > 0
    missed = page.evaluate("""() => {
      const out = [];
      for (const g of document.querySelectorAll("g.node[data-node-id]")) {
        const r = g.querySelector("rect.box").getBoundingClientRect();
        // the middle and 6 px in from each (rounded) corner
        const xs = [r.left + r.width / 2, r.left + 6, r.right - 6];
        const ys = [r.top + r.height / 2, r.top + 6, r.bottom - 6];
        const spots = [[xs[0], ys[0]], [xs[1], ys[1]], [xs[2], ys[1]], [xs[1], ys[2]], [xs[2], ys[2]]];
        for (const [x, y] of spots) {
          const hit = document.elementFromPoint(x, y);
          const what = hit?.outerHTML.slice(0, 60);
          if (hit?.closest("g.node") !== g) out.push(`${g.dataset.nodeId} at ${x},${y}: ${what}`);
        }
      }
      return out;
    }""")
    assert missed == []


# every label's step, shape, whether it is shown, and its text; and the step counter
CURRENT = """() => ({
  step: parseInt(document.querySelector('.controls .count').textContent, 10),
  labels: [...document.querySelectorAll('g.edge-labels g.edge-label')].map((g) => ({
    step: g.dataset.step, shape: g.dataset.shape ?? null, shown: g.dataset.shown,
    visible: getComputedStyle(g).display !== 'none' && g.getAttribute('display') !== 'none',
    text: g.querySelector('text').textContent,
  })),
})"""
BARE_NUMBER = re.compile(r"^[−\-+]?[\d.,]+(e[−\-+]?\d+)?$")


def backward_label_problems(page, url: str) -> tuple[list[str], int, int]:
    """Step from the end of the backward pass back to its start; at every step the current contribution's
    label must be shown, every label must carry its step and shape, and no shown label of a tensor may be a
    bare number. Returns (problems, labels shown at the end of backward, labels there)."""
    end = end_of_backward(page, url)
    problems = [f"end: {p}" for p in end["problems"]]
    step, _ = counter(page)
    while True:
        seen = page.evaluate(CURRENT)
        assert seen["step"] == step
        labels = seen["labels"]
        if not labels:
            break
        for label in labels:
            shape = json.loads(label["shape"]) if label["shape"] else None
            if shape is None or label["step"] is None:
                problems.append(f"step {step}: a label without data-step or data-shape")
                continue
            if label["visible"] and math.prod(shape) > 1 and BARE_NUMBER.match(label["text"]):
                problems.append(f"step {step}: the {shape} tensor of step {label['step']} "
                                f"reads as a bare number {label['text']}")
        current = [label for label in labels if label["step"] == str(step)]
        if current and not (current[0]["visible"] and current[0]["shown"] != "none"):
            problems.append(f"step {step}: the current label is not shown")
        if current:
            problems += [f"step {step}: {p}" for p in page.evaluate(MEASURE)["problems"]]
        page.keyboard.press("ArrowLeft")
        step -= 1
        wait_step(page, step)
    return problems, end["shown"], end["total"]


@pytest.mark.parametrize(
    "size, path",
    [((1280, 720), "/?lesson={}"), ((960, 540), "/embed?lesson={}&theme=projector")],
    ids=["page-1280x720", "embed-960x540-projector"],
)
def test_the_current_contribution_label_is_shown_at_every_backward_step(sized, live_server, lessons, size,
                                                                        path):
    page = sized(*size)
    problems = {}
    shown = {}
    for lesson in lessons:
        found, n, total = backward_label_problems(page, live_server + path.format(lesson) + f"&step={LAST}")
        shown[lesson] = f"{n}/{total}"
        if found:
            problems[lesson] = found
    print(f"labels shown at the end of backward, {size[0]}×{size[1]}: {shown}")
    assert len(shown) == 16
    assert problems == {}
