from server import __version__


def test_health_answers_ok_and_version(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_security_headers_allow_embedding_by_default(client):
    response = client.get("/api/v1/health")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors *" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_frame_ancestors_is_configurable(tmp_path):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, frame_ancestors="'self' https://slides.example.org"))
    with TestClient(app) as client:
        csp = client.get("/").headers["content-security-policy"]
    assert "frame-ancestors 'self' https://slides.example.org" in csp


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
