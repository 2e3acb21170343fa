"""Command line: `backprop-playground serve` (`--lessons DIR`: a folder of lesson files besides the built-in
lessons), `backprop-playground train SPEC.json --steps N`, `backprop-playground export --lesson ID -o
FILE.html` (or `--lesson-file FILE.md`, a lesson file: the stepper as one HTML file that needs no server;
with `--format mp4|gif|pdf|png`, as media for slides: a video, a GIF, a PDF handout or PNG frames) and
`backprop-playground lessons check DIR` (every lesson file of a folder read and every fact checked)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
from collections.abc import Sequence


def _serve(args: argparse.Namespace) -> int:
    import faulthandler

    import uvicorn

    # A fatal signal kills the process where Python cannot catch it (SIGBUS when SQLite's -shm file, mapped
    # into memory, cannot grow on a full disk; SIGSEGV): the fault handler writes which and where to stderr.
    if sys.__stderr__ is not None:
        faulthandler.enable(file=sys.__stderr__)
    if args.data_dir:
        os.environ["BACKPROP_DATA_DIR"] = os.path.abspath(args.data_dir)
    if args.lessons:
        os.environ["BACKPROP_LESSONS_DIR"] = os.path.abspath(args.lessons)
    if args.lessons_replace:
        os.environ["BACKPROP_LESSONS_REPLACE"] = "true"
    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    settings = Settings()
    problem = data_dir_problem(settings.resolved_database_url) or _lessons_problem(settings)
    if problem:
        print(f"backprop-playground serve: {problem}", file=sys.stderr)
        return 2
    app = create_app(settings)
    threading.Thread(target=_freeze_startup_objects, name="gc-freeze", daemon=True).start()
    print(f"Backprop Playground is running at http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    # Stream commands are a few hundred bytes; a small frame limit keeps a client from sending megabytes.
    # No permessage-deflate: it compresses every frame on the event loop, and a large model's frames
    # (megabytes) then stalled every other connection for seconds (bench/bench_hostile.py).
    # Idle keep-alive connections stay open 75 s (nginx's default) rather than uvicorn's 5 s: a page's
    # browser reuses them, and one closed just as a request goes out fails that request (bench_hall.py).
    # Forwarded headers (the client's address and scheme) are believed only from the proxies the operator
    # named (trusted_proxies); uvicorn's own default would believe any connection from 127.0.0.1.
    trusted = settings.trusted_proxies
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, ws_max_size=64 * 1024,
                ws_per_message_deflate=False, timeout_keep_alive=75, proxy_headers=bool(trusted),
                forwarded_allow_ips=trusted or "")
    return 0


def _lessons_problem(settings) -> str | None:
    """Why the lessons settings cannot be served, or None (a broken lesson file is listed, not refused)."""
    if settings.lessons_dir is not None and not settings.lessons_dir.is_dir():
        return (f"the lessons folder {settings.lessons_dir} is not a directory (--lessons, "
                "BACKPROP_LESSONS_DIR)")
    if settings.lessons_replace and settings.lessons_dir is None:
        return "--lessons-replace (BACKPROP_LESSONS_REPLACE) needs a lessons folder: --lessons DIR"
    return None


def _lessons_check(args: argparse.Namespace) -> int:
    """Read every lesson file of a folder and check every fact: one line each, 1 if anything fails."""
    from backprop_playground.nets.lessons.checking import check_folder

    if not os.path.isdir(args.folder):
        print(f"backprop-playground lessons check: {args.folder} is not a directory", file=sys.stderr)
        return 2
    report = check_folder(args.folder, seeds=args.seeds, replace=args.replace)
    for line in report.lines:
        print(line, flush=True)
    if report.failures:
        print(f"\n{len(report.failures)} failed:", *report.failures, sep="\n")
        return 1
    print("\nevery lesson file reads and every fact holds")
    return 0


def _freeze_startup_objects() -> None:
    """Once every lesson's facts are computed (a background thread at startup), move everything the server
    made so far out of the collector's reach (gc.freeze): those objects live as long as the process, and
    a full collection no longer walks them. A hall joining a room makes ~300,000 tracked objects, whose
    full collections otherwise took 100–270 ms each, holding up the states going out (bench_rooms.py)."""
    from backprop_playground.nets.lessons import start_warming

    start_warming().join()
    gc.collect()
    gc.freeze()


def data_dir_problem(database_url: str) -> str | None:
    """Why the server could not write the directory of its SQLite database (made if missing), or None. A
    file is made and removed there, and the database's files that exist are opened for writing; none of it
    needs free space, so a full disk still starts (and deletes free space)."""
    import tempfile
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None  # another database, or SQLite opened by URI (mode=ro on purpose)
    database = Path(url.database)
    where = database.parent
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=database.parent):
            pass
        for where in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if where.exists():
                with open(where, "r+b"):
                    pass
    except OSError as exc:
        return (f"cannot write the data directory {database.parent} ({where}: {exc.strerror or exc}); give "
                "--data-dir (or BACKPROP_DATA_DIR) a directory this user may write")
    return None


def _train(args: argparse.Namespace) -> int:
    """Train a spec without a server: progress on stderr, the result as JSON on stdout."""
    import numpy as np

    from backprop_playground import wire
    from backprop_playground.nets.limits import Limits
    from backprop_playground.nets.model import Model
    from backprop_playground.settings import Settings

    try:
        with open(args.spec, encoding="utf-8") as file:
            spec = json.load(file)
        model = Model.create(spec, Limits(**Settings().limits))

        def progress(step: int, loss: float | None, accuracy: float | None) -> None:
            shown = "" if accuracy is None else f"  accuracy {accuracy:.4f}"
            print(f"step {step:>7}  loss {loss:.6g}{shown}", file=sys.stderr, flush=True)

        every = args.every or max(1, args.steps // 20)
        with np.errstate(all="ignore"):
            result = model.train(args.steps, every=every, on_progress=progress)
    except (OSError, ValueError) as exc:  # unreadable file, invalid JSON or spec, a limit
        print(f"backprop-playground train: {exc}", file=sys.stderr)
        return 2
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            json.dump(model.to_state(), file)
    summary = {key: value for key, value in result.to_dict().items() if key != "history"}
    summary.update(loss=wire.number(result.loss), accuracy=wire.number(result.accuracy))
    print(wire.dumps(summary).decode())
    return 1 if result.diverged else 0


MEDIA_OPTIONS = ("size", "hold", "fps", "phase", "steps", "per_page", "table", "speed", "max_frames",
                 "max_mb")
MEDIA_SUFFIXES = {".mp4": "mp4", ".gif": "gif", ".pdf": "pdf"}


def _export(args: argparse.Namespace) -> int:
    """Write the stepper for a lesson, a lesson file or an expression as one self-contained HTML file, or as
    media."""
    from backprop_playground.export import ExportError, write_plugins
    from backprop_playground.nets.lessons.files import LessonFileError

    fmt = args.format or MEDIA_SUFFIXES.get(os.path.splitext(args.out)[1].lower(), "html")
    if fmt != "html":
        return _export_media(args, fmt)
    given = [f"--{name.replace('_', '-')}" for name in MEDIA_OPTIONS
             if getattr(args, name) not in (None, False)]
    if given:
        print(f"backprop-playground export: {', '.join(given)} go with --format mp4, gif, pdf or png",
              file=sys.stderr)
        return 2
    try:
        page = _export_page(args)
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(page)
        plugins = write_plugins(os.path.dirname(os.path.abspath(args.out))) if args.plugins else []
    except (ExportError, LessonFileError, OSError) as exc:
        print(f"backprop-playground export: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(page.encode()) / 1e6:.2f} MB): open it in a browser, no server needed",
          file=sys.stderr)
    for plugin in plugins:
        print(f"wrote {plugin}: a deck beside it loads it for the presenter's keys", file=sys.stderr)
    return 0


def _export_page(args: argparse.Namespace) -> str:
    """The page the export writes, or renders as media: the stepper of --lesson, --lesson-file or
    --expression. A lesson file that cannot be read raises LessonFileError ("file:line: message"); a fact of
    it that does not hold is exported as the server shows it (failing), and said on stderr."""
    from pathlib import Path

    from backprop_playground.export import lesson_document, parse_values, stepper_html

    values = parse_values(args.values) if args.values is not None else None
    lesson_file = Path(args.lesson_file) if args.lesson_file is not None else None
    page = stepper_html(lesson=args.lesson, lesson_file=lesson_file, panel=args.panel,
                        expression=args.expression, values=values, theme=args.theme, title=args.title,
                        weights=_weights(args.weights))
    if lesson_file is not None:  # its facts are computed once: this reads them back
        for fact in lesson_document(lesson_file)["facts"]:
            if fact.get("passed") is False:
                print(f'backprop-playground export: {lesson_file}: fact "{fact["id"]}" does not hold: '
                      f"{_not_holding(fact)} (the page shows it failing)",
                      file=sys.stderr)
    return page


def _not_holding(fact: dict) -> str:
    """ "1.09 is not close to 0.5": why a fact fails, its numbers cut short."""
    def short(value, limit: int = 60) -> str:
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= limit else text[:limit - 1] + "…"

    compare = fact.get("compare", "close")
    if compare == "nonzero":
        return f"{short(fact['value'])} is zero"
    words = {"close": "close to", "less": "below", "greater": "above", "same_as": "the same as"}
    return f"{short(fact['value'])} is not {words.get(compare, compare)} {short(fact['expected'])}"


def _weights(text: str | None) -> list | None:
    """--weights: JSON as in the stepper's URL (a list with one {"W", "b"} per layer), or @FILE holding it."""
    from backprop_playground.export import ExportError

    if text is None:
        return None
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as file:
            text = file.read()
    try:
        weights = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"--weights is not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(weights, list) or not all(isinstance(layer, dict) for layer in weights):
        raise ExportError('--weights takes a list with one {"W": …, "b": …} per layer')
    return weights


