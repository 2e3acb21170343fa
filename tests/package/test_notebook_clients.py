"""The notebook outputs in the clients lecturers use, each started here. JupyterLab (from PyPI, on a free port
over temporary directories) in headless Chromium runs a notebook with a Recorder, a `show()` and a
`remote_trace` cell: each output draws, steps and shows the inspector's formulas; the saved notebook keeps
each output small. A copy that is not trusted shows, in JupyterLab and in Notebook 7, the line saying how to
show the stepper. The notebook exported by `nbconvert --to html`, opened from disk with the network refused,
draws, steps and shows the formulas of all three."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from backprop_playground.notebook import UNTRUSTED_HINT
from tests.browser.helpers import api
from tests.browser.offline import offline_page
from tests.conftest import _free_port
from tests.waiting import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.browser]

OUTPUT_BUDGET = 600_000  # bytes of one stepper output in the saved .ipynb (front end, trace and all)
START_S = 120.0  # what a loaded machine may take to start JupyterLab, a kernel or a notebook page
SHOTS = Path("/tmp/backprop-notebook")
XOR = {"name": "xor", "hidden": [{"units": 2, "activation": "relu"}],
       "output": {"kind": "linear", "units": 1}, "loss": "mse",
       "optimizer": {"name": "sgd", "lr": 0.1}, "seed": 1, "data": {"dataset": "xor"}}
RECORDER = '''from backprop_playground import Recorder, Tensor, remote_trace, show

x = Tensor(2.0, requires_grad=True, label="x")
y = Tensor(-1.0, requires_grad=True, label="y")
with Recorder() as rec:
    ((x * y + x) * 3).backward()
rec'''
SHOW = 'show("sigmoid(w*x + b)", w=0.5, x=1, b=0)'


def notebook(base_url: str, model_id: str):
    """A lecture's notebook: a recording, an expression and a stored model's trace, one output each."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    return new_notebook(cells=[
        new_markdown_cell("# Backprop, step by step"),
        new_code_cell(RECORDER),
        new_code_cell(SHOW),
        new_code_cell(f"remote_trace({base_url!r}, {model_id!r})"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab on a free loopback port, with no token and no browser, its configuration, data (the
    trust database too), runtime files and workspaces in a temporary directory; always shut down, with
    its kernels. Yields (base URL, the directory it serves)."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    for name in ("notebooks", "config/labconfig", "data", "runtime", "workspaces",
                 "settings/@jupyterlab/notebook-extension"):
        (base / name).mkdir(parents=True)
    # no "official Jupyter news?" card over the outputs, and no kernel dialog: the notebook's kernel starts
    (base / "config/labconfig/page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    (base / "settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings").write_text(json.dumps(
        {"autoStartDefaultKernel": True}))
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTER_DATA_DIR": str(base / "data"),
           "JUPYTER_RUNTIME_DIR": str(base / "runtime")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
               "--ServerApp.password=", f"--ServerApp.root_dir={root}",
               f"--LabApp.workspaces_dir={base / 'workspaces'}",
               f"--LabApp.user_settings_dir={base / 'settings'}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True", "--allow-root"]
    log = base / "jupyterlab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            assert process.poll() is None, f"JupyterLab exited: {log.read_text()[-3000:]}"
            with contextlib.suppress(OSError), urllib.request.urlopen(url + "/api/status", timeout=2) as r:
                return r.status == 200
            return False

        started = time.monotonic()
        wait_until(ready, "JupyterLab answers", timeout=START_S, interval=0.2)
        print(f"\nJupyterLab started in {time.monotonic() - started:.1f} s")
        yield url, root
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (JupyterLab then shuts its kernels down), and SIGKILL to its process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the server and the kernels it started
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def lab(browser, jupyterlab, live_server):
    """The lecture notebook run in JupyterLab (Run All Cells) and saved: yields the page showing it, the
    saved file and the console errors of the outputs' frames."""
    import nbformat

    url, root = jupyterlab
    model = api(live_server, "POST", "/models", XOR)
    path = root / "lecture.ipynb"
    nbformat.write(notebook(live_server, model["id"]), path)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and msg.location.get("url", "").startswith("about:srcdoc") else None)
    try:
        started = time.monotonic()
        page.goto(f"{url}/lab/workspaces/lecture/tree/lecture.ipynb")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=START_S * 1000)
        # the commands of Run > Run All Cells and File > Save Notebook, once the notebook's kernel is ready
        # (the menus are drawn before that, and a click then may do nothing)
        page.evaluate(RUN_ALL, START_S * 1000)
        page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output iframe').length === 3",
                               timeout=START_S * 1000)
        print(f"three outputs in {time.monotonic() - started:.1f} s")
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        wait_until(lambda: len(html_outputs(path)) == 3, "the notebook is saved with its three outputs",
                   timeout=START_S)
    except Exception:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "jupyterlab-failed.png"))
        print("prompts:", page.locator(".jp-InputPrompt").all_inner_texts())
        context.close()
        raise
    yield page, path, errors
    context.close()


RUN_ALL = """async (ms) => {
    const deadline = performance.now() + ms;
    const app = window.jupyterapp;
    await app.restored;
    const panel = app.shell.currentWidget;
    await panel.context.ready;
    await panel.sessionContext.ready;
    while (!panel.sessionContext.session?.kernel) {
        if (performance.now() > deadline) throw new Error("the notebook's kernel did not start");
        await new Promise((r) => setTimeout(r, 50));
    }
    await app.commands.execute("notebook:run-all-cells");
}"""


