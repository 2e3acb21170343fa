"""The pages as served: one import map (web/importmap.json) filled into each, CSP hashes of what is served."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil

IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)
INLINE = re.compile(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>(.*?)</script>', re.S)
VOCABULARY = re.compile(r'<script type="application/json" id="vocabulary">(.*?)</script>', re.S)
PATHS = {"/": "index.html", "/index.html": "index.html", "/embed": "embed.html", "/embed.html": "embed.html",
         "/studio": "studio.html", "/studio.html": "studio.html"}


def script_sources(csp: str) -> set[str]:
    return set(csp.split("script-src ")[1].split(";")[0].split()) - {"'self'"}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_page_is_served_with_the_one_import_map(client, settings):
    expected = json.loads((settings.web_dir / "importmap.json").read_text())
    for path in PATHS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        maps = IMPORT_MAP.findall(response.text)
        assert len(maps) == 1, path
        assert json.loads(maps[0]) == expected, path
        assert "data-fill" not in response.text, path


def test_every_page_carries_the_vocabulary_the_api_serves(client):
    """The pages read the server's words from the page itself (web/js/shared/vocabulary.js): no request of
    their own, the join page's included."""
    words = client.get("/api/v1/vocabulary").json()
    for path in [*PATHS, "/join/ABCDEF"]:
        found = VOCABULARY.findall(client.get(path).text)
        assert len(found) == 1 and json.loads(found[0]) == words, path


def test_the_csp_allows_exactly_the_inline_scripts_served(client):
    served = {sha256(body) for path in PATHS for body in INLINE.findall(client.get(path).text)}
    assert served  # the import maps
    for path in [*PATHS, "/docs", "/api/v1/health"]:
        assert script_sources(client.get(path).headers["content-security-policy"]) == served, path


def test_a_changed_import_map_is_served_with_its_new_hash(tmp_path, settings):
    """Pages are read at startup and again when a file changes: the CSP follows what is served."""
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    web = tmp_path / "web"
    web.mkdir()
    for name in ("index.html", "importmap.json"):
        shutil.copy(settings.web_dir / name, web / name)
    app = create_app(Settings(data_dir=tmp_path, database_url=None, web_dir=web))
    with TestClient(app) as client:
        before = client.get("/")
        map_file = web / "importmap.json"
        changed = json.loads(map_file.read_text())
        changed["imports"]["extra"] = "/js/extra.js"
        map_file.write_text(json.dumps(changed, indent=2))
        after = client.get("/")
    assert json.loads(IMPORT_MAP.search(after.text).group(1)) == changed
    old, new = (script_sources(r.headers["content-security-policy"]) for r in (before, after))
    assert old != new and new == {sha256(IMPORT_MAP.search(after.text).group(1))}
