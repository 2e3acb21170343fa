"""Studio details: the preset menu after a CSV upload, a CSV error after other data, the read-out's fit, the
960×540 projector size (no page scroll, legible loss axes), the speed read-out once paused."""

from __future__ import annotations

import pytest

from tests.browser.helpers import header_control
from tests.browser.test_studio import TIMEOUT, open_studio, wait_js

pytestmark = pytest.mark.browser

GOOD_CSV = "a,b,y\n" + "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{int(x > 10)}" for x in range(20)) + "\n"


def test_after_a_csv_upload_the_preset_menu_names_no_preset(page, live_server):
    open_studio(page, live_server + "/studio")
    assert page.locator("select[name=preset]").input_value() != ""
    page.set_input_files("input[name=csv]", files=[{"name": "mine.csv", "mimeType": "text/csv",
                                                    "buffer": GOOD_CSV.encode()}])
    page.wait_for_selector("text=Your CSV", timeout=TIMEOUT)
    menu = page.locator("select[name=preset]")
    assert menu.input_value() == ""
    assert menu.evaluate("s => s.selectedOptions[0].textContent") == "(your own net)"


def test_a_csv_error_goes_when_other_data_is_chosen(page, live_server):
    open_studio(page, live_server + "/studio")
    page.set_input_files("input[name=csv]", files=[{"name": "broken.csv", "mimeType": "text/csv",
                                                    "buffer": b"x1,x2,y\n0,0,0\n1,banana,1\n"}])
    page.wait_for_selector("[data-error=csv]", timeout=TIMEOUT)
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]
    page.select_option("select[name='data.dataset']", "circles")
    wait_js(page, "!document.querySelector('[data-error=csv]')")
    assert page.locator("select[name='data.dataset']").input_value() == "circles"


@pytest.mark.parametrize("size", [(1280, 720), (960, 540)])
def test_the_metric_read_out_stays_inside_its_panel(page, live_server, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_studio(page, live_server + "/studio")
    # the widest numbers the read-out writes: a small negative NLL and an accuracy with a decimal
    page.evaluate("""() => {
        const widest = {loss: '−1.23e−5', test_loss: '−1.23e−5', accuracy: '99.9 %', test_accuracy: '99.9 %'};
        for (const [k, v] of Object.entries(widest)) {
            document.querySelector(`[data-metric=${k}]`).textContent = v;
        }
    }""")
    fit = page.evaluate("""() => {
        const panel = document.querySelector('.loss-chart').closest('.panel').getBoundingClientRect();
        return [...document.querySelectorAll('.loss-chart .metric')].filter(m => !m.hidden).map(m => {
            const r = m.getBoundingClientRect(), v = m.querySelector('.value');
            const inside = r.left >= panel.left && r.right <= panel.right;
            return {inside, fits: v.scrollWidth <= v.clientWidth};
        });
    }""")
    assert fit and all(m["inside"] and m["fits"] for m in fit), fit


# Pairs of tick labels (the loss chart's, the data view's) whose boxes intersect: none on legible axes.
OVERLAPPING_TICKS = """() => {
    const boxes = [...document.querySelectorAll('.loss-chart .axis .tick text, .data-view .tick text')]
        .filter(t => t.textContent)
        .map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
    const pairs = [];
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
        if (a.r.left < b.r.right && b.r.left < a.r.right && a.r.top < b.r.bottom && b.r.top < a.r.bottom) {
            pairs.push(`${a.text} × ${b.text}`);
        }
    }));
    return {labels: boxes.map(b => b.text), pairs};
}"""
PAGE_SIZE = """() => ({width: document.documentElement.scrollWidth,
                       height: document.documentElement.scrollHeight, innerWidth, innerHeight})"""


def train_steps(page, steps: int) -> None:
    """Train at full speed past `steps` steps, then pause and wait until the chart holds them."""
    page.select_option("#speed", "max")
    page.click("#play")
    wait_js(page, f"Number(document.querySelector('#step-count').dataset.step) > {steps}")
    page.click("#play")
    wait_js(page, "document.querySelector('#play').textContent.includes('Train')")
    wait_js(page, f"Number(document.querySelector('#loss').dataset.steps) > {steps}")


def assert_fits(page, when: str) -> None:
    size = page.evaluate(PAGE_SIZE)
    assert size["width"] <= size["innerWidth"] and size["height"] <= size["innerHeight"], f"{when}: {size}"


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_at_960x540_the_studio_fits_without_page_scroll(page, live_server, theme):
    """The projector's 960×540: no scrollbar, before training, while training (the speed read-out shown)
    and after; the loss chart's tick labels legible."""
    page.set_viewport_size({"width": 960, "height": 540})
    open_studio(page, live_server + "/studio")
    if theme != "light":
        header_control(page, "#theme").click()
        wait_js(page, f"document.documentElement.dataset.theme === '{theme}'")
    assert_fits(page, "built")
    page.select_option("#speed", "max")
    page.click("#play")
    wait_js(page, "document.querySelector('#speedo').textContent.includes('steps/s')")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) > 300")
    assert_fits(page, "training")
    page.click("#play")
    wait_js(page, "document.querySelector('#play').textContent.includes('Train')")
    assert_fits(page, "paused")
    ticks = page.evaluate(OVERLAPPING_TICKS)
    assert len(ticks["labels"]) >= 5 and not ticks["pairs"], ticks


@pytest.mark.parametrize("size", [(960, 540), (1280, 720), (390, 844), (768, 1024)])
def test_the_loss_chart_tick_labels_do_not_overlap(page, live_server, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_studio(page, live_server + "/studio")
    train_steps(page, 400)
    ticks = page.evaluate(OVERLAPPING_TICKS)
    # steps, losses and accuracies each labelled
    axes = page.evaluate("""() => ['x', 'y', 'y2'].map(a => [...document.querySelectorAll(
        `.loss-chart .axis.${a} .tick text`)].filter(t => t.textContent).length)""")
    assert all(n >= 2 for n in axes), (axes, ticks)
    assert not ticks["pairs"], ticks


def test_pausing_clears_the_speed_read_out_at_once(page, live_server):
    page.set_viewport_size({"width": 960, "height": 540})
    open_studio(page, live_server + "/studio")
    page.select_option("#speed", "max")
    page.click("#play")
    wait_js(page, "document.querySelector('#speedo').textContent.includes('steps/s')")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) > 100")
    # Read in the click's own task, then two animation frames later (the loop writes the read-out each frame).
    shown = page.evaluate("""() => new Promise(resolve => {
        document.querySelector('#play').click();
        const atOnce = document.querySelector('#speedo').textContent;
        requestAnimationFrame(() => requestAnimationFrame(() =>
            resolve([atOnce, document.querySelector('#speedo').textContent])));
    })""")
    assert shown == ["", ""], shown
    # A step taken by hand while paused shows no rate either.
    wait_js(page, "document.querySelector('#play').textContent.includes('Train')")
    paused_at = int(page.get_attribute("#step-count", "data-step"))
    page.click("#step")
    wait_js(page, f"Number(document.querySelector('#step-count').dataset.step) > {paused_at}")
    assert page.text_content("#speedo") == ""