def html_outputs(path: Path) -> list[dict]:
    """The outputs of a saved notebook that carry text/html (none while it is not saved or half written)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return []
    return [o for c in nb["cells"] for o in c.get("outputs", []) if "text/html" in o.get("data", {})]


def check_output(page, iframe, index: int) -> None:
    """One stepper output: drawn, stepped from the keyboard, and the inspector on its product node shows
    the op's formula from the op table (not the bare names a page without it falls back to)."""
    iframe.scroll_into_view_if_needed()
    frame = iframe.content_frame
    frame.locator("body[data-ready=true]").wait_for(timeout=START_S * 1000)
    frame.locator("g.node[data-node-id]").first.wait_for()
    count = frame.locator(".controls .count")
    step, total = (int(s) for s in count.inner_text().split("/"))
    assert step == 0 and total > 5, (index, step, total)
    count.click()  # the keys go to this output
    page.keyboard.press("ArrowRight")
    count.filter(has_text="1 /").wait_for()

    data = json.loads(frame.locator("#backprop-playground-offline").text_content())
    trace = data.get("trace") or next(a["answer"] for a in data["answers"] if a["path"] == "/expressions")
    ops = {op["name"]: op for op in next(a["answer"] for a in data["answers"] if a["path"] == "/ops")}
    product = next(n for n in trace["graph"]["nodes"] if n.get("op") in ("mul", "matmul"))
    frame.locator(f'g.node[data-node-id="{product["id"]}"]').click()
    inspector = frame.locator("#inspector")
    inspector.wait_for(state="visible")
    inspector.locator(".katex").first.wait_for()
    sources = inspector.locator("annotation").all_text_contents()  # each formula's LaTeX, as KaTeX keeps it
    op = ops[product["op"]]
    assert f"y = {op['forward_latex']}" in sources, (index, sources)
    for vjp in op["vjp_latex"]:  # each input's VJP as the op table writes it, not a bare VJP_k
        assert any(vjp in source for source in sources), (index, vjp, sources)
    assert not any("VJP" in source for source in sources), (index, sources)
    page.keyboard.press("Escape")
    inspector.wait_for(state="hidden")


def test_jupyterlab_draws_steps_and_shows_the_formulas_of_each_output(lab):
    page, _path, errors = lab
    outputs = page.locator(".jp-OutputArea-output iframe")
    for index in range(3):
        check_output(page, outputs.nth(index), index)
    SHOTS.mkdir(exist_ok=True)
    outputs.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "jupyterlab.png"))
    assert errors == []


def test_the_saved_notebook_keeps_each_output_small(lab):
    _page, path, _errors = lab
    sizes = [len(json.dumps(output).encode()) for output in html_outputs(path)]
    print(f"\nsaved notebook {path.stat().st_size} bytes; per output {sizes}")
    assert all(size < OUTPUT_BUDGET for size in sizes), sizes


def test_a_copy_that_is_not_trusted_says_how_to_show_the_stepper(lab, jupyterlab, browser):
    """A colleague's copy (changed, so unsigned): Jupyter's sanitizer drops the iframes and keeps their
    text, the line saying to trust the notebook or run the cell again; in JupyterLab and in Notebook 7."""
    import nbformat

    _page, path, _errors = lab
    url, root = jupyterlab
    received = nbformat.read(path, as_version=4)
    received.cells[0].source += "\n\nAs sent by a colleague."
    nbformat.write(received, root / "received.ipynb")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        for client, address in (("jupyterlab", "/lab/workspaces/received/tree/received.ipynb"),
                                ("notebook7", "/notebooks/received.ipynb")):
            page.goto(url + address)
            outputs = page.locator(".jp-OutputArea-output")
            wait_until(lambda shown=outputs: shown.count() == 3, f"{client} shows the three outputs",
                       timeout=START_S)
            for index in range(3):
                output = outputs.nth(index)
                assert output.locator("iframe").count() == 0, (client, index)
                assert re.sub(r"\s+", " ", output.inner_text()).strip() == UNTRUSTED_HINT, (client, index)
                assert output.is_visible()
            page.screenshot(path=str(SHOTS / f"untrusted-{client}.png"))
    finally:
        context.close()


def test_the_notebook_exported_to_html_runs_its_outputs_from_disk_with_no_network(lab, browser, tmp_path):
    """`jupyter nbconvert --to html`: the page itself asks a CDN for its scripts, which is refused; the
    outputs ask nothing, and each draws, steps and shows its formulas."""
    _page, path, _errors = lab
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", str(path), "--output-dir",
                    str(tmp_path)], check=True, capture_output=True, timeout=START_S)
    exported = tmp_path / "lecture.html"
    print(f"\nnbconvert HTML {exported.stat().st_size} bytes")
    with offline_page(browser, host_may_ask=True) as page:
        page.goto(exported.as_uri())
        outputs = page.locator("iframe")
        wait_until(lambda: outputs.count() == 3, "the exported page has the three outputs")
        for index in range(3):
            check_output(page, outputs.nth(index), index)
        outputs.nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "nbconvert.png"))
