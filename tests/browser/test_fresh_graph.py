"""The graph and its panel always show the graph in view: toggling the backward graph with a node selected
closes that node's formula panel; the inputs and parameters show their values at step 0 (they are known
before the forward pass); new weights (re-initialise, train) keep the step, not a blank start."""

from __future__ import annotations

import pytest

from tests.browser.helpers import counter, header_control, open_stepper, wait_step

pytestmark = pytest.mark.browser

LAST = 100_000

VALUES = """() => [...document.querySelectorAll('g.node[data-node-id]')].map((g) => ({
  id: g.dataset.nodeId, leaf: g.classList.contains('cat-input') || g.classList.contains('cat-param'),
  value: g.dataset.value ?? null }))"""


def test_toggling_the_backward_graph_closes_the_old_nodes_formula_panel(page, live_server):
    open_stepper(page, f"{live_server}/?step={LAST}")
    step, total = counter(page)
    assert step == total
    page.locator("g.node[data-node-id]").first.click()
    page.wait_for_selector("#inspector:not([hidden])")
    assert "final" in page.locator("#inspector").inner_text().lower()
    header_control(page, "#s2s-toggle").check()
    wait_step(page, 0)
    page.wait_for_selector("#inspector[hidden]", state="attached")
    assert page.locator("g.node.selected").count() == 0
    assert "node=" not in page.url


@pytest.mark.parametrize("url", ["/?lesson=xor-relu&step=0", "/embed?lesson=xor-relu&theme=projector&step=0"])
def test_inputs_and_parameters_show_their_values_at_step_0(page, live_server, url):
    open_stepper(page, live_server + url)
    nodes = page.evaluate(VALUES)
    leaves = [n for n in nodes if n["leaf"]]
    assert leaves and all(n["value"] is not None for n in leaves), "known before the forward pass"
    assert all(n["value"] is None for n in nodes if not n["leaf"]), "nothing computed yet"


def test_new_weights_keep_the_step_and_the_graph_full(page, live_server):
    open_stepper(page, f"{live_server}/?lesson=xor-relu&step={LAST}")
    step, _ = counter(page)
    page.fill('.panel-controls [name="steps"]', "20")
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("() => /^Trained 20/.test(document.querySelector('.panel-note')?.textContent)")
    wait_step(page, step)
    assert all(n["value"] is not None for n in page.evaluate(VALUES)), "every value drawn"
    page.get_by_role("button", name="Re-initialise").click()
    page.wait_for_function("() => /seed/.test(document.querySelector('.panel-note')?.textContent)")
    wait_step(page, step)
    assert all(n["value"] is not None for n in page.evaluate(VALUES)), "every value drawn"
