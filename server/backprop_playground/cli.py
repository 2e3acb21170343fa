"""Command line: `backprop-playground serve`, `backprop-playground train SPEC.json --steps N` and
`backprop-playground export --lesson ID -o FILE.html` (the stepper as one HTML file that needs no server)."""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    settings = Settings()
    problem = data_dir_problem(settings.resolved_database_url)
    if problem:
        print(f"backprop-playground serve: {problem}", file=sys.stderr)
        return 2
    app = create_app(settings)
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


def _export(args: argparse.Namespace) -> int:
    """Write the stepper for a lesson or an expression as one self-contained HTML file."""
    from backprop_playground.export import ExportError, parse_values, stepper_html, write_plugins

    try:
        values = parse_values(args.values) if args.values is not None else None
        page = stepper_html(lesson=args.lesson, panel=args.panel, expression=args.expression, values=values,
                            theme=args.theme, title=args.title)
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(page)
        plugins = write_plugins(os.path.dirname(os.path.abspath(args.out))) if args.plugins else []
    except (ExportError, OSError) as exc:
        print(f"backprop-playground export: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(page.encode()) / 1e6:.2f} MB): open it in a browser, no server needed",
          file=sys.stderr)
    for plugin in plugins:
        print(f"wrote {plugin}: a deck beside it loads it for the presenter's keys", file=sys.stderr)
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
    serve.set_defaults(func=_serve)
    train = sub.add_parser("train", help="train a model spec (JSON file) here, without a server")
    train.add_argument("spec", help="a ModelSpec JSON file (the body of POST /api/v1/models)")
    train.add_argument("--steps", type=int, required=True, help="training steps")
    train.add_argument("--every", type=int, default=0, help="progress line every N steps (default steps/20)")
    train.add_argument("--out", default=None, help="write the trained model's state (JSON) here")
    train.set_defaults(func=_train)
    export = sub.add_parser("export", help="write the stepper as one HTML file that runs without a server")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--lesson", help="a lesson id, e.g. xor-relu")
    what.add_argument("--expression", help='an expression, e.g. "(x*y+x)*z"')
    export.add_argument("--values", help="the expression's values, e.g. x=2,y=-1,z=3")
    export.add_argument("--panel", type=int, default=0, help="the lesson's panel (default 0)")
    export.add_argument("--theme", choices=["light", "dark", "projector"], default="light")
    export.add_argument("--title", default=None, help="the title shown (default the lesson's or expression)")
    export.add_argument("-o", "--out", required=True, help="the HTML file to write")
    export.add_argument("--plugins", action="store_true", help="also write the deck scripts beside it "
                        "(reveal-backprop.js, backprop-keys.js), for a deck that runs with no server")
    export.set_defaults(func=_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
