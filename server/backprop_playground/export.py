"""The stepper as one self-contained HTML file: opened from disk (file://) with no server and no network,
it steps forward, backward and through the update as /embed does, with the inspector's formulas.

    stepper_html(lesson="xor-relu") -> str
    stepper_html(lesson_file="my-lessons/02-xor.md", panel=1) -> str
    stepper_html(expression="(x*y + x)*z", values={"x": 2, "y": -1, "z": 3}, theme="dark") -> str
    stepper_html(trace=wire_trace, title="My net") -> str

How: the embed page (web/embed.html) is taken as it is; its stylesheets become one stylesheet (the KaTeX
fonts its formulas use as data: URLs), and every module reachable from its entry (static and dynamic
imports, followed from the entry) is named by a bare name: relative and absolute specifiers are rewritten
to those names, as the studio's standalone replay does in the browser (web/js/studio/packaging.js
`standaloneHtml`). Styles and modules travel packed: one gzip-compressed JSON document, base64-encoded in
the page (about a quarter of their size as text), which a small classic script (web/js/shared/unpack.js)
unpacks with the browser's DecompressionStream into a <style>, an import map of data: URLs and the entry
module; `unpack_page` reads it back. This is the Python counterpart of that packaging, deliberately: it
runs where no browser and no Node are (the CLI, a notebook, the server's "Download for slides"), and it walks
a whole import graph where the replay packs a fixed list. The server answers the page needs (the lesson, the
trace, GET /ops) are computed here on the engine and embedded as JSON (not packed: readable as it is); the
page's API client answers from them (web/js/shared/offline.js) and asks no server.

No web framework is imported here: `import backprop_playground` and this module stay free of them.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import mimetypes
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backprop_playground import vocabulary as words
from backprop_playground import wire
from backprop_playground.nets.inputs import check_value, read_value

THEMES = ("light", "dark", "projector")
OFFLINE_FORMAT = "backprop-playground/offline"
DATA_ELEMENT_ID = "backprop-playground-offline"  # the <script type="application/json"> the page reads
MODULE_PREFIX = "@offline"  # bare import-map names of the embedded modules: "@offline/js/stepper/embed.js"
PACKED_ELEMENT_ID = "backprop-playground-packed"  # the page's styles and modules (web/js/shared/unpack.js)
PAGE = "embed.html"
LESSON_TEXT = "<lesson text>"  # a lesson file given as its text, in its errors: "<lesson text>:12: …"
UNPACK = "/js/shared/unpack.js"  # the classic script that unpacks them, inlined after the packed element
PLUGINS = ("plugins/reveal-backprop.js", "plugins/backprop-keys.js")  # what a deck loads beside the file
# The KaTeX fonts the page keeps: those of every op's forward and VJP formulas, labels, numbers, matrices and
# their delimiters (tests/browser/test_export.py renders them all and checks). AMS, calligraphic, fraktur,
# sans-serif, script, typewriter and the italics of Main are left out (about 170 kB of woff2).
KATEX_FONTS = frozenset({"KaTeX_Main-Regular", "KaTeX_Main-Bold", "KaTeX_Math-Italic", "KaTeX_Size1-Regular",
                         "KaTeX_Size2-Regular", "KaTeX_Size3-Regular", "KaTeX_Size4-Regular"})
# Until its styles are unpacked the page's text is not shown unstyled.
_UNTIL_UNPACKED = "html:not([data-unpacked]) body { visibility: hidden; }"
_VENDOR = "/vendor/"  # npm packages: served from web/node_modules (app.py mounts it there)


class ExportError(ValueError):
    """What was asked cannot be exported (unknown lesson or theme, bad values, too large): says what."""


# --------------------------------------------------------------------------------------------------
# The data: what the server would answer the page


def stepper_html(*, trace: dict | None = None, lesson: str | None = None, expression: str | None = None,
                 values: dict | None = None, theme: str = "light", title: str | None = None,
                 panel: int = 0, weights: list | None = None, settings=None,
                 lesson_file: str | Path | None = None) -> str:
    """One self-contained HTML page of the stepper (the embed: graph, controls, inspector, postMessage).

    Give a `lesson` id (its `panel`, default the first; `weights` in place of a model panel's own, per
    layer {"W", "b"} as in the stepper's URL), or a `lesson_file` (a lesson file's path, or its text:
    docs/lessons.md; shown as a lesson id is, its facts computed here), or an `expression` with its
    `values`, or a wire `trace` (docs/contracts.md §2, e.g. a POST /models/{id}/step answer or
    `wire.trace(...)` of a recording; a lesson given with it supplies the title). `theme` is light, dark
    or projector; `title` replaces the shown title. `settings` (default: the environment's) give the web
    files and the limits. Raises ExportError (a ValueError) naming what is wrong, and LessonFileError (a
    ValueError: "file:line: message") for a lesson file that cannot be read or whose fact cannot be
    computed.
    """
    from backprop_playground.settings import get_settings

    settings = settings or get_settings()
    if theme not in THEMES:
        raise ExportError(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
    if trace is None and lesson is None and lesson_file is None and expression is None:
        raise ExportError("nothing to export: give a lesson, a lesson file, an expression or a trace")
    if lesson is not None and lesson_file is not None:
        raise ExportError("give a lesson or a lesson file, not both")
    if (lesson is not None or lesson_file is not None) and expression is not None:
        raise ExportError("give a lesson or an expression, not both")
    if values is not None and expression is None:
        raise ExportError("values go with an expression")
    if weights is not None and lesson is None and lesson_file is None:
        raise ExportError("weights go with a lesson's model panel")
    doc = lesson_document(lesson_file) if lesson_file is not None else None
    data = offline_data(trace=trace, lesson=lesson, expression=expression, values=values, theme=theme,
                        title=title, panel=panel, weights=weights, settings=settings, lesson_doc=doc)
    shown = title or data.get("title") or "Backprop Playground"
    return page_html(Path(settings.web_dir), data, theme=theme, title=shown)


def offline_data(*, trace: dict | None, lesson: str | None, expression: str | None, values: dict | None,
                 theme: str, title: str | None, panel: int, weights: list | None, settings,
                 lesson_doc: dict | None = None) -> dict:
    """The JSON the page embeds: the state it shows and the server answers it will ask for. A lesson is
    given by its id (`lesson`) or as GET /lessons/{id} answers it (`lesson_doc`: a lesson file's)."""
    from backprop_playground.engine import describe_ops
    from backprop_playground.nets.limits import Limits

    limits = Limits(**settings.limits)
    state: dict[str, Any] = {"theme": theme}
    answers: list[dict] = [_answer("GET", "/ops", describe_ops())]
    data: dict[str, Any] = {"format": OFFLINE_FORMAT, "version": 1, "state": state, "answers": answers}
    if lesson is not None or lesson_doc is not None:
        doc = lesson_doc if lesson_doc is not None else _lesson(lesson, settings)
        lesson = doc["id"]
        state.update(lesson=lesson, panel=panel)
        data["title"] = doc["title"]
        answers.append(_answer("GET", f"/lessons/{lesson}", doc))
        panels = doc.get("panels") or []
        if trace is None and panels:
            if not 0 <= panel < len(panels):
                raise ExportError(f"lesson {lesson!r} has panels 0 to {len(panels) - 1}, not {panel}")
            chosen = panels[panel]
            if weights is not None and not chosen.get("spec"):
                raise ExportError(f"panel {panel} of lesson {lesson!r} has no model to take weights")
            if chosen.get("expression"):
                e = chosen["expression"]
                answers += _expression_answers(e["source"], e.get("values") or {}, e.get("mode") or "numeric",
                                               limits)
            else:
                # the body the page sends (web/js/stepper/source.js): the spec with the weights it starts from
                start = weights if weights is not None else chosen.get("start")
                spec = dict(chosen["spec"], params=start) if start else chosen["spec"]
                if weights is not None:
                    state["weights"] = weights
                answers.append(_answer("POST", "/specs/step", _spec_trace(spec, limits, settings.trace_rows),
                                       body=spec))
    elif expression is not None:
        values = _checked_values(values or {})
        state.update(expr=expression, values=values)
        data["title"] = expression
        answers += _expression_answers(expression, values, "numeric", limits)
    if trace is not None:
        data["trace"] = trace if "schema_version" in trace else wire.trace(trace)
    if title is not None:
        data["title"] = title
    return data


def _answer(method: str, path: str, answer: Any, body: Any = None) -> dict:
    entry = {"method": method, "path": path, "answer": answer}
    if body is not None:
        entry["body"] = body
    return entry


def _lesson(lesson_id: str, settings) -> dict:
    """The lesson as GET /lessons/{id} answers it: a built-in one, or one of the lessons folder of
    `settings` (`lessons_dir`)."""
    from backprop_playground.nets.lessons.files import LessonFileError
    from backprop_playground.nets.lessons.library import Library

    library = Library(getattr(settings, "lessons_dir", None), getattr(settings, "lessons_replace", False))
    known = library.ids()
    if lesson_id not in known:
        raise ExportError(f"no lesson {lesson_id!r}; choose one of {', '.join(sorted(known))}")
    try:
        doc = library.get(lesson_id)
    except LessonFileError as exc:
        raise ExportError(f"the lesson file {Path(exc.file).name} cannot be shown: line {exc.line}: "
                          f"{exc.message}") from None
    return _as_answered(doc)


def lesson_document(source: str | Path) -> dict:
    """The lesson of a lesson file with its facts computed, as GET /lessons/{id} would answer it. `source`
    is the file's path, or its text (a str of several lines: the front matter's "---" line first), named
    `LESSON_TEXT` in errors. Raises LessonFileError ("file:line: message") when the file cannot be read,
    is not a lesson file, or one of its facts cannot be computed."""
    import numpy as np

    from backprop_playground.nets.lessons import with_facts
    from backprop_playground.nets.lessons.files import parse_lesson, read_lesson

    if isinstance(source, str) and "\n" in source:
        read = parse_lesson(source, LESSON_TEXT)
    else:
        read = read_lesson(source)
    with np.errstate(all="ignore"):  # as the server computes them: a diverging net is shown, not warned
        return _as_answered(with_facts(read))


def _as_answered(doc: dict) -> dict:
    """A lesson as GET /lessons/{id} answers it (response_model_exclude_none): a fact's unset fields are
    left out."""
    doc["facts"] = [{k: v for k, v in fact.items() if v is not None} for fact in doc.get("facts", [])]
    return doc


def parse_values(text: str) -> dict:
    """ "x=2, y=-1, v=[1, 2]" → {"x": 2, "y": -1, "v": [1, 2]}, the stepper's URL form of values (the
    server's reading of web/js/shared/state.js `parseValues`, for the CLI and GET /export)."""
    out: dict[str, Any] = {}
    src = text.replace("\u2212", "-").strip()
    item = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*(\[[^=]*\]|[^,;\s\]]+)\s*(?:[,;]|\s+|$)")
    pos = 0
    while pos < len(src):
        m = item.match(src, pos)
        if not m or m.end() == pos:
            raise ExportError(f"cannot read values at {src[pos:pos + 20]!r}: write them as x=2,y=-1,v=[1,2]")
        try:
            out[m.group(1)] = read_value(m.group(1), m.group(2))  # nesting within VALUE_DIMENSIONS
        except ValueError as exc:
            raise ExportError(str(exc)) from None
        pos = m.end()
    return _checked_values(out)


def _checked_values(values: Mapping[str, Any]) -> dict:
    """Values as POST /expressions takes them: a number or nested lists of numbers per variable name."""
    if not isinstance(values, Mapping):
        raise ExportError("values must map variable names to numbers")
    for name, value in values.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ExportError(f"{name!r} is not a variable name")
        try:
            check_value(name, value)
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    return dict(values)


def _expression_answers(source: str, values: dict, mode: str, limits) -> list[dict]:
    """POST /expressions for the page's expression, as the API answers it, within the expression limits."""
    from backprop_playground.nets.expressions import expression_numbers, trace_expression

    try:
        expression_numbers(source, values, limits, mode)  # the expression limits, before any work
        raw = trace_expression(source, values, mode, limits)
    except ValueError as exc:  # ExpressionError, LimitError: a message a student can act on
        raise ExportError(str(exc)) from None
    body = {"source": source, "values": values, "mode": mode}
    return [_answer("POST", "/expressions", wire.expression(raw), body=body)]


def _spec_trace(spec: dict, limits, rows: int) -> dict:
    """POST /specs/step's answer for a lesson panel's spec: one traced training step, nothing stored."""
    from backprop_playground.nets.model import Model
    from backprop_playground.nets.traces import step_frame, trace_rows

    try:
        model = Model.create(spec, limits)
        return wire.frame(step_frame(model, trace_rows(model, rows)))
    except ValueError as exc:
        raise ExportError(str(exc)) from None


# --------------------------------------------------------------------------------------------------
# The page: the embed page with its styles and modules inlined


_TAG = re.compile(r"<(link)\b([^>]*)>|<(script)\b([^>]*)>.*?</script>", re.I | re.S)
_ATTR = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')
# import specifiers: `from "x"`, `import "x"`, `import("x")` (also `export … from "x"`); others are not
# followed. Only specifiers that name a module (./ ../ / or an import-map key) are taken, so a word
# "from" in a minified string is not mistaken for one.
_SPECIFIER = re.compile(r"""(?<![\w$.])((?:from|import)\s*(?:\(\s*)?)(["'])([^"'\n]+)\2""")
# Modules a saved page never loads: the GIF/video recorder (and gifenc), which only the online pages offer
# (the saved page hides its button), is left out of the file; its import names a module that says so.
ONLINE_ONLY = frozenset({"/js/stepper/media-record.js"})
_ONLINE_ONLY_STUB = "data:text/javascript,throw%20new%20Error('only%20the%20online%20page%20records%20media')"
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
_FONT_SRC = re.compile(r"src:([^;}]*)")
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")


def page_html(web_dir: Path, data: dict, *, theme: str = "light", title: str = "Backprop Playground") -> str:
    """The embed page of `web_dir` made self-contained, with `data` embedded for the offline API (as JSON,
    readable as it is) and its styles and modules packed."""
    page = words.fill((web_dir / PAGE).read_text(encoding="utf-8"))
    imports = _import_map(web_dir, page)
    styles: list[str] = []
    entries: list[str] = []

    def replace(match: re.Match) -> str:
        tag = (match.group(1) or match.group(3)).lower()
        attrs = dict(_ATTR.findall(match.group(2) or match.group(4)))
        if tag == "link" and attrs.get("rel") == "stylesheet":
            styles.append(_css(web_dir, attrs["href"]))
            return "" if len(styles) > 1 else "\x00STYLE\x00"
        if tag == "link" and attrs.get("rel") == "icon":
            return f'<link rel="icon" href="{_data_url(_file(web_dir, attrs["href"]))}">'
        if tag == "script" and attrs.get("type") == "importmap":
            return "\x00IMPORTMAP\x00"
        if tag == "script" and attrs.get("type") == "module" and "src" in attrs:
            entries.append(attrs["src"])
            return "\x00ENTRY\x00"
        return match.group(0)

    page = _TAG.sub(replace, page)
    if len(entries) != 1:
        raise ExportError(f"{PAGE} should load one entry module, it loads {len(entries)}")
    modules = _bundle(web_dir, imports, entries[0])
    packed = _pack(_key(entries[0]), "\n".join(styles),
                   tuple((_key(url), source) for url, source in sorted(modules.items())))
    unpack = _file(web_dir, UNPACK).read_text(encoding="utf-8").replace("</", "<\\/")
    page = page.replace("\x00STYLE\x00", f"<style>{_UNTIL_UNPACKED}</style>")
    page = page.replace("\x00IMPORTMAP\x00", "")
    page = page.replace("\x00ENTRY\x00", f'<script type="application/json" id="{DATA_ELEMENT_ID}">'
                        f'{wire.script_json(data)}</script>\n  <script type="application/octet-stream" '
                        f'id="{PACKED_ELEMENT_ID}">{packed}</script>\n  <script>{unpack}</script>')
    page = re.sub(r"<title>.*?</title>", lambda _m: f"<title>{html.escape(title)}</title>", page, count=1,
                  flags=re.S)
    page = re.sub(r'(<html\b[^>]*\bdata-theme=")[^"]*(")', lambda m: m.group(1) + theme + m.group(2), page,
                  count=1)
    return page


@functools.lru_cache(maxsize=8)
def _pack(entry: str, style: str, modules: tuple[tuple[str, str], ...]) -> str:
    """Styles and modules as the page carries them: gzip-compressed JSON in base64 (the same for every page
    of one front end, so kept)."""
    document = {"entry": entry, "style": style, "modules": dict(modules)}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(text, compresslevel=9, mtime=0)).decode("ascii")


