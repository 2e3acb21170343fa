"""The training studio in Chromium against a live server: train, tune mid-run, upload, export, share."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from tests.browser.helpers import header_control
from tests.chromium import keep_console_error
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

TIMEOUT = 60_000  # a page's model, or a training run, on a loaded machine: tens of seconds


def api_get(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + "/api/v1" + path, timeout=30) as response:
        return json.load(response)


def open_studio(page, url: str) -> None:
    """Open the studio and wait until its model is built and drawn."""
    page.goto(url)
    page.wait_for_selector(".network-view .links path", timeout=TIMEOUT)
    wait_js(page, "document.querySelector('#data').dataset.redraws > 0")


def model_id(page) -> str:
    href = page.get_attribute("#open-stepper", "href")
    match = re.search(r"model=([^&]+)", href)
    assert match, f"no model in the stepper link {href}"
    return match.group(1)


def step_of(page) -> int:
    return int(page.get_attribute("#step-count", "data-step"))


def boundary_pixels(page) -> str:
    return page.evaluate("document.querySelector('#data canvas.surface').toDataURL()")


def wait_js(page, expression: str, timeout: int = TIMEOUT) -> None:
    """Wait until a JS expression is truthy (as a function: the page's CSP forbids eval)."""
    page.wait_for_function(f"() => ({expression})", timeout=timeout)


def train_until(page, condition: str, timeout: int = TIMEOUT) -> None:
    page.select_option("#speed", "60")
    page.click("#play")
    wait_js(page, condition, timeout)
    page.click("#play")


def accuracy_js(key: str) -> str:
    return f"(parseFloat(document.querySelector('[data-metric={key}]').textContent) || 0)"


def test_a_2_8_8_1_net_trains_on_moons_past_95_percent(page, live_server, tmp_path):
    open_studio(page, live_server + "/studio")
    page.select_option("select[name=preset]", "moons")
    wait_js(page, "document.querySelectorAll('.network-view .neurons rect').length === 19")
    assert page.locator(".network-view .links path").count() == 2 * 8 + 8 * 8 + 8
    wait_js(page, "document.querySelector('#data').dataset.redraws > 0")
    before = boundary_pixels(page)

    train_until(page, f"{accuracy_js('accuracy')} > 95")

    assert step_of(page) > 10
    wait_js(page, "document.querySelector('#data').dataset.redraws > 2")
    assert boundary_pixels(page) != before, "the decision boundary image did not change while training"
    page.screenshot(path=tmp_path / "studio-trained.png")
    light = {view: page.locator(f"#{view}").screenshot() for view in ("network", "data", "loss")}
    redraws = "Number(document.querySelector('#data').dataset.redraws)"
    drawn = page.evaluate(f"() => {redraws}")
    page.click("#show-grads")
    wait_js(page, f"{redraws} > {drawn}")  # the gradients are drawn
    drawn = page.evaluate(f"() => {redraws}")
    header_control(page, "#theme").click()
    wait_js(page, "document.documentElement.dataset.theme === 'dark'")
    wait_js(page, f"{redraws} > {drawn}")  # the views are drawn again, in the dark theme
    page.screenshot(path=tmp_path / "studio-dark-gradients.png")
    for view, png in light.items():
        assert len(png) > 8_000, f"the {view} view looks empty"
        assert page.locator(f"#{view}").screenshot() != png, f"the {view} view ignored the dark theme"


def test_fast_forward_runs_past_a_thousand_steps_with_every_loss_and_pause_holds(page, live_server, tmp_path):
    """At "max" the server trains untraced between frames: the counter passes 1,000 steps, the speed shown
    is measured (more steps than frames a second), the boundary is redrawn from the frames, the loss curve
    counts every step, and a pause holds at the server's step."""
    open_studio(page, live_server + "/studio")
    before = boundary_pixels(page)
    page.select_option("#speed", "max")
    page.click("#play")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) > 1000")
    shown = page.text_content("#speedo")
    page.screenshot(path=tmp_path / "studio-fast-forward.png")
    assert boundary_pixels(page) != before, "the decision boundary did not change while fast-forwarding"
    page.click("#play")
    wait_js(page, "document.querySelector('#play').textContent.includes('Train')")
    server = model_id(page)
    settled = wait_until(lambda: (step := step_of(page)) == api_get(live_server, f"/models/{server}")["step"]
                         and step, "the counter at the server's step")
    page.wait_for_timeout(1000)  # a pause that did not hold would step meanwhile
    assert step_of(page) == settled == api_get(live_server, f"/models/{server}")["step"]
    match = re.fullmatch(r"([\d,]+) steps/s · (\d+) frames/s", shown)
    assert match, shown
    steps_per_s, frames_per_s = int(match[1].replace(",", "")), int(match[2])
    assert steps_per_s > frames_per_s >= 0, shown
    # The curve counts every step once, from the one it starts at (thinned for drawing by merging).
    wait_js(page, f"Number(document.querySelector('#loss').dataset.steps) === "
                  f"{settled} - Number(document.querySelector('#loss').dataset.first) + 1")


