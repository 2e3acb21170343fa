"""The lasting record of the backward pass: contribution labels on edges, the gradient table, readable
backward-graph names, parameter identity, NaN flags."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.browser.helpers import EXPRESSION, api, counter, final_totals, open_stepper, wait_step

pytestmark = pytest.mark.browser

BARE = {"·", "+", "−", "/", "^", "√", "÷", "×"}


def expression_url(base: str, source: str, values: str, **extra) -> str:
    return f"{base}/?{urllib.parse.urlencode({'expr': source, 'values': values, **extra})}"


def shown_labels(page) -> list[tuple[str, list[float]]]:
    """The contribution labels on the edges, in step order: (edge id, value)."""
    found = page.eval_on_selector_all(
        "g.edge-labels g.edge-label",
        "gs => gs.map(g => [Number(g.dataset.step), g.dataset.edgeId, JSON.parse(g.dataset.value)])")
    return [(edge, value) for _, edge, value in sorted(found)]


def api_contributions(trace: dict) -> list[tuple[str, list[float]]]:
    return [(f"{e['node']}->{e['from']}#{e['input_index']}", e["contribution"]["data"])
            for e in trace["events"] if e["type"] == "backward" and e.get("from") is not None]


def test_backward_steps_leave_the_api_contributions_on_their_edges(page, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    expected = api_contributions(trace)
    open_stepper(page, expression_url(live_server, EXPRESSION["source"], "x=2,y=-1,z=3"))
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    step, total = counter(page)
    assert shown_labels(page) == []
    for k in range(1, total - step + 1):
        page.locator("#graph svg").focus()
        page.keyboard.press("ArrowRight")
        wait_step(page, step + k)
        assert shown_labels(page) == expected[:k]
    drawn = set(page.eval_on_selector_all("path.edge", "ps => ps.map(p => p.dataset.edgeId)"))
    assert {edge for edge, _ in expected} <= drawn
    page.keyboard.press("ArrowLeft")
    wait_step(page, total - 1)
    assert shown_labels(page) == expected[:-1], "stepping back over a contribution takes its label away"


def test_x_times_x_writes_one_label_per_edge_without_overlap(page, live_server):
    open_stepper(page, expression_url(live_server, "x*x", "x=3", step=99))
    labels = shown_labels(page)
    assert labels == [("n0->n1#0", [3.0]), ("n0->n1#1", [3.0])]
    boxes = page.eval_on_selector_all(
        "g.edge-label rect",
        "rs => rs.map(r => r.getBoundingClientRect()).map(b => [b.left, b.top, b.right, b.bottom])")
    (l1, t1, r1, b1), (l2, t2, r2, b2) = boxes
    assert min(r1, r2) <= max(l1, l2) or min(b1, b2) <= max(t1, t2), "the two labels overlap"


def test_the_gradient_table_follows_the_steps_with_the_api_totals(page, live_server):
    trace = api(live_server, "POST", "/expressions", EXPRESSION)
    open_stepper(page, expression_url(live_server, EXPRESSION["source"], "x=2,y=-1,z=3"))
    toggle = page.get_by_role("button", name="Gradient table", exact=True)
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    table = page.locator("aside.grad-table.covers-graph")
    assert table.is_visible()
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    _, total = counter(page)
    page.locator(".scrubber").fill(str(total))
    wait_step(page, total)
    rows = page.eval_on_selector_all(
        "aside.grad-table tbody tr",
        """trs => trs.map(tr => [tr.dataset.nodeId, JSON.parse(tr.querySelector('td.total').dataset.total),
                             tr.classList.contains('final')])""")
    shown = {node: data for node, data, _ in rows}
    for node, data in final_totals(trace).items():
        assert shown[node] == data, node
    assert all(final for _, _, final in rows)
    last = [e for e in trace["events"] if e["type"] == "backward"][-1]
    assert page.locator("aside.grad-table tr.current").get_attribute("data-node-id") == last["node"]
    terms = page.locator(f'aside.grad-table tr[data-node-id="{trace["inputs"]["x"]}"] .terms li').count()
    assert terms == 2, "x gets one contribution from each of its consumers"
    page.locator(f'aside.grad-table tr[data-node-id="{trace["inputs"]["y"]}"] button.node-link').click()
    page.wait_for_selector("#inspector:not([hidden])")
    assert page.locator("#inspector h2").inner_text().strip() == "y", "a row's node name opens its inspector"
    page.get_by_role("button", name="Close the gradient table").click()
    assert not table.is_visible()


def test_backward_graph_nodes_have_readable_names(page, live_server):
    open_stepper(page, f"{live_server}/?lesson=symbol-to-symbol")
    names = page.eval_on_selector_all("g.node.cat-grad text.label", "ts => ts.map(t => t.textContent)")
    assert names and not [n for n in names if n in BARE or n[-1] in BARE]
    assert "∂y/∂x" in names and "∂y/∂x ← 2·x" in names and "∂y/∂x (2 of 4)" in names


def test_parameter_nodes_carry_their_identity_and_the_stepper_edits_by_it(page, live_server):
    lesson = api(live_server, "GET", "/lessons/xor-relu")
    spec = next(p["spec"] for p in lesson["panels"] if "spec" in p)
    created = api(live_server, "POST", "/models", spec)
    trace = api(live_server, "GET", f"/models/{created['id']}/trace")
    params = {n["id"]: n["param"] for n in trace["graph"]["nodes"] if n["role"] == "param"}
    assert sorted((p["layer"], p["key"]) for p in params.values()) == [(0, "W"), (0, "b"), (1, "W"), (1, "b")]
    assert all(p["index"] is None for p in params.values())
    open_stepper(page, f"{live_server}/?lesson=xor-relu&step=999")
    w1 = page.locator("g.node.cat-param", has_text="W₁").first
    w1.click()
    page.wait_for_selector("#inspector .edit-value textarea")
    shown = json.loads(page.locator("#inspector .edit-value textarea").input_value())
    assert shown == lesson_weight(spec, trace, params)


def lesson_weight(spec: dict, trace: dict, params: dict):
    """W₁ as the trace's first forward event of the layer-0 W node gives it, nested."""
    node = next(i for i, p in params.items() if p == {"layer": 0, "key": "W", "index": None})
    value = next(e["value"] for e in trace["events"] if e["type"] == "forward" and e["node"] == node)
    rows, cols = value["shape"]
    return [value["data"][r * cols:(r + 1) * cols] for r in range(rows)]


