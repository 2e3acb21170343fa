"""Teaching content in the stepper: xor-relu starts where gradients flow and has the controls its text
promises; facts read as words, tables and plots; a bad expression leaves one message and a dimmed graph."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.helpers import api, counter, open_stepper, shown_grads, wait_step

pytestmark = pytest.mark.browser


def xor_trace(live_server) -> dict:
    """The API's trace of xor-relu's panel from its starting weights (node ids match the page's)."""
    panel = api(live_server, "GET", "/lessons/xor-relu")["panels"][0]
    created = api(live_server, "POST", "/models", {**panel["spec"], "params": panel["start"]})
    return api(live_server, "POST", f"/models/{created['id']}/step", token=created["edit_token"])


def node_of(trace: dict, **match) -> str:
    return next(n["id"] for n in trace["graph"]["nodes"] if all(n.get(k) == v for k, v in match.items()))


def node_value(page, node_id: str) -> list[float]:
    raw = page.locator(f'g.node[data-node-id="{node_id}"]').get_attribute("data-value")
    return [float(v) for v in json.loads(raw)]


def shown_loss(page) -> float:
    return float(page.locator(".panel-controls [data-loss]").get_attribute("data-loss"))


def test_xor_relu_starts_where_the_backward_pass_carries_nonzero_numbers(page, live_server):
    trace = xor_trace(live_server)
    loss = node_of(trace, role="loss")
    params = [n["id"] for n in trace["graph"]["nodes"] if n["role"] == "param"]
    open_stepper(page, live_server + "/?lesson=xor-relu")
    assert shown_loss(page) == pytest.approx(0.75)
    page.get_by_role("button", name="Jump to the start of the backward pass").click()
    step, total = counter(page)
    first = None
    while first is None and step < total:
        page.keyboard.press("ArrowRight")
        step += 1
        wait_step(page, step)
        page.wait_for_function("() => !document.querySelector('.particle')")  # the step's total has landed
        first = next((v for k, v in shown_grads(page).items() if v is not None and k != loss), None)
    assert first is not None and any(v != 0 for v in first), "the first gradient beyond the loss is nonzero"
    page.get_by_role("button", name="Jump to the update").click()
    page.wait_for_function("() => !document.querySelector('.particle')")
    grads = shown_grads(page)
    assert all(any(v != 0 for v in grads[p]) for p in params), "every parameter receives a nonzero gradient"


def test_xor_relu_controls_show_the_solution_and_reinitialise_and_train(page, live_server):
    relu = node_of(xor_trace(live_server), op="relu")
    open_stepper(page, live_server + "/?lesson=xor-relu")
    start_loss = shown_loss(page)
    page.get_by_role("button", name="Show the solution").click()
    page.wait_for_function("() => /solution/.test(document.querySelector('.panel-note')?.textContent)")
    assert shown_loss(page) == 0
    page.get_by_role("button", name="Jump to the start of the backward pass").click()  # forward computed
    assert node_value(page, relu) == [0, 0, 1, 0, 1, 0, 2, 1]
    assert "weights=" in page.url, "the URL keeps the weights shown"

    page.fill('.panel-controls [name="seed"]', "1")
    page.get_by_role("button", name="Re-initialise").click()
    page.wait_for_function("() => /seed 1/.test(document.querySelector('.panel-note')?.textContent)")
    initialised = shown_loss(page)
    assert initialised > 0 and initialised != start_loss
    page.fill('.panel-controls [name="steps"]', "300")
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("() => /^Trained 300/.test(document.querySelector('.panel-note')?.textContent)")
    assert shown_loss(page) < initialised
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert shown_loss(page) < initialised, "a reload comes back to the trained weights"


def visible_text(page) -> str:
    return page.locator("#lesson-panel").inner_text()


@pytest.mark.parametrize("lesson_id", ["output-units", "depth-vs-width", "xor-linear"])
def test_facts_read_as_words_tables_and_plots(page, live_server, lesson_id):
    open_stepper(page, live_server + f"/?lesson={lesson_id}")
    text = visible_text(page)
    for raw in ("mdn_", "gaussian_", "train_loss", "test_loss", "curve", "panel", "e−16", "e-16", "[object"):
        assert raw not in text, raw
    facts = page.locator(".facts")
    assert facts.bounding_box()["height"] < 900
    if lesson_id == "depth-vs-width":
        plot = page.locator(".fact-plot > svg")
        assert plot.count() == 1 and plot.locator("path[class^=series-]").count() == 4
        assert "net" in page.locator(".fact-table thead").first.inner_text()
    if lesson_id == "xor-linear":
        row = page.locator('[data-fact-id="params"] tbody tr').inner_text().split("\t")
        assert row == ["[[0], [0]]", "[0.5]"]
    if lesson_id == "output-units":
        assert "NLL of the mixture density net" in text


@pytest.mark.parametrize("source,column", [("x**", 4), ("__import__('os')", 12)])
def test_a_bad_expression_gets_one_message_a_caret_and_a_dimmed_graph(page, live_server, source, column):
    open_stepper(page, live_server + "/?expr=sigmoid(w*x%2Bb)&values=w=0.5,x=2,b=-1")
    page.fill("#expr-source", source)
    page.get_by_role("button", name="Draw and step").click()
    page.wait_for_selector("body[data-stale=true]")
    page.console_errors.clear()  # the browser logs the 422 answer itself
    error = page.locator("#expr-form .error")
    assert error.is_visible() and not page.locator("#status").is_visible(), "one message, in the form"
    assert page.get_by_role("alert").count() == 1
    assert f"(at column {column})" in error.inner_text()
    offset = page.evaluate(
        """column => {
            const pre = document.querySelector('#expr-form pre.caret');
            const [line, carets] = pre.textContent.split('\\n');
            const at = (i) => {
                const r = document.createRange();
                r.setStart(pre.firstChild, i);
                r.setEnd(pre.firstChild, i + 1);
                return r.getBoundingClientRect().left;
            };
            const width = at(1) - at(0);  // one character of the monospace font
            return at(line.length + 1 + carets.indexOf('^')) - (at(0) + (2 + column - 1) * width);
        }""",
        column,
    )
    assert abs(offset) < 1, "the caret sits under the column the message names"
    opacity = page.evaluate("() => getComputedStyle(document.querySelector('.graph-wrap')).opacity")
    assert float(opacity) < 0.5, "the earlier graph is dimmed"
    assert page.locator("#expr-values").input_value() == "w=0.5, x=2, b=-1", "values are not rewritten"
    page.fill("#expr-source", "sigmoid(w*x + b)")
    page.get_by_role("button", name="Draw and step").click()
    page.wait_for_selector("body[data-stale=false]")
    assert not error.is_visible()


def test_a_busy_server_is_waited_for_quietly(page, live_server):
    answered = []

    def busy_once(route):
        answered.append(route.request.url)
        if len(answered) == 1:
            body = json.dumps({"detail": "all 4 CPU job slots (max_cpu_jobs) are busy; retry in 1 s"})
            return route.fulfill(status=503, headers={"Retry-After": "1"}, body=body,
                                 content_type="application/json")
        return route.continue_()

    page.route("**/api/v1/lessons/output-units", busy_once)
    page.goto(live_server + "/?lesson=output-units")
    page.wait_for_function("() => /busy, retrying/.test(document.querySelector('#status').textContent)")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.console_errors[:] = [e for e in page.console_errors if "status of 503" not in e]
    assert len(answered) == 2 and not page.locator("#status").is_visible()
    assert "busy" not in page.locator("#lesson-panel").inner_text()


@pytest.mark.parametrize("lesson_id, reads",
                         [("output-units", r"\d > 0\.5 ✓$"), ("xor-relu", r"\d > 0\.1 ✓$")])
def test_a_threshold_fact_reads_as_the_inequality_that_holds(page, live_server, lesson_id, reads):
    """A threshold reads "1.477 > 0.5 ✓", not "1.477 ✓ (expected 0.5)", which reads as a contradiction."""
    open_stepper(page, live_server + f"/?lesson={lesson_id}")
    items = page.locator(".facts li")
    texts = [" ".join(items.nth(i).inner_text().split()) for i in range(items.count())]
    assert [t for t in texts if re.search(reads, t)], texts
    assert not [t for t in texts if "(below" in t], "a threshold below reads as < too"


def test_xor_linear_trains_to_the_optimum_its_text_speaks_of(page, live_server):
    open_stepper(page, live_server + "/?lesson=xor-linear")
    assert shown_loss(page) > 0.25 + 1e-3, "a seeded start, above the optimum"
    page.get_by_role("button", name="Train").click()
    page.wait_for_function("() => /^Trained 200/.test(document.querySelector('.panel-note')?.textContent)")
    assert shown_loss(page) == pytest.approx(0.25, abs=1e-6)
