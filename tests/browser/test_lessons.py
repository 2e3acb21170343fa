"""Lessons in the stepper: the menu, the text beside the graph, panels, and xor-relu stepped end to end."""

from __future__ import annotations

import pytest

from tests.browser.helpers import api, counter, final_totals, open_stepper, shown_grads, wait_step

pytestmark = pytest.mark.browser


def test_the_menu_lists_every_lesson_and_opens_one(page, live_server):
    lessons = api(live_server, "GET", "/lessons")
    open_stepper(page, live_server + "/")
    options = page.eval_on_selector_all("#lesson-select option", "os => os.map(o => o.value).filter(Boolean)")
    assert options == [lesson["id"] for lesson in lessons]
    page.select_option("#lesson-select", "backprop-on-graph")
    page.wait_for_function("() => new URLSearchParams(location.search).get('lesson') === 'backprop-on-graph'")
    page.wait_for_selector(".lesson-title")
    assert (
        page.locator(".lesson-title").inner_text()
        == api(live_server, "GET", "/lessons/backprop-on-graph")["title"]
    )


def test_xor_relu_steps_forward_and_backward_with_the_api_numbers(page, live_server):
    lesson = api(live_server, "GET", "/lessons/xor-relu")
    panel = lesson["panels"][0]
    created = api(live_server, "POST", "/models", {**panel["spec"], "params": panel["start"]})
    trace = api(live_server, "POST", f"/models/{created['id']}/step", token=created["edit_token"])
    open_stepper(page, live_server + "/?lesson=xor-relu")
    assert page.locator(".lesson-text .katex").count() > 0, "the lesson's $…$ is typeset"
    assert page.locator(".facts li").count() == len(lesson["facts"])

    hidden = next(n for n in trace["graph"]["nodes"] if n["op"] == "relu")["id"]
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    step, total = counter(page)
    h = page.locator(f'g.node[data-node-id="{hidden}"]')
    assert [float(v) for v in h.get_attribute("data-value").strip("[]").split(",")] == [
        0, 0, 1, 0.5, 1, 0.5, 2, 1.5,  # c₂ = −½: the second unit fires on the middle points too
    ]
    updates = sum(e["type"] == "update" for e in trace["events"])
    while step < total - updates:
        page.keyboard.press("ArrowRight")
        step += 1
        wait_step(page, step)
    page.wait_for_function("() => !document.querySelector('.particle')")
    grads = shown_grads(page)
    for node_id, data in final_totals(trace).items():
        assert grads[node_id] == pytest.approx(data), node_id
    assert page.locator("g.node.grad-final").count() == len(final_totals(trace)) + 1  # and the seeded loss


def test_a_lesson_with_panels_switches_between_them(page, live_server):
    lesson = api(live_server, "GET", "/lessons/cost-saturation")
    open_stepper(page, live_server + "/?lesson=cost-saturation")
    tabs = page.get_by_role("group", name="Panels of this lesson").get_by_role("button")
    assert tabs.count() == len(lesson["panels"])
    tabs.nth(1).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('panel') === '1'")
    page.wait_for_selector('.tabs [aria-pressed="true"]:nth-child(2)')
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator('.tabs [aria-pressed="true"]').inner_text() == lesson["panels"][1]["title"]


def test_a_model_lesson_says_which_rows_it_traces(page, live_server):
    open_stepper(page, live_server + "/?lesson=xor-relu")
    assert page.locator("#rows-note").inner_text() == "Traced rows 0–3 of 4 in the batch."
