"""The stepper page: drawing, stepping, the inspector, the expression box, URL state."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.browser.helpers import (
    EXPRESSION,
    api,
    counter,
    final_totals,
    header_control,
    open_stepper,
    shown_grads,
    wait_step,
)

pytestmark = pytest.mark.browser


def expression_url(base: str, **extra) -> str:
    query = {"expr": EXPRESSION["source"], "values": "x=2,y=-1,z=3", **extra}
    return f"{base}/?{urllib.parse.urlencode(query)}"


def test_every_trace_node_is_drawn_with_its_id(page, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    open_stepper(page, expression_url(live_server))
    drawn = page.eval_on_selector_all("g.node", "gs => gs.map(g => g.dataset.nodeId)")
    assert sorted(drawn) == sorted(n["id"] for n in trace["graph"]["nodes"])
    edges = page.locator("path.edge").count()
    assert edges == sum(len(n["inputs"]) for n in trace["graph"]["nodes"])


def test_keyboard_steps_and_narrates(page, live_server):
    open_stepper(page, expression_url(live_server))
    page.locator("#graph svg").focus()
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    assert re.match(r"^Forward: x is 2\.$", page.locator(".narration").inner_text())
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    wait_step(page, 1)


def test_stepping_through_backward_shows_the_api_gradients(page, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    open_stepper(page, expression_url(live_server))
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    step, total = counter(page)
    events = {e["seq"] + 1: e for e in trace["events"]}  # step k shows the event of seq k − 1
    statuses = []
    while step < total:
        page.get_by_role("button", name="Step forward").click()
        step += 1
        wait_step(page, step)
        # the receiving node shows the new total once the contribution's dot has arrived: read the state
        # the step settles in, not the one during the animation
        page.wait_for_function("() => !document.querySelector('.particle')")
        event = events[step]
        assert event["type"] == "backward"
        status = page.locator(f'g.node[data-node-id="{event["node"]}"]').get_attribute("data-grad-status")
        assert status == ("pending" if event["pending"] > 0 else "final"), (step, event["node"], status)
        statuses.append((event["node"], status))
    assert (trace["inputs"]["x"], "pending") in statuses, "x waits for its second contribution"
    grads = shown_grads(page)
    for node_id, data in final_totals(trace).items():
        assert grads[node_id] == pytest.approx(data), node_id
    for name, node_id in trace["inputs"].items():
        assert grads[node_id] == pytest.approx(trace["gradients"][name]["data"]), name
    y_total = page.locator(f'g.node[data-node-id="{trace["inputs"]["y"]}"] .grad text')
    page.wait_for_function("el => el.textContent === '6'", arg=y_total.element_handle())


def test_reload_comes_back_at_the_same_step(page, live_server):
    open_stepper(page, expression_url(live_server, step=9))
    assert counter(page)[0] == 9
    page.get_by_role("button", name="Step forward").click()
    wait_step(page, 10)
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '10'")
    page.wait_for_function("() => !document.querySelector('.particle')")
    before = shown_grads(page)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert counter(page)[0] == 10
    page.wait_for_function("() => !document.querySelector('.particle')")
    assert shown_grads(page) == before


def test_inspector_writes_out_the_accumulation_and_checks_the_gradient(page, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    x = trace["inputs"]["x"]
    open_stepper(page, expression_url(live_server, step=trace["events"][-1]["seq"] + 1))
    page.locator(f'g.node[data-node-id="{x}"]').click()
    inspector = page.locator("#inspector")
    inspector.wait_for()
    assert inspector.locator(".katex").count() > 0
    assert re.match(
        r"^∂L/∂x = 3 from ‘\+’ \+ −3 from ‘·’ = 0$", inspector.locator(".accumulation-text").inner_text()
    )
    assert "node=" + x in page.url
    inspector.get_by_role("button", name="Check gradient").click()
    page.wait_for_function("() => /agrees/.test(document.querySelector('.gradcheck-result').textContent)")


def test_the_expression_box_draws_a_new_expression(page, live_server):
    open_stepper(page, live_server + "/")
    page.fill("#expr-source", "sigmoid(w*x + b)")
    page.fill("#expr-values", "w=0.5, x=2, b=-1")
    page.get_by_role("button", name="Draw and step").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('g.node .label')].some(t => t.textContent === 'w')"
    )
    state = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert state["expr"] == ["sigmoid(w*x + b)"]
    assert state["values"] == ["w=0.5,x=2,b=-1"]


def test_a_bad_expression_is_reported_in_place(page, live_server):
    open_stepper(page, live_server + "/")
    page.fill("#expr-source", "w*(")
    page.get_by_role("button", name="Draw and step").click()
    error = page.locator("#expr-form .error")
    error.wait_for()
    assert error.inner_text()
    page.console_errors.clear()  # the browser logs the 422 answer itself


def test_symbol_to_symbol_draws_the_backward_graph_beside(page, live_server):
    open_stepper(page, expression_url(live_server))
    page.get_by_label("Backward graph").check()
    page.wait_for_selector("g.cluster-backward")
    assert "view=s2s" in page.url
    assert page.locator("g.node.cat-grad").count() > 0


def test_theme_speed_and_embed_code(page, live_server):
    open_stepper(page, expression_url(live_server))
    page.get_by_label("Playback speed").select_option("2")
    page.wait_for_function("() => new URLSearchParams(location.search).get('speed') === '2'")
    header_control(page, "#theme-select").select_option("projector")
    assert page.evaluate("document.documentElement.dataset.theme") == "projector"
    assert "theme=projector" in page.url
    header_control(page, page.get_by_role("button", name="Copy embed code")).click()
    snippet = page.locator("#embed-code").input_value()
    assert snippet.startswith(f'<iframe src="{live_server}/embed?')
    assert "theme=projector" in snippet


def test_the_header_links_to_the_studio(page, live_server):
    open_stepper(page, live_server + "/")
    studio = header_control(page, page.get_by_role("link", name="Studio"))
    assert studio.is_visible() and studio.get_attribute("href") == "/studio"


def test_every_control_has_a_name_and_keyboard_reaches_the_graph(page, live_server):
    open_stepper(page, expression_url(live_server))
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, select, input, textarea, a, [role=button]')]
            .filter(el => el.offsetParent !== null || el.closest('svg'))
            .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
                            || el.textContent.trim() || el.title))
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "() => document.activeElement.getAttribute('aria-label')"
                " || document.activeElement.querySelector(':scope > title')?.textContent"
                " || document.activeElement.id"
            )
        )
    assert "Step forward" in reached
    assert any(name and name.startswith("x, input") for name in reached), "graph nodes are tab stops"
    page.locator("g.node[data-node-id]").first.focus()
    page.keyboard.press("Enter")
    page.locator("#inspector").wait_for()
    page.keyboard.press("Escape")
    page.locator("#inspector").wait_for(state="hidden")