def unpack_page(page: str) -> dict:
    """What a page of `stepper_html` carries: {"data": its offline data, "entry", "style", "modules": {bare
    name: source}}, as its browser unpacks it."""
    def element(element_id: str) -> str:
        found = re.search(rf'<script [^>]*\bid="{element_id}">(.*?)</script>', page, re.S)
        if not found:
            raise ValueError(f"not a page of stepper_html: it has no #{element_id}")
        return found.group(1)

    packed = json.loads(gzip.decompress(base64.b64decode(element(PACKED_ELEMENT_ID))))
    return {"data": json.loads(element(DATA_ELEMENT_ID)), **packed}


def write_plugins(directory: Path | str, settings=None) -> list[Path]:
    """Copy the scripts a slide deck loads to pass the presenter's keys through the embed (the reveal.js
    plugin and the script for any other deck) into `directory`, beside an exported file: a deck that runs
    with no server loads them from there. Returns the files written."""
    from backprop_playground.settings import get_settings

    web_dir = Path((settings or get_settings()).web_dir)
    written = []
    for name in PLUGINS:
        target = Path(directory) / posixpath.basename(name)
        target.write_bytes((web_dir / name).read_bytes())
        written.append(target)
    return written


def _import_map(web_dir: Path, page: str) -> dict[str, str]:
    """The pages' import map: web/importmap.json when there is one, else the page's own."""
    shared = web_dir / "importmap.json"
    if shared.is_file():
        return json.loads(shared.read_text(encoding="utf-8"))["imports"]
    found = re.search(r'<script type="importmap">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))["imports"] if found else {}


def _file(web_dir: Path, url: str) -> Path:
    """The file behind a URL path of the front end (/vendor/… is web/node_modules/…, as app.py serves)."""
    path = posixpath.normpath(url.split("?")[0].split("#")[0])
    if not path.startswith("/") or path.startswith("//"):
        raise ExportError(f"cannot embed {url!r}: not a path of this server")
    if path.startswith(_VENDOR):
        file = web_dir / "node_modules" / path[len(_VENDOR):]
    else:
        file = web_dir / path.lstrip("/")
    if not file.is_file():
        raise ExportError(f"cannot embed {url}: {file} is missing")
    return file


def _key(url: str) -> str:
    return MODULE_PREFIX + url


def _bundle(web_dir: Path, imports: dict[str, str], entry: str) -> dict[str, str]:
    """Every module reachable from `entry` (URL path → source, its specifiers rewritten to bare keys)."""
    modules: dict[str, str] = {}
    pending = [entry]
    frozen = tuple(sorted(imports.items()))
    while pending:
        url = pending.pop()
        if url in modules:
            continue
        file = _file(web_dir, url)
        stat = file.stat()
        modules[url], targets = _module(str(file), stat.st_mtime_ns, stat.st_size, url, frozen)
        pending.extend(targets)
    return modules


@functools.lru_cache(maxsize=256)
def _module(file: str, _mtime: int, _size: int, url: str, imports: tuple) -> tuple[str, tuple[str, ...]]:
    """One module's source with its specifiers rewritten, and the URL paths it imports (kept while the
    file is unchanged: the regular expressions take a few hundred ms over the minified libraries)."""
    targets: list[str] = []

    def rewrite(match: re.Match) -> str:
        target = _resolve(match.group(3), url, dict(imports))
        if target is None:
            return match.group(0)
        if target in ONLINE_ONLY:
            return f'{match.group(1)}"{_ONLINE_ONLY_STUB}"'
        targets.append(target)
        return f'{match.group(1)}"{_key(target)}"'

    source = _SPECIFIER.sub(rewrite, Path(file).read_text(encoding="utf-8"))
    return source, tuple(targets)


def _resolve(specifier: str, base: str, imports: dict[str, str]) -> str | None:
    """The URL path a module specifier names from the module at `base`, or None if it names no module."""
    if specifier in imports:
        specifier = imports[specifier]
        base = "/"
    if specifier.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), specifier))
    if specifier.startswith("/") and not specifier.startswith("//"):
        return posixpath.normpath(specifier)
    return None


