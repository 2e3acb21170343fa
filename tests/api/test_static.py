"""The front end as a CDN would serve it: the pages from the build while it matches its sources (bundled,
content-hashed files under /dist/, immutable, brotli or gzip as asked, 304s), the plain modules when it does
not (development) or when the build is off; the API's fixed answers with an ETag."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil

import pytest

import backprop_playground.webbuild as webbuild
from backprop_playground.settings import DEFAULT_WEB_DIR
from tests.api.conftest import app_client

BUILT = webbuild.WebBuild(DEFAULT_WEB_DIR).fresh()
if not BUILT and os.environ.get("CI"):
    raise RuntimeError("web/dist is missing or stale in CI: `make test` builds it (make deps)")
needs_build = pytest.mark.skipif(not BUILT, reason="web/dist is not built for its sources: run `make build`")

PAGES = {"/": "index.html", "/embed": "embed.html", "/studio": "studio.html", "/docs": "docs.html",
         "/join/ABCDEF": "index.html"}
IMMUTABLE = "max-age=315360000, public, immutable"


def assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/dist/[^"]+)"', html)


@pytest.fixture
def built(tmp_path):
    with app_client(tmp_path) as client:
        yield client


@needs_build
def test_every_page_loads_its_bundles_from_hashed_immutable_urls(built):
    manifest = json.loads((DEFAULT_WEB_DIR / "dist" / "manifest.json").read_text())
    for path, name in PAGES.items():
        page = built.get(path)
        assert page.status_code == 200, path
        urls = assets(page.text)
        assert urls and set(urls) == set(manifest["pages"][name]), path
        assert '<script type="module" src="/js/' not in page.text  # no plain module left
        assert not re.search(r'href="/css/', page.text)
        for url in urls:
            assert re.search(r"-[A-Z2-7]{8}\.(js|css)$", url), url
            answer = built.get(url, headers={"Accept-Encoding": "identity"})
            assert answer.status_code == 200, url
            assert answer.headers["cache-control"] == IMMUTABLE
            assert "content-encoding" not in answer.headers
            assert answer.content == (DEFAULT_WEB_DIR / url[1:]).read_bytes()
    # the join page is the stepper's, the entry preloads its static chunks
    join = built.get("/join/ABCDEF").text
    assert join.count('rel="modulepreload"') == len(manifest["pages"]["index.html"]) - 2


@needs_build
def test_compression_is_negotiated_brotli_gzip_or_none(built):
    url = next(u for u in assets(built.get("/").text) if u.endswith(".js"))
    raw = (DEFAULT_WEB_DIR / url[1:]).read_bytes()
    # httpx would decode gzip itself; read the bytes as sent
    cases = {"gzip, deflate, br": "br", "br;q=1.0, gzip;q=0.8": "br", "gzip, deflate": "gzip", "gzip": "gzip",
             "identity": None, "deflate": None}
    for accept, encoding in cases.items():
        with built.stream("GET", url, headers={"Accept-Encoding": accept}) as answer:
            body = b"".join(answer.iter_raw())
        assert answer.status_code == 200
        assert answer.headers.get("content-encoding") == encoding, accept
        assert "accept-encoding" in answer.headers["vary"].lower()
        assert int(answer.headers["content-length"]) == len(body)
        if encoding == "br":
            assert body == (DEFAULT_WEB_DIR / (url[1:] + ".br")).read_bytes() and len(body) < len(raw) / 3
        elif encoding == "gzip":
            assert gzip.decompress(body) == raw
        else:
            assert body == raw


@needs_build
def test_conditional_requests_get_304_and_unknown_files_404(built):
    url = assets(built.get("/embed").text)[0]
    first = built.get(url, headers={"Accept-Encoding": "br"})
    again = built.get(url, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    since = built.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    assert built.get("/dist/js/nothing-AAAAAAAA.js").status_code == 404
    assert built.get("/dist/%2e%2e/index.html").status_code == 404  # only the build's own names
    assert built.post(url).status_code == 405
    assert built.head(url).status_code == 200


def test_pages_carry_an_etag_and_are_revalidated(tmp_path):
    with app_client(tmp_path) as client:
        for path in PAGES:
            page = client.get(path)
            assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]
            again = client.get(path, headers={"If-None-Match": page.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
            assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_with_the_build_off_the_plain_modules_are_served(tmp_path):
    with app_client(tmp_path, web_build="off") as client:
        page = client.get("/").text
        assert '<script type="module" src="/js/stepper/main.js"></script>' in page
        assert '<link rel="stylesheet" href="/css/app.css">' in page and not assets(page)
        module = client.get("/js/stepper/main.js")
        assert module.status_code == 200 and module.headers["cache-control"] == "no-cache"
        assert client.get("/js/stepper/main.js",
                          headers={"If-None-Match": module.headers["etag"]}).status_code == 304


@needs_build
def test_a_source_changed_after_the_build_is_served_as_it_is_until_the_next_build(tmp_path, monkeypatch):
    """Development: edit a module, reload, and see the edit (the build would be stale); the build is
    served again once it matches the sources."""
    monkeypatch.setattr(webbuild, "CHECK_EVERY_S", 0.0)
    web = tmp_path / "web"
    shutil.copytree(DEFAULT_WEB_DIR, web, ignore=shutil.ignore_patterns("node_modules"))
    with app_client(tmp_path, web_dir=web) as client:
        assert assets(client.get("/").text)
        module = web / "js" / "stepper" / "player.js"
        original = module.read_bytes()
        module.write_bytes(original + b"\n// edited\n")
        page = client.get("/").text
        assert not assets(page) and 'src="/js/stepper/main.js"' in page
        assert client.get("/js/stepper/player.js").text.endswith("// edited\n")
        module.write_bytes(original)
        assert assets(client.get("/").text)
        (web / "dist" / "manifest.json").unlink()  # no build at all: the plain modules
        assert 'src="/js/stepper/main.js"' in client.get("/").text


def test_the_fixed_api_answers_carry_an_etag_and_answer_304(tmp_path):
    with app_client(tmp_path) as client:
        for path in ("/api/v1/ops", "/api/v1/lessons", "/api/v1/lessons/xor-relu",
                     "/api/v1/expressions/functions"):
            first = client.get(path)
            assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
            assert client.get(path).content == first.content  # encoded once, the same bytes
            again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert again.status_code == 304 and again.content == b"", path
        lesson = client.get("/api/v1/lessons/xor-relu").json()
        assert lesson["id"] == "xor-relu" and lesson["facts"]
        assert all(value is not None for fact in lesson["facts"] for value in fact.values())  # exclude_none
        assert client.get("/api/v1/lessons/nope").status_code == 404


def test_the_fixed_api_answers_go_gzip_compressed_where_the_browser_accepts_it(tmp_path):
    with app_client(tmp_path) as client:
        with client.stream("GET", "/api/v1/ops", headers={"Accept-Encoding": "gzip, br"}) as answer:
            zipped = b"".join(answer.iter_raw())
        assert answer.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in answer.headers["vary"].lower()
        with client.stream("GET", "/api/v1/ops", headers={"Accept-Encoding": "identity"}) as answer:
            plain = b"".join(answer.iter_raw())
        assert "content-encoding" not in answer.headers
        assert gzip.decompress(zipped) == plain and len(zipped) < len(plain) / 3
        assert json.loads(plain)[0]["name"]
        # either representation's tag revalidates
        tag = client.get("/api/v1/ops", headers={"Accept-Encoding": "gzip"}).headers["etag"]
        again = client.get("/api/v1/ops", headers={"Accept-Encoding": "identity", "If-None-Match": tag})
        assert again.status_code == 304
