"""The notebook side of the package: top-level names, a Recorder's and an expression's inline stepper, a
REST model's trace fetched over HTTP, and an import that stays free of web libraries."""

from __future__ import annotations

import html
import json
import math
import re
import subprocess
import sys

import pytest

from backprop_playground.export import unpack_page
from backprop_playground.notebook import UNTRUSTED_HINT
from tests.browser.helpers import api

WEB = ["fastapi", "starlette", "pydantic", "uvicorn", "orjson", "asyncio", "httpx", "websockets",
       "sqlalchemy"]
XOR = {"name": "xor", "hidden": [{"units": 2, "activation": "relu"}],
       "output": {"kind": "linear", "units": 1}, "loss": "mse",
       "optimizer": {"name": "sgd", "lr": 0.1}, "seed": 1, "data": {"dataset": "xor"}}


def _page(markup: str) -> str:
    """The page inside an `<iframe srcdoc='…'>` as the browser reads it."""
    found = re.fullmatch(r"<iframe srcdoc='([^']*)'([^>]*)>([^<]*)</iframe>", markup)
    assert found, markup[:200]
    assert markup.isascii()
    sandbox = re.search(r'\bsandbox="([^"]*)"', found.group(2)).group(1).split()
    assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox  # an opaque origin
    assert "allowfullscreen" not in found.group(2)  # `allow` says it: both would make Chromium warn
    assert html.unescape(found.group(3)) == UNTRUSTED_HINT  # what a sanitizer that drops the iframe keeps
    return html.unescape(found.group(1))


def _embedded(page: str) -> dict:
    element = r'<script type="application/json" id="backprop-playground-offline">(.*?)</script>'
    found = re.search(element, page, re.S)
    return json.loads(found.group(1))


def test_importing_the_package_loads_no_web_library_and_registers_the_renderer():
    code = (
        "import sys, backprop_playground as bp; from backprop_playground.engine import record; "
        "assert record.html_renderer is bp.notebook.render_recorder; "
        f"print(','.join(m for m in {WEB!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_recorder_renders_the_stepper_of_what_it_recorded():
    from backprop_playground import Recorder, Tensor

    assert Recorder()._repr_html_() is None  # nothing recorded: the plain repr
    x = Tensor(2.0, requires_grad=True, label="x")
    y = Tensor(-1.0, requires_grad=True, label="y")
    with Recorder() as rec:
        ((x * y + x) * 3).backward()
    page = _page(rec._repr_html_())
    assert page.lstrip().lower().startswith("<!doctype html>")
    trace = _embedded(page)["trace"]
    totals = {e["node"]: e["total"]["data"] for e in trace["events"] if e["type"] == "backward"}
    assert totals[rec.node_id(x)] == [float(x.grad)]
    assert totals[rec.node_id(y)] == [float(y.grad)] == [3.0 * 2.0]


def test_show_traces_an_expression_and_names_a_bad_one():
    import backprop_playground as bp
    from backprop_playground.export import ExportError

    view = bp.show("sigmoid(w*x + b)", w=0.5, x=1, b=0)
    answers = _embedded(_page(view._repr_html_()))["answers"]
    (traced,) = [a["answer"] for a in answers if a["path"] == "/expressions"]
    assert traced["source"] == "sigmoid(w*x + b)"
    s = 1 / (1 + math.exp(-0.5))
    assert traced["gradients"]["w"]["data"] == pytest.approx([s * (1 - s)])  # σ'(w·x + b) · x
    with pytest.raises(ExportError, match="no value given for 'b'"):
        bp.show("w*x + b", w=1, x=2)
    with pytest.raises(ExportError):
        bp.show("__import__('os')", x=1)


def test_remote_trace_reads_a_models_trace_and_steps_it_with_the_token(live_server):
    import backprop_playground as bp

    created = api(live_server, "POST", "/models", XOR)
    model_id, token = created["id"], created["edit_token"]
    api(live_server, "POST", f"/models/{model_id}/train", {"steps": 20}, token=token)

    read = bp.remote_trace(live_server + "/", model_id, rows=2)
    assert read.trace["step"] == 20
    kinds = {e["type"] for e in read.trace["events"]}
    assert "backward" in kinds and "update" not in kinds
    assert api(live_server, "GET", f"/models/{model_id}")["step"] == 20  # reading moved nothing

    stepped = bp.remote_trace(live_server, model_id, token=token)
    assert "update" in {e["type"] for e in stepped.trace["events"]}
    assert api(live_server, "GET", f"/models/{model_id}")["step"] == 21
    trace = _embedded(_page(stepped._repr_html_()))["trace"]
    assert trace["events"] == stepped.trace["events"]

    with pytest.raises(bp.RemoteError) as refused:
        bp.remote_trace(live_server, model_id, token="not-the-token")
    assert refused.value.status == 403
    with pytest.raises(bp.RemoteError) as missing:
        bp.remote_trace(live_server, "no-such-model")
    assert missing.value.status == 404
    with pytest.raises(ValueError, match="http"):
        bp.remote_trace("file:///etc", model_id)


def test_an_output_is_small_and_its_page_reads_back_whatever_it_holds():
    """One output, front end included, stays under 600 kB (the stepper's modules and styles packed); the
    page the browser reads from its escaped srcdoc is exactly the page, quotes, ampersands and all."""
    import backprop_playground as bp

    title = """it's "quoted" & <marked> \u00e9"""
    view = bp.show("sigmoid(w*x + b)", w=0.5, x=1, b=0, title=title)
    markup = view._repr_html_()
    assert len(markup.encode()) < 600_000
    page = _page(markup)
    assert page == view.html()
    assert _embedded(page)["title"] == title
    packed = unpack_page(page)
    assert packed["entry"] in packed["modules"]
    assert not any("markdown-it" in name for name in packed["modules"])  # the embed renders no markdown
