import re

import pytest

from backprop_playground import __version__


def test_health_answers_ok_and_version(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_security_headers_allow_embedding_by_default(client):
    """No frame-ancestors: its "*" would refuse decks opened from disk (file://), data: and about:blank."""
    for path in ("/api/v1/health", "/embed", "/"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors" not in csp
        assert "x-frame-options" not in response.headers
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert response.headers["x-content-type-options"] == "nosniff"


def test_frame_ancestors_is_configurable(tmp_path):
    from fastapi.testclient import TestClient

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, frame_ancestors="'self' https://slides.example.org"))
    with TestClient(app) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert csp.endswith("; frame-ancestors 'self' https://slides.example.org")


@pytest.mark.parametrize(
    "value", ["", "   ", "'self'; script-src *", "https://a.example, https://b.example", "'self'\x00"]
)
def test_frame_ancestors_must_be_one_source_list(tmp_path, value):
    """Nothing an operator writes there can end the directive and start another one."""
    from pydantic import ValidationError

    from backprop_playground.settings import Settings

    with pytest.raises(ValidationError, match="frame_ancestors"):
        Settings(data_dir=tmp_path, frame_ancestors=value)


def test_frame_ancestors_whitespace_is_normalised(tmp_path):
    from backprop_playground.settings import Settings

    settings = Settings(data_dir=tmp_path, frame_ancestors="  'self'\n  https://slides.example.org ")
    assert settings.frame_ancestors == "'self' https://slides.example.org"


def test_front_end_and_vendor_packages_are_served(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Backprop Playground" in page.text
    assert client.get("/favicon.svg").status_code == 200
    assert client.get("/vendor/@dagrejs/dagre/dist/dagre.esm.js").status_code == 200


def test_openapi_and_offline_docs(client):
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Backprop Playground"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in docs.text
    # the pages' policy, which runs no inline script: Swagger UI is started by a file
    assert docs.headers["content-security-policy"] == client.get("/").headers["content-security-policy"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", docs.text) == []
    assert client.get("/js/docs.js").status_code == 200
    assert client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_the_reveal_plugin_is_served_as_a_classic_script(client):
    """Decks opened from disk load it across origins, where only a classic script needs no CORS."""
    plugin = client.get("/plugins/reveal-backprop.js")
    assert plugin.status_code == 200
    assert "javascript" in plugin.headers["content-type"]
    assert "RevealBackprop" in plugin.text
    assert "\nexport " not in plugin.text and "\nimport " not in plugin.text


def test_a_wrong_method_answers_405_naming_every_allowed_method(client):
    response = client.put("/api/v1/models/abc")
    assert response.status_code == 405 and response.json()["detail"]
    assert set(response.headers["allow"].split(", ")) == {"GET", "DELETE"}
    assert set(client.get("/api/v1/models/abc/step").headers["allow"].split(", ")) == {"POST"}
