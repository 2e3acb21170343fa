"""The ASGI application: create_app(settings) wires routers, static files and security headers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from backprop_playground import __version__, logs
from backprop_playground import vocabulary as words
from backprop_playground.admission.budget import MB, MemoryBudget
from backprop_playground.admission.fair import ClientKey, RateQuota
from backprop_playground.admission.jobs import JobPool
from backprop_playground.api import (
    datasets,
    errors,
    export,
    expressions,
    health,
    lessons,
    media,
    models,
    ops,
    rooms,
    schema,
    specs,
    stream,
    traces,
    training,
    vocabulary,
)
from backprop_playground.api.guards import BodyLimit, JsonBody
from backprop_playground.hub import ModelHub
from backprop_playground.lifespans import shared_by_servers
from backprop_playground.nets.lessons import start_warming
from backprop_playground.nets.lessons.library import Library
from backprop_playground.nets.limits import Limits
from backprop_playground.settings import Settings, get_settings
from backprop_playground.store import EXPIRE_BATCH, Store
from backprop_playground.tracecache import TraceCache, code_version
from backprop_playground.webbuild import DistFiles, WebBuild

API_PREFIX = "/api/v1"
PAGES = ("index.html", "embed.html", "studio.html", "docs.html")  # the pages served with the import map
_IMPORT_MAP_SLOT = re.compile(r'<script type="importmap" data-fill="importmap.json"></script>')
# inline scripts that run (a JSON data block, such as the vocabulary, runs nothing and needs no CSP hash)
_INLINE_SCRIPT = re.compile(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>(.*?)</script>',
                            re.S)


class Pages:
    """The HTML pages as served: web/importmap.json filled into each page's import-map slot, so the pages
    share one map, and the vocabulary into its slot (vocabulary.py); from the build (`web/dist/pages/`,
    pointing at bundled, content-hashed files) while it is fresh, else web/ itself (webbuild.py). Read at
    startup and again when a page, the map or the build changes on disk (a stat per page request); the
    CSP's script hashes come from exactly what is served. Each page carries an ETag of its bytes and
    `Cache-Control: no-cache` (a browser asks again, with If-None-Match, and gets a 304 while nothing
    changed)."""

    def __init__(self, web_dir: Path, build: WebBuild | None = None) -> None:
        self.web_dir = web_dir
        self.build = build or WebBuild(web_dir, "off")
        self._stamp: tuple | None = None
        self._pages: dict[str, bytes] = {}
        self._etags: dict[str, str] = {}
        self._hashes: list[str] = []
        self.refresh()

    def _source(self) -> Path:
        return self.build.dist / "pages" if self.build.fresh() else self.web_dir

    def _stamp_now(self, source: Path) -> tuple:
        files = [self.web_dir / "importmap.json", *(source / name for name in PAGES)]
        stats = [f.stat() if f.is_file() else None for f in files]
        return (str(source), *((s.st_mtime_ns, s.st_size) if s else None for s in stats))

    def refresh(self) -> None:
        source = self._source()
        stamp = self._stamp_now(source)
        if stamp == self._stamp:
            return
        map_file = self.web_dir / "importmap.json"
        script = ""
        if map_file.is_file():
            script = f'<script type="importmap">\n{map_file.read_text(encoding="utf-8").strip()}\n  </script>'
        pages = {}
        for name in PAGES:
            if (source / name).is_file():
                text = (source / name).read_text(encoding="utf-8")
                pages[name] = words.fill(_IMPORT_MAP_SLOT.sub(lambda _: script, text)).encode("utf-8")
        self._etags = {name: f'"{hashlib.sha256(body).hexdigest()[:32]}"' for name, body in pages.items()}
        self._pages, self._hashes, self._stamp = pages, inline_script_hashes(pages.values()), stamp

    def get(self, name: str) -> bytes | None:
        self.refresh()
        return self._pages.get(name)

    def response(self, name: str, if_none_match: str | None = None) -> Response:
        """A page as served (404 if the front end has no such page); 304 when `if_none_match` names it."""
        body = self.get(name)
        if body is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        etag = self._etags[name]
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if if_none_match and etag in (tag.strip().removeprefix("W/") for tag in if_none_match.split(",")):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)

    @property
    def script_hashes(self) -> list[str]:
        return self._hashes


def inline_script_hashes(pages) -> list[str]:
    """CSP source expressions for the inline scripts of the served pages (so no 'unsafe-inline')."""
    hashes: set[str] = set()
    for page in pages:
        for body in _INLINE_SCRIPT.findall(page.decode("utf-8")):
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            hashes.add("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    return sorted(hashes)


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    """The policy of every page (/docs included): everything from this origin, no inline script but the
    hashed ones of the served pages (their import maps). `frame_ancestors` "*" sends no frame-ancestors at
    all: the source "*" matches only network schemes, so it would refuse decks opened from disk (file://),
    data: and about:blank hosts."""
    scripts = " ".join(["'self'", *script_hashes])
    policy = (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'"
    )
    if settings.frame_ancestors != "*":
        policy += f"; frame-ancestors {settings.frame_ancestors}"
    return policy


class SecurityHeaders:
    """Pure ASGI middleware adding CSP and nosniff to every HTTP response (streaming-safe)."""

    def __init__(self, app, settings: Settings, pages: Pages) -> None:
        self.app = app
        self.settings = settings
        self.pages = pages
        self._csp: tuple[list[str], bytes] | None = None

    @property
    def csp(self) -> bytes:
        hashes = self.pages.script_hashes
        if self._csp is None or self._csp[0] is not hashes:
            self._csp = (hashes, content_security_policy(self.settings, hashes).encode())
        return self._csp[1]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":  # after a page request has refreshed the pages
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", self.csp))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"no-referrer"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for these settings (tests pass their own)."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Backprop Playground",
        version=__version__,
        description="Watch backpropagation happen: traces of every forward value and gradient contribution.",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.settings = settings
    app.state.limits = Limits(**settings.limits)
    # Identical traced requests (a hall's followers) computed once; keys hold the version and the limits.
    app.state.trace_cache = TraceCache(
        settings.trace_cache_entries, int(settings.trace_cache_mb * MB),
        namespace=f"{__version__} {code_version()} {app.state.limits!r} {settings.trace_rows}")
    app.state.servers = 0
    app.state.web_build = WebBuild(settings.web_dir, settings.web_build)
    app.state.lessons = Library(settings.lessons_dir, settings.lessons_replace)
    app.state.pages = Pages(settings.web_dir, app.state.web_build)
    errors.install(app)
    for module in (health, ops, vocabulary, datasets, lessons, expressions, export, media, models, training,
                   specs, traces, stream, schema, rooms):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(rooms.pages)  # /join/{code}: the stepper page of a classroom room
    _mount_front_end(app, settings, app.state.pages)
    app.add_middleware(DistFiles, build=app.state.web_build)  # /dist/: the built files, before any routing
    app.add_middleware(JsonBody)  # inside BodyLimit: it reads only bodies of an allowed size
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, settings=settings, pages=app.state.pages)
    app.add_middleware(ClientKey, header=settings.client_ip_header, trusted=settings.trusted_proxies)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the store, hub and CPU job pool at the first start; save and close them when the last server
    of this app stops (tests and fuzzers may run several clients on one app at once)."""
    state = app.state
    logs.install()  # after the server has configured its loggers

    async def start() -> None:
        await _build_routes(app)
        _open_services(state)
        state.sweeper = asyncio.create_task(_expire_unused(state), name="expire-unused-models")

    async def stop() -> None:
        sweeper = state.sweeper
        sweeper.cancel()
        if sweeper.get_loop() is asyncio.get_running_loop():
            await asyncio.gather(sweeper, return_exceptions=True)
        # else it began under another event loop (a test harness's own lifespan), which runs the cancel
        state.jobs.shutdown()
        if getattr(state, "media_jobs", None) is not None:  # a running render's child process is killed
            state.media_jobs.close()
            state.media_jobs = None
        state.hub.close()
        state.hub.store.close()

    async with shared_by_servers(state, "servers", start, stop):
        yield


async def _build_routes(app: FastAPI) -> None:
    """Build before the first request what FastAPI would otherwise build during one: every route's parameter
    fields and response models (made when a router first looks for a match), the OpenAPI document (the 405
    handler reads it) and the trace JSON Schema that /schema/trace serves. Building them makes pydantic
    schemas, and FastAPI silences a pydantic warning there with `warnings.catch_warnings()`, which changes
    the process's filters and is not thread-safe: built inside requests of two apps at once (replicas in one
    test process), one app's restore could turn the other's silenced warning into an exception under a
    strict filter, a 500 to the client. A GET of a path no route matches makes every router resolve its
    routes; its 404 is expected."""
    app.openapi()
    schema.trace_schema()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/\0", "raw_path": b"/%00", "root_path": "", "query_string": b"",
             "headers": [], "client": None, "server": None, "app": app}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        pass

    try:
        await app.router(scope, receive, send)
    except StarletteHTTPException as exc:
        if exc.status_code != 404:
            raise


