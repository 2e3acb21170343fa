"""The stepper inline in a notebook, with no server: a recording, an expression, a lesson file or a REST
model's trace.

    from backprop_playground import Tensor, Recorder, show, show_lesson, remote_trace
    with Recorder() as rec:
        ((x * y + x) * 3).backward()
    rec                                            # the last line of a cell: the stepper under it
    show("sigmoid(w*x + b)", w=0.5, x=1, b=0)      # an expression, through the nets evaluator
    show_lesson("my-lessons/02-xor.md", panel=1)   # a lesson file (docs/lessons.md), its facts computed
    remote_trace("http://127.0.0.1:8000", model_id)  # a stored model's trace, fetched over HTTP

How it shows: `_repr_html_` answers `<iframe srcdoc='…'>` holding one self-contained page of the stepper
(`backprop_playground.export.stepper_html`: its modules, styles and fonts inlined, the trace embedded). An
iframe's srcdoc needs no script in the notebook page, no kernel round trip and no widget extension, so the
same output works in JupyterLab and Notebook 7 (and any client that shows an HTML output's iframe), after a
kernel restart, and in a notebook exported to HTML; and the page's styles and keys cannot collide with the
notebook's. The iframe is sandboxed without allow-same-origin, so the page cannot touch the notebook or its
server (nor share a copy of the front end with the notebook or another output: each output carries its
own, packed, ≈ 0.5 MB).

A notebook that is not trusted (one received or downloaded) shows no iframe: Jupyter's sanitizer removes
it, and keeps the iframe's text, which a browser never shows otherwise. That text says what to do
(`UNTRUSTED_HINT`).

The engine does not import this module (it imports nothing above itself): importing `backprop_playground`
registers `render_recorder` as the engine's HTML renderer (`engine.record.html_renderer`), which is what a
Recorder's `_repr_html_` calls. Nothing here loads a web library until something is rendered.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

DEFAULT_HEIGHT = 520  # px: the embed's graph, controls and narration at a notebook's width
# The page runs in an opaque origin (no allow-same-origin): whatever a trace holds (labels from a remote
# server too) can reach neither the notebook's page nor its server. It needs nothing of either.
SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads"
# The iframe's content: shown only where the iframe is not (Jupyter's sanitizer strips the iframe of an
# untrusted notebook and keeps its text).
UNTRUSTED_HINT = ("Backprop Playground: the interactive stepper of this output is hidden because the "
                  "notebook is not trusted. Trust the notebook (Trust Notebook in the command palette, or "
                  "`jupyter trust NOTEBOOK.ipynb`) or run this cell again to show it.")


class StepperView:
    """A trace (wire form, docs/contracts.md §2) shown as the interactive stepper under a notebook cell."""

    def __init__(self, trace: dict | None = None, *, title: str | None = None, theme: str = "light",
                 height: int = DEFAULT_HEIGHT, expression: str | None = None, values: dict | None = None,
                 lesson_file: str | Path | None = None, panel: int = 0, weights: list | None = None):
        self.trace = trace
        self.title = title
        self.theme = theme
        self.height = int(height)
        self.expression = expression
        self.values = values
        self.lesson_file = lesson_file
        self.panel = panel
        self.weights = weights

    def html(self) -> str:
        """The stepper as one self-contained HTML page (what the iframe holds; save it to open it offline)."""
        from backprop_playground.export import stepper_html

        return stepper_html(trace=self.trace, expression=self.expression, values=self.values,
                            theme=self.theme, title=self.title, lesson_file=self.lesson_file,
                            panel=self.panel, weights=self.weights)

    def _repr_html_(self) -> str:
        return iframe(self.html(), height=self.height, title=self.title or "Backprop Playground stepper")

    def __repr__(self) -> str:
        if self.lesson_file is not None:
            given = str(self.lesson_file)
            what = f"lesson file {given!r}" if "\n" not in given else "a lesson file's text"
            what += f", panel {self.panel}"
        else:
            what = f"expression {self.expression!r}" if self.expression else f"{len(self.events)} events"
        return f"<StepperView of {what}>"

    @property
    def events(self) -> list[dict]:
        return list((self.trace or {}).get("events", []))


def iframe(page: str, *, height: int = DEFAULT_HEIGHT, title: str = "Backprop Playground stepper") -> str:
    """An <iframe> whose srcdoc is `page`, with `UNTRUSTED_HINT` as its text. All ASCII (other characters
    as references), so it reads the same in a host page of any encoding. The srcdoc is single-quoted, so
    of the page's JSON and markup only `&` and `'` need escaping (tens of bytes, where escaping `"`, `<`
    and `>` as well adds about 10 kB)."""
    return (
        f"<iframe srcdoc='{_srcdoc(page)}' title=\"{_ascii(html.escape(title, quote=True))}\" "
        f'sandbox="{SANDBOX}" allow="fullscreen; clipboard-write" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ccc; border-radius: 4px">'
        f"{html.escape(UNTRUSTED_HINT, quote=False)}</iframe>"
    )


def _srcdoc(page: str) -> str:
    """`page` as a single-quoted attribute value: & and ' escaped, the rest as it is (a quoted value may
    hold <, > and \")."""
    return _ascii(page.replace("&", "&amp;").replace("'", "&#39;"))


