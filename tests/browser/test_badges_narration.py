"""What the stepper writes beside the graph is whole at every density: the pending badge says "n pending"
(never "n…") on full and compact boxes alike, and the embed's narration wraps or shrinks but is never cut
off nor runs under the gradient table's button, in the projector theme of a slide-size embed."""

from __future__ import annotations

import pytest

from tests.browser.helpers import counter, open_stepper, wait_step

pytestmark = pytest.mark.browser

LAST = 100_000

# the shown badges (text, and whether its box holds it) and the narration's fit, at the current step
SEEN = """() => {
  const badges = [...document.querySelectorAll('g.node g.badge.shown')].map((b) => {
    const t = b.querySelector('text').getBBox();
    const r = b.querySelector('rect').getBBox();
    const node = b.closest('g.node');
    return { node: node.dataset.nodeId, compact: node.classList.contains('compact'),
             text: b.querySelector('text').textContent,
             holds: t.x >= r.x - 0.5 && t.x + t.width <= r.x + r.width + 0.5 };
  });
  const line = document.querySelector('.narration');
  // the narration's text under the gradient table's button (bottom right, over the controls)
  const toggle = document.querySelector('.grad-table-toggle')?.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(line);
  const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const under = !!toggle && [...range.getClientRects()].some((r) => r.width > 0 && meet(r, toggle));
  return { badges, narration: line.textContent, under,
           cut: line.scrollHeight > line.clientHeight + 1 || line.scrollWidth > line.clientWidth + 1 };
}"""


def walk(page, url: str) -> list[dict]:
    """Every step of a lesson from the last back to 0: what SEEN reports at each."""
    open_stepper(page, url)
    page.locator("#graph svg").focus()
    step, _ = counter(page)
    out = []
    while True:
        out.append({"step": step, **page.evaluate(SEEN)})
        if step == 0:
            return out
        page.keyboard.press("ArrowLeft")
        step -= 1
        wait_step(page, step)


@pytest.mark.parametrize("lesson", ["backprop-on-graph", "hidden-units", "depth-vs-width",
                                    "jacobian-products"])
@pytest.mark.parametrize(
    "size, path",
    [((1280, 720), "/?lesson={}"), ((960, 540), "/embed?lesson={}&theme=projector")],
    ids=["page-1280x720", "embed-960x540-projector"],
)
def test_badges_say_pending_and_the_narration_is_never_cut_off(browser, live_server, lesson, size, path):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        seen = walk(page, live_server + path.format(lesson) + f"&step={LAST}")
    finally:
        context.close()
    badges = [b for s in seen for b in s["badges"]]
    if lesson == "backprop-on-graph":  # a node with several consumers waits for them all
        assert any(b["text"].endswith("pending") for b in badges), "some node is pending on the way back"
    says = lambda text: text in ("✓", "final ✓") or text.split(" ")[1:] == ["pending"]  # noqa: E731
    wrong = [(s["step"], b) for s in seen for b in s["badges"] if not says(b["text"]) or not b["holds"]]
    assert wrong == []
    assert not any("…" in b["text"] for b in badges)
    cut = [(s["step"], s["narration"]) for s in seen if s["cut"]]
    assert cut == []
    hidden = [(s["step"], s["narration"]) for s in seen if s["under"]]
    assert hidden == [], "narration under the gradient table's button"
    if lesson != "backprop-on-graph":  # its narrations are short; the tensor lessons' are long
        assert any(len(s["narration"]) > 80 for s in seen), "some narration is longer than a line"