def _open_services(state) -> None:
    settings: Settings = state.settings
    state.jobs = JobPool(settings.max_cpu_jobs, settings.retry_after_s,
                         per_client=settings.max_cpu_jobs_per_client, heavy_step_s=settings.heavy_step_s)
    state.streams = set()
    state.hub = ModelHub(
        Store(settings.resolved_database_url, max_models=settings.max_models, ttl_s=settings.model_ttl_s,
              max_per_owner=settings.max_models_per_client,
              max_bytes_per_owner=settings.max_model_bytes_per_client,
              reserve_bytes=settings.disk_reserve_mb * MB),
        state.limits,
        capacity=settings.cached_models,
        persist_every_s=settings.persist_every_s,
        capacity_bytes=settings.cached_models_mb * MB,
    )
    state.budget = MemoryBudget(settings.memory_budget_mb * MB, settings.request_memory_mb * MB,
                                settings.retry_after_s)
    state.create_quota = RateQuota(settings.model_creates_per_minute, "model_creates_per_minute",
                                   "creating models")
    start_warming()  # every lesson's facts, once per process, so first lesson loads need no CPU job


async def _expire_unused(state) -> None:
    """Delete models unused for `model_ttl_s`: at startup, then every tenth of that (at most hourly)."""
    every_s = min(3600.0, state.settings.model_ttl_s / 10)
    while True:
        while await asyncio.to_thread(state.hub.store.expire) >= EXPIRE_BATCH:  # not a request's slot
            pass
        await asyncio.sleep(every_s)