def _css(web_dir: Path, href: str) -> str:
    """A stylesheet with every url() inlined; a font's woff2 kept where there is one (every browser that
    runs the page's modules reads woff2), so its woff and ttf copies add nothing to the file."""
    text = _file(web_dir, href).read_text(encoding="utf-8")
    if "@import" in text:
        raise ExportError(f"{href}: @import is not inlined; link the stylesheet from the page instead")

    def fonts(match: re.Match) -> str:
        items = [item for item in match.group(1).split(",") if item.strip()]
        woff2 = [item for item in items if "woff2" in item]
        return "src:" + ",".join(woff2 or items)

    text = _FONT_FACE.sub(lambda m: "" if _left_out(m.group(0)) else m.group(0), text)
    text = _FONT_SRC.sub(fonts, text)
    return _CSS_URL.sub(lambda m: _css_url(web_dir, href, m), text)


def _left_out(font_face: str) -> bool:
    """Whether an @font-face rule names a KaTeX font the page does not keep (KATEX_FONTS)."""
    names = {posixpath.splitext(posixpath.basename(m.group(2)))[0] for m in _CSS_URL.finditer(font_face)}
    return any(name.startswith("KaTeX_") and name not in KATEX_FONTS for name in names)


def _css_url(web_dir: Path, href: str, match: re.Match) -> str:
    target = match.group(2)
    if target.startswith("data:") or target.startswith("#"):
        return match.group(0)
    url = target if target.startswith("/") else posixpath.join(posixpath.dirname(href), target)
    return f'url("{_data_url(_file(web_dir, url))}")'


def _data_url(file: Path) -> str:
    mime = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".svg": "image/svg+xml"}.get(
        file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"