def _export_media(args: argparse.Namespace, fmt: str) -> int:
    """Render the stepper as an MP4, a GIF, a PDF handout or PNG frames (backprop_playground.media)."""
    from backprop_playground import media
    from backprop_playground.export import ExportError, unpack_page
    from backprop_playground.nets.lessons.files import LessonFileError

    try:
        if args.plugins:
            raise media.MediaError("--plugins goes with the HTML export")
        options = media.MediaOptions(
            format=fmt, size=media.parse_size(args.size) if args.size else media.DEFAULT_SIZE,
            hold=media.DEFAULT_HOLD if args.hold is None else args.hold, fps=args.fps,
            phase=args.phase or "all",
            steps=media.parse_steps(args.steps) if args.steps else None, per_page=args.per_page or 0,
            table=bool(args.table), speed=1.0 if args.speed is None else args.speed,
            max_frames=media.DEFAULT_MAX_FRAMES if args.max_frames is None else args.max_frames,
            max_mb=media.DEFAULT_MAX_MB if args.max_mb is None else args.max_mb,
        ).checked()
        page = _export_page(args)
        data = unpack_page(page)["data"]
        result = media.render_media(page, media.page_trace(data), args.out, options,
                                    title=data.get("title", ""), progress=media.ProgressBar(f"{fmt}:"))
    except (ExportError, LessonFileError, media.MediaError, OSError) as exc:
        print(f"backprop-playground export: {exc}", file=sys.stderr)
        return 2
    except media.RenderFailed as exc:
        print(f"backprop-playground export: {exc}", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"backprop-playground export: {warning}", file=sys.stderr)
    print(f"wrote {result.path}: {media.describe(result)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all sub-commands."""
    parser = argparse.ArgumentParser(prog="backprop-playground", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", default=None, help="directory of the SQLite database (default ./data)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--lessons", default=None, metavar="DIR", help="a folder of lesson files (*.md, "
                       "docs/lessons.md) shown after the built-in lessons, read again when one changes")
    serve.add_argument("--lessons-replace", action="store_true",
                       help="show only the folder's lessons, none of the built-in ones")
    serve.set_defaults(func=_serve)
    lessons = sub.add_parser("lessons", help="lesson files: check a folder of them")
    lessons_sub = lessons.add_subparsers(dest="lessons_command", required=True)
    check = lessons_sub.add_parser("check", help="read every lesson file (*.md) of a folder and check every "
                                   "fact; exit 1 if any file or fact fails")
    check.add_argument("folder", metavar="DIR")
    check.add_argument("--seeds", type=int, default=5, help="seeds a fact that trains a model must hold for "
                       "(default 5)")
    check.add_argument("--replace", action="store_true", help="as served with --lessons-replace: no built-in "
                       "lessons, so no clash with their ids")
    check.set_defaults(func=_lessons_check)
    train = sub.add_parser("train", help="train a model spec (JSON file) here, without a server")
    train.add_argument("spec", help="a ModelSpec JSON file (the body of POST /api/v1/models)")
    train.add_argument("--steps", type=int, required=True, help="training steps")
    train.add_argument("--every", type=int, default=0, help="progress line every N steps (default steps/20)")
    train.add_argument("--out", default=None, help="write the trained model's state (JSON) here")
    train.set_defaults(func=_train)
    export = sub.add_parser("export", help="write the stepper as one HTML file that runs without a server, "
                            "or as media for slides (--format mp4, gif, pdf or png)")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--lesson", help="a lesson id, e.g. xor-relu")
    what.add_argument("--lesson-file", metavar="FILE", help="a lesson file (docs/lessons.md), read and its "
                      "facts computed here, e.g. my-lessons/02-xor.md")
    what.add_argument("--expression", help='an expression, e.g. "(x*y+x)*z"')
    export.add_argument("--values", help="the expression's values, e.g. x=2,y=-1,z=3")
    export.add_argument("--panel", type=int, default=0, help="the lesson's panel (default 0)")
    export.add_argument("--theme", choices=["light", "dark", "projector"], default="light")
    export.add_argument("--title", default=None, help="the title shown (default the lesson's or expression)")
    export.add_argument("--weights", default=None, help='a model panel\'s weights, JSON as in the stepper\'s '
                        'URL ([{"W": …, "b": …}, …] per layer) or @FILE.json')
    export.add_argument("-o", "--out", required=True, help="the file to write (a directory for --format png)")
    export.add_argument("--plugins", action="store_true", help="also write the deck scripts beside it "
                        "(reveal-backprop.js, backprop-keys.js), for a deck that runs with no server")
    _media_arguments(export)
    export.set_defaults(func=_export)
    return parser


def _media_arguments(export: argparse.ArgumentParser) -> None:
    """The export's media options (pip install 'backprop-playground[media]')."""
    from backprop_playground import media

    group = export.add_argument_group("media for slides", "rendered by the stepper itself in a headless "
                                      f"Chromium ({media.CHROMIUM_ENV} picks it), encoded by ffmpeg; needs "
                                      f"{media.INSTALL}")
    group.add_argument("--format", choices=["html", *media.FORMATS], default=None,
                       help="html (the default), mp4, gif, pdf (a handout) or png (one frame per step, into "
                       "the directory -o); by default from -o's suffix (.mp4, .gif, .pdf)")
    group.add_argument("--size", default=None, help="WIDTHxHEIGHT in pixels, e.g. 1280x720 (the default) or "
                       f"960x540; {media.MIN_SIZE[0]}x{media.MIN_SIZE[1]} to "
                       f"{media.MAX_SIZE[0]}x{media.MAX_SIZE[1]}")
    group.add_argument("--hold", type=float, default=None, help=f"seconds each step is shown (default "
                       f"{media.DEFAULT_HOLD:g}); a contribution's travel plays at its start")
    group.add_argument("--fps", type=int, default=None, help="frames per second of the travel (default "
                       + ", ".join(f"{k} {v}" for k, v in media.DEFAULT_FPS.items()) + ")")
    which = group.add_mutually_exclusive_group()
    which.add_argument("--phase", choices=media.PHASES, default=None,
                       help="the steps shown: one phase, or all (the default)")
    which.add_argument("--steps", default=None,
                       help="the steps shown, FIRST-LAST (the stepper's step numbers, 0 is the start)")
    group.add_argument("--per-page", type=int, default=None,
                       help="pdf: steps per page (default: a page per phase)")
    group.add_argument("--table", action="store_true", default=None,
                       help="show the gradient table in the frames")
    group.add_argument("--speed", type=float, default=None, help="the travel's pace, as the stepper's speed "
                       "(default 1; 2 is twice as fast)")
    group.add_argument("--max-frames", type=int, default=None, help=f"refuse to make more frames than this "
                       f"(default {media.DEFAULT_MAX_FRAMES})")
    group.add_argument("--max-mb", type=float, default=None, help=f"refuse to write more megabytes than this "
                       f"(default {media.DEFAULT_MAX_MB:g})")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