def _mount_front_end(app: FastAPI, settings: Settings, pages: Pages) -> None:
    """Swagger UI and the static pages (with their import map filled in); npm packages at /vendor (mounted
    before /)."""
    web = settings.web_dir

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:  # Swagger UI, started by /js/docs.js: no inline script
        return pages.response("docs.html", request.headers.get("if-none-match"))

    @app.get("/embed", include_in_schema=False)
    def embed(request: Request) -> Response:
        return pages.response("embed.html", request.headers.get("if-none-match"))

    @app.get("/studio", include_in_schema=False)
    def studio(request: Request) -> Response:
        return pages.response("studio.html", request.headers.get("if-none-match"))

    app.mount("/vendor", StaticFiles(directory=web / "node_modules", check_dir=False), name="vendor")
    files = _WebFiles(pages, directory=web, html=True, check_dir=False)
    app.router.routes.append(_FrontEnd("/", files, name="web"))


class _WebFiles(StaticFiles):
    """The web directory's files, except that the pages are answered as served (import map filled in)."""

    def __init__(self, pages: Pages, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pages = pages

    async def get_response(self, path: str, scope) -> Response:
        name = "index.html" if path in ("", ".") else path
        if name in PAGES and scope["method"] in ("GET", "HEAD"):
            return self.pages.response(name, Headers(scope=scope).get("if-none-match"))
        response = await super().get_response(path, scope)
        response.headers.setdefault("cache-control", "no-cache")  # plain modules: revalidated (ETag, 304)
        return response


class _FrontEnd(Mount):
    """The static pages at /, except under the API prefix: there a wrong method gets the API route's own
    405 (with its Allow header) and an unknown path a JSON 404, instead of the file server's answer."""

    def matches(self, scope):
        path = scope.get("path", "")
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return Match.NONE, {}
        return super().matches(scope)