def test_log_at_minus_one_is_flagged_on_the_node_and_in_the_narration(page, live_server):
    open_stepper(page, expression_url(live_server, "log(x)", "x=-1", step=2))
    log = page.locator('g.node[data-node-id="n1"]')
    assert "nonfinite" in log.get_attribute("class") and log.get_attribute("data-nonfinite") == "value:NaN"
    assert "log is undefined at x = −1" in page.locator(".narration").inner_text()
    assert log.locator("g.nan-flag title").text_content() == "out is NaN: log is undefined at x = −1"
    assert log.get_attribute("aria-description") == "Warning: out is NaN: log is undefined at x = −1"
    page.locator("#graph svg").focus()
    page.keyboard.press("ArrowRight")
    wait_step(page, 3)
    x = page.locator('g.node[data-node-id="n0"]')
    assert "nonfinite" in x.get_attribute("class")
    narration = page.locator(".narration").inner_text()
    assert narration.startswith("x receives −1 from out")
    assert "⚠ ∂L/∂x is not meaningful: log is undefined at x = −1" in narration
    page.keyboard.press("ArrowLeft")
    wait_step(page, 2)
    assert "nonfinite" not in x.get_attribute("class")


def test_the_studio_names_weights_and_biases_as_the_graph_does(page, live_server):
    page.goto(live_server + "/studio")
    page.wait_for_selector(".network-view .link-hits path", timeout=30_000)
    page.dispatch_event('.network-view .link-hits path[data-layer="0"][data-i="0"][data-j="1"]', "mouseenter")
    assert page.locator("#hover-info").inner_text().startswith("W₁[0,1] = ")
    page.dispatch_event('.network-view .neurons rect[data-neuron="L1N0"]', "mouseenter")
    assert page.locator("#hover-info").inner_text().startswith("h₁[0]: bias b₁[0] = ")
