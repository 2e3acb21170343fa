"""The front end's build, as the server serves it: `web/build.mjs` bundles each page's modules into
`web/dist/` (content-hashed file names, a brotli and a gzip copy beside each) and writes `dist/manifest.json`
with a SHA-256 of every source that went in. `WebBuild` says whether that build matches the sources on disk
(checked at most once a second, by file stamps first, hashes only when a stamp moved): while it does, the
pages are served from `dist/pages/` and their files from /dist/ (`DistFiles`: servestatic, immutable
caching, the precompressed copy a browser accepts); when a source changed after the build (development) or
there is no build, the plain modules of `web/` are served as they are, through the import map."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from servestatic import ServeStaticASGI


log = logging.getLogger("backprop_playground.web")

DIST_PREFIX = "/dist/"
CHECK_EVERY_S = 1.0
HASHED = re.compile(r"-[A-Z2-7]{8}\.[a-z0-9]+$")  # esbuild's [name]-[hash] names: immutable

Mode = Literal["auto", "off"]


class WebBuild:
    """The build of `web_dir`, if there is a fresh one. `mode` "off" never serves it (development of the
    build itself, or a test of the plain modules)."""

    def __init__(self, web_dir: Path, mode: Mode = "auto") -> None:
        self.web_dir = web_dir
        self.dist = web_dir / "dist"
        self.mode = mode
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._stamp: tuple | None = None
        self._fresh = False
        self.version = 0  # moves whenever the answer of `fresh` or the build itself changes

    @property
    def manifest_file(self) -> Path:
        return self.dist / "manifest.json"

    def fresh(self) -> bool:
        """Whether the pages and files of the build stand for the sources on disk now."""
        if self.mode == "off":
            return False
        now = time.monotonic()
        if now - self._checked < CHECK_EVERY_S:
            return self._fresh
        with self._lock:
            if now - self._checked >= CHECK_EVERY_S:
                self._check()
                self._checked = time.monotonic()
        return self._fresh

    def _check(self) -> None:
        try:
            manifest = json.loads(self.manifest_file.read_bytes())
            sources: dict[str, str] = manifest["sources"]
        except (OSError, ValueError, KeyError, TypeError):
            self._set(None, False, "no build in web/dist: serving the plain modules (`make deps` builds it)")
            return
        stamp = (self.manifest_file.stat().st_mtime_ns,
                 *(_stat(self.web_dir / name) for name in sorted(sources)))
        if stamp == self._stamp:
            return
        stale = [name for name, digest in sources.items() if _sha256(self.web_dir / name) != digest]
        if stale:
            more = f" (and {len(stale) - 1} more)" if stale[1:] else ""
            reason = f"web/{stale[0]} changed after the build{more}: serving the plain modules (`make deps`)"
            self._set(stamp, False, reason)
        else:
            self._set(stamp, True, f"serving the build of web/dist ({len(sources)} sources)")

    def _set(self, stamp: tuple | None, fresh: bool, reason: str) -> None:
        if (stamp, fresh) != (self._stamp, self._fresh) or self.version == 0:
            self.version += 1
            log.info(reason) if fresh else log.warning(reason)
        self._stamp, self._fresh = stamp, fresh


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class DistFiles:
    """Pure ASGI middleware: GET/HEAD under /dist/ answered from web/dist by servestatic (brotli or gzip as
    Accept-Encoding allows, `Vary: Accept-Encoding`, ETag and Last-Modified with 304s, ranges, `Cache-Control:
    public, max-age=315360000, immutable` on the hashed names); anything else goes on to the app. The file
    list is read when the build changes (`WebBuild.version`), not on each request.

    Its file list and responders, called synchronously (its WSGI path), not its ASGI app: that one reads each
    file in 8 KB blocks on a thread pool of its own made for every request, ≈ 2 ms a file on this machine,
    which 300 students × a page's files turn into seconds. The built files are small and in the page cache:
    one read and one send each, on the event loop."""

    def __init__(self, app, build: WebBuild) -> None:
        self.app = app
        self.build = build
        self._files: ServeStaticASGI | None = None
        self._version = -1

    def files(self) -> ServeStaticASGI:
        self.build.fresh()  # a rebuild moves the version
        if self._files is None or self._version != self.build.version:
            from servestatic import ServeStaticASGI  # here: setup.py loads this module without it

            self._files = ServeStaticASGI(
                None, root=self.build.dist if self.build.dist.is_dir() else None, prefix=DIST_PREFIX,
                max_age=60, immutable_file_test=lambda path, url: bool(HASHED.search(url)),
                allow_all_origins=False,  # nosniff and the rest: SecurityHeaders, outside
            )
            self._version = self.build.version
        return self._files

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(DIST_PREFIX):
            return await self.app(scope, receive, send)
        static_file = self.files().files.get(scope["path"])
        if static_file is None:
            return await _answer(send, 404, [(b"content-type", b"text/plain")], b"Not Found")
        environ = {"HTTP_" + key.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
                   for key, value in scope["headers"]}
        environ["QUERY_STRING"] = scope["query_string"].decode("latin-1")
        response = static_file.get_response(scope["method"], environ)
        body = b""
        if response.file is not None:
            try:
                body = response.file.read()
            finally:
                response.file.close()
        headers = [(key.lower().encode("latin-1"), value.encode("latin-1"))
                   for key, value in response.headers if value is not None]
        await _answer(send, int(response.status), headers, body)


async def _answer(send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