def change_mid_run(page, live_server: str, at: int, field: str, value: str) -> str:
    """Open the studio, play to step `at`, change `field` to `value`; answers the model id before."""
    open_studio(page, live_server + "/studio")
    before = model_id(page)
    page.select_option("#speed", "60")
    page.click("#play")
    wait_js(page, f"Number(document.querySelector('#step-count').dataset.step) >= {at}")
    page.fill(field, value)
    page.dispatch_event(field, "change")
    return before


def five_more_steps_then_pause(page, reached: int) -> None:
    wait_js(page, f"Number(document.querySelector('#step-count').dataset.step) >= {reached + 5}")
    page.click("#play")


def test_the_learning_rate_changes_mid_run_without_a_reset(page, live_server):
    mid = change_mid_run(page, live_server, 5, "input[name='optimizer.lr']", "0.005")
    reached = step_of(page)
    five_more_steps_then_pause(page, reached)
    assert model_id(page) == mid, "changing the learning rate rebuilt the model"
    model = api_get(live_server, f"/models/{mid}")
    assert model["spec"]["optimizer"]["lr"] == 0.005
    assert model["step"] >= reached


def test_a_bad_csv_shows_the_servers_error_in_place_and_a_good_one_trains(page, live_server):
    open_studio(page, live_server + "/studio")
    page.set_input_files(
        "input[name=csv]",
        files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": b"x1,x2,y\n0,0,0\n1,banana,1\n"}],
    )
    error = page.wait_for_selector("[data-error=csv]", timeout=TIMEOUT)
    text = error.text_content()
    assert "broken.csv" in text and "banana" in text and "line 3" in text
    # The browser logs the expected 422 answer itself; anything else would still fail the test.
    page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]

    rows = "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{int(x > 10)}" for x in range(20))
    csv = {"name": "mine.csv", "mimeType": "text/csv", "buffer": f"a,b,y\n{rows}\n".encode()}
    page.set_input_files("input[name=csv]", files=[csv])
    page.wait_for_selector("text=Your CSV", timeout=TIMEOUT)
    assert page.locator("[data-error=csv]").count() == 0
    page.click("#step")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) >= 1")


def test_a_share_link_reproduces_the_same_weights(page, live_server):
    open_studio(page, live_server + "/studio")
    # single steps, not play: the server takes exactly these, so once the page shows the last one the
    # model rests there (a pause leaves the steps already under way to land at some later time)
    for _ in range(15):
        page.click("#step")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) === 15")
    model = api_get(live_server, f"/models/{model_id(page)}")
    assert model["step"] == 15
    original = model["params"]
    page.click("#share")
    wait_js(page, "document.querySelector('#share').dataset.url")
    url = page.get_attribute("#share", "data-url")
    assert url.startswith(live_server + "/studio#s=")

    shared = page.context.new_page()
    open_studio(shared, url)
    shared_id = model_id(shared)
    assert shared_id != model_id(page)
    assert api_get(live_server, f"/models/{shared_id}")["params"] == original
    shared.close()


def export_after_training(page, live_server: str, steps: int, kind: str, path: Path) -> Path:
    """Open the studio, train `steps` steps, download the export menu's `kind` export to `path`."""
    open_studio(page, live_server + "/studio")
    train_until(page, f"Number(document.querySelector('#step-count').dataset.step) >= {steps}")
    page.click("#export-menu summary")
    with page.expect_download() as info:
        page.click(f"button[data-export={kind}]")
    info.value.save_as(path)
    return path


def test_an_exported_replay_steps_offline_from_disk(page, live_server, browser, tmp_path):
    path = export_after_training(page, live_server, 20, "replay", Path(tmp_path) / "replay.html")
    html = path.read_text(encoding="utf-8")
    assert live_server not in html and "/vendor/" not in html

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    requests: list[str] = []
    errors: list[str] = []

    def refuse(route):
        requests.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^https?://"), refuse)
    offline = context.new_page()
    offline.on("console", lambda msg: keep_console_error(errors, msg))
    offline.on("pageerror", lambda exc: errors.append(str(exc)))
    offline.goto(path.as_uri())
    offline.wait_for_selector(".network-view .links path", timeout=TIMEOUT)
    last = int(offline.get_attribute("#replay-step", "data-step"))
    assert last >= 20
    offline.click("#prev")
    offline.click("#prev")
    earlier = int(offline.get_attribute("#replay-step", "data-step"))
    assert earlier < last
    offline.click("#next")
    assert earlier < int(offline.get_attribute("#replay-step", "data-step")) <= last
    offline.screenshot(path=tmp_path / "replay.png")
    context.close()
    assert requests == [] and errors == []