def _ascii(text: str) -> str:
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def recorded_trace(rec) -> dict | None:
    """A Recorder's graph and events as a wire trace (None while it has recorded nothing)."""
    from backprop_playground import wire
    from backprop_playground.nets.traces import recorded

    if not rec.events:
        return None
    return json.loads(wire.dumps(wire.trace(recorded(rec))))


def render_recorder(rec) -> str | None:
    """A Recorder's `_repr_html_`: the stepper of what it recorded (None, i.e. the plain repr, if nothing)."""
    trace = recorded_trace(rec)
    return None if trace is None else StepperView(trace)._repr_html_()


def show(source: str, *, theme: str = "light", title: str | None = None, height: int = DEFAULT_HEIGHT,
         **values: Any) -> StepperView:
    """The stepper of an expression: `show("sigmoid(w*x + b)", w=0.5, x=1, b=0)`. The expression is parsed
    (never eval-ed) and traced by the nets evaluator, with the same limits as POST /expressions; a bad
    expression or value raises `backprop_playground.export.ExportError` naming the problem."""
    view = StepperView(expression=source, values=_plain(values), theme=theme, title=title, height=height)
    view.html()  # fail here, in the cell that asked, rather than in the display hook
    return view


def show_lesson(source: str | Path, *, panel: int = 0, theme: str = "light", title: str | None = None,
                height: int = DEFAULT_HEIGHT, weights: list | None = None) -> StepperView:
    """The stepper of a lesson file (docs/lessons.md): `show_lesson("my-lessons/02-xor.md", panel=1)`, as
    `export --lesson-file` and a server's lesson page show it; its facts are computed here, once per
    content. `source` is the file's path, or its text itself (a str of several lines, "---" first).
    `panel`: which of its panels (default the first); `weights`: a model panel's weights in place of its
    own, per layer {"W", "b"}. A file that cannot be read, or whose fact cannot be computed, raises
    `backprop_playground.nets.lessons.files.LessonFileError` (a ValueError) saying "file:line: message"
    (`<lesson text>:line: …` for a text); a bad panel or theme raises
    `backprop_playground.export.ExportError`."""
    view = StepperView(lesson_file=source, panel=panel, weights=weights, theme=theme, title=title,
                       height=height)
    view.html()  # fail here, in the cell that asked, rather than in the display hook
    return view


def remote_trace(base_url: str, model_id: str, token: str | None = None, *, rows: int | None = None,
                 theme: str = "light", timeout: float = 30.0) -> StepperView:
    """A stored model's trace from a running server, to show inline. Without a token, `GET
    /api/v1/models/{id}/trace` (forward and backward at the model's current parameters; reading needs only
    the id). With the model's edit token, `POST /api/v1/models/{id}/step`: one real training step (the
    model moves on by it) with its update and metrics. `rows`: batch rows the trace shows (server default
    8). An HTTP error raises RemoteError with the server's status and detail."""
    import urllib.error
    import urllib.parse
    import urllib.request

    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
    query = "" if rows is None else "?" + urllib.parse.urlencode({"rows": int(rows)})
    model = urllib.parse.quote(str(model_id), safe="")
    path = f"/api/v1/models/{model}/" + ("step" if token else "trace")
    request = urllib.request.Request(base_url.rstrip("/") + path + query, method="POST" if token else "GET")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            trace = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RemoteError(exc.code, _detail(exc)) from None
    step = trace.get("step")
    title = f"model {model_id}" + ("" if step is None else f", step {step}")
    return StepperView(trace, title=title, theme=theme)


class RemoteError(RuntimeError):
    """The server refused: its HTTP status and the `detail` of its JSON error."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _detail(exc) -> str:
    try:
        detail = json.loads(exc.read()).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    return detail if isinstance(detail, str) else json.dumps(detail) if detail else str(exc.reason)


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """NumPy numbers and arrays as the plain numbers and nested lists an expression's values are."""
    out = {}
    for name, value in values.items():
        tolist = getattr(value, "tolist", None)
        out[name] = tolist() if callable(tolist) else value
    return out


def register() -> None:
    """Make the engine's Recorder render as the stepper : done by `import backprop_playground`."""
    from backprop_playground.engine import record

    record.html_renderer = render_recorder
