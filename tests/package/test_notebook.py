"""A real notebook (tests/notebooks/stepper.ipynb) run by nbclient on an ipykernel: the Recorder cell's
text/html output, opened from disk in Chromium with every non-file, non-data request refused, is the
stepper; stepped to its last backward event it shows the engine's gradients."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser import test_export

pytestmark = [pytest.mark.slow, pytest.mark.browser]
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "stepper.ipynb"
KERNEL = "backprop-playground-tests"
# a page that refuses and records any request but file: and data:, and fails the test on console errors
offline_page = test_export.offline
# what a notebook page around the output would be: UTF-8, plus a listener for the embed's step messages
HOST = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script>window.steps = []; addEventListener("message", (ev) => {{
  if (ev.data && ev.data.source === "backprop-playground") window.steps.push(ev.data); }});</script>
<div class="output_html">{output}</div></body></html>"""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed on a kernel of this interpreter (registered under a temporary prefix)."""
    import nbformat
    from nbclient import NotebookClient

    prefix = tmp_path_factory.mktemp("kernel")
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL],
                   check=True, capture_output=True, timeout=120)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        started = time.monotonic()
        where = {"metadata": {"path": str(prefix)}}
        client = NotebookClient(nb, kernel_name=KERNEL, timeout=300, resources=where)
        client.execute()
        print(f"\nnotebook executed in {time.monotonic() - started:.1f} s")
    return nb


def test_the_recorder_cell_is_the_stepper_offline_with_the_engine_gradients(executed, offline_page, tmp_path):
    html = [o["data"]["text/html"] for o in executed.cells[1].outputs if "text/html" in o.get("data", {})]
    assert len(html) == 1 and html[0].startswith("<iframe srcdoc=")
    (printed,) = [o["text"] for o in executed.cells[2].outputs if o.get("name") == "stdout"]
    engine = json.loads(printed)  # {"x": [node id, x.grad], "y": [node id, y.grad]}
    assert engine["y"][1] == 6.0

    page_file = tmp_path / "output.html"
    page_file.write_text(HOST.format(output=html[0]), encoding="utf-8")
    page = offline_page
    started = time.monotonic()
    page.goto(page_file.as_uri())
    stepper = page.frame_locator("iframe")
    stepper.locator("g.node[data-node-id]").first.wait_for(timeout=30_000)
    drawn = time.monotonic()
    count = stepper.locator(".controls .count")
    step, total = (int(s) for s in count.inner_text().split("/"))
    assert (step, total) == (0, 11)  # 6 forward steps, 5 backward contributions
    count.click()  # the keys go to the stepper
    for k in range(1, total + 1):
        page.keyboard.press("ArrowRight")
        count.filter(has_text=f"{k} /").wait_for(timeout=30_000)
    stepped = time.monotonic()
    page.wait_for_function("() => window.steps.length && window.steps.at(-1).step === 11")
    assert page.evaluate("window.steps.at(-1)")["phase"] == "backward"
    # The last contribution's total is written on its node once its animation has landed: wait for it.
    deadline = time.monotonic() + 30
    while True:
        shown = stepper.locator("g.node[data-node-id]").evaluate_all(
            "gs => Object.fromEntries(gs.map(g => [g.dataset.nodeId, JSON.parse(g.dataset.grad || 'null')]))"
        )
        landed = all(shown.get(node_id) is not None for node_id, _ in engine.values())
        if landed or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for node_id, grad in engine.values():
        assert shown[node_id] == [pytest.approx(grad)]
    print(f"drawn in {drawn - started:.1f} s, stepped through {total} steps in {stepped - drawn:.1f} s")