def test_divergence_shows_a_banner_naming_the_step_and_node(page, live_server):
    open_studio(page, live_server + "/studio")
    first = model_id(page)
    page.select_option("select[name=preset]", "sine")
    wait_js(page, f"!document.querySelector('#open-stepper').href.includes('model={first}')")
    page.fill("input[name='optimizer.lr']", "10")
    page.dispatch_event("input[name='optimizer.lr']", "change")
    sine = model_id(page)
    page.select_option("select[name='optimizer.name']", "sgd")  # a new model, built with lr = 10
    wait_js(page, f"!document.querySelector('#open-stepper').href.includes('model={sine}')")
    page.select_option("#speed", "60")
    page.click("#play")
    banner = page.wait_for_selector("#banner:not([hidden])", timeout=TIMEOUT)
    text = banner.text_content()
    assert re.search(r"diverged at step \d+", text) and "node n" in text
    assert page.text_content("#play").strip().endswith("Train"), "training did not stop"
    spec = api_get(live_server, f"/models/{model_id(page)}")["spec"]
    assert spec["optimizer"] == {**spec["optimizer"], "name": "sgd", "lr": 10.0}


def test_reset_goes_back_to_step_zero_and_the_initial_weights(page, live_server):
    open_studio(page, live_server + "/studio")
    initial = api_get(live_server, f"/models/{model_id(page)}")["params"]
    train_until(page, "Number(document.querySelector('#step-count').dataset.step) >= 10")
    page.click("#reset")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) === 0")
    assert api_get(live_server, f"/models/{model_id(page)}")["params"] == initial


def test_clicking_a_link_edits_its_weight(page, live_server):
    open_studio(page, live_server + "/studio")
    before = model_id(page)
    x, y = page.evaluate(
        """() => {
          const p = document.querySelector(".link-hits path[data-layer='2'][data-i='0'][data-j='0']");
          const q = p.getPointAtLength(p.getTotalLength() * 0.3);
          const m = p.getScreenCTM();
          return [q.x * m.a + m.e, q.y * m.d + m.f];
        }"""
    )
    page.mouse.click(x, y)
    page.fill(".weight-editor input", "2.5")
    page.press(".weight-editor input", "Enter")
    wait_js(page, f"!document.querySelector('#open-stepper').href.includes('model={before}')")
    params = api_get(live_server, f"/models/{model_id(page)}")["params"]
    assert params[2]["W"][0][0] == 2.5


def test_a_model_file_exports_and_loads_back(page, live_server, tmp_path):
    path = export_after_training(page, live_server, 5, "model", Path(tmp_path) / "model.json")
    saved = json.loads(path.read_text())
    assert saved["spec"]["hidden"][0]["units"] == 8 and len(saved["spec"]["params"]) == 3
    before = model_id(page)
    page.click("#export-menu summary")
    page.set_input_files("#load-model", str(path))
    wait_js(page, f"!document.querySelector('#open-stepper').href.includes('model={before}')")
    assert api_get(live_server, f"/models/{model_id(page)}")["params"] == saved["spec"]["params"]


def test_weight_decay_mid_run_continues_from_the_current_weights(page, live_server):
    first = change_mid_run(page, live_server, 8, "input[name=weight_decay]", "0.01")
    wait_js(page, f"!document.querySelector('#open-stepper').href.includes('model={first}')")
    reached = step_of(page)
    assert reached >= 8, "the step count started again"
    five_more_steps_then_pause(page, reached)
    assert api_get(live_server, f"/models/{model_id(page)}")["spec"]["weight_decay"] == 0.01


def test_a_lesson_opens_as_a_preset_with_its_panels(page, live_server):
    open_studio(page, live_server + "/studio")
    wait_js(page, "document.querySelector('option[value=\"lesson:output-units\"]')")
    page.select_option("select[name=preset]", "lesson:output-units")
    panel = page.wait_for_selector("select[name=lesson-panel]", timeout=TIMEOUT)
    assert "spiral" in panel.text_content()
    mixture = page.eval_on_selector_all(
        "select[name=lesson-panel] option", "els => els.findIndex(e => e.textContent.includes('Mixture'))"
    )
    page.select_option("select[name=lesson-panel]", str(mixture))
    wait_js(page, "document.querySelector('select[name=\"output.kind\"]').value === 'mixture_density'")
    wait_js(page, "document.querySelector('#data').dataset.redraws > 0")
    page.click("#step")
    wait_js(page, "Number(document.querySelector('#step-count').dataset.step) >= 1")
