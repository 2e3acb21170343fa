"""The hub over each database: models live across app restarts, deletes and evictions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.api.conftest import MOONS, create


def app_on(database_url: str, tmp_path, **overrides):
    return create_app(Settings(data_dir=tmp_path, database_url=database_url, **overrides))


def test_trained_model_outlives_the_app(database_url, tmp_path):
    with TestClient(app_on(database_url, tmp_path)) as client:
        model = create(client, MOONS)
        client.post(f"{model.url}/train", json={"steps": 7}, headers=model.auth)
        before = client.get(model.url).json()
    with TestClient(app_on(database_url, tmp_path)) as client:
        after = client.get(model.url).json()
        stepped = client.post(f"{model.url}/step", headers=model.auth).json()["step"]
    assert after == before and after["step"] == 7 and stepped == 8


def test_streamed_steps_are_saved_when_the_stream_closes(database_url, tmp_path):
    with TestClient(app_on(database_url, tmp_path, stream_persist_every_s=3600)) as client:
        model = create(client, MOONS)
        with client.websocket_connect(f"{model.url}/stream?token={model.token}") as ws:
            ws.send_text('{"type": "step", "count": 3}')
            for _ in range(3):
                ws.receive_json()
    with TestClient(app_on(database_url, tmp_path)) as client:
        assert client.get(model.url).json()["step"] == 3


def test_evicted_models_reload_with_their_state(database_url, tmp_path):
    with TestClient(app_on(database_url, tmp_path, cached_models=2)) as client:
        models = [create(client, MOONS) for _ in range(4)]
        for i, model in enumerate(models):
            client.post(f"{model.url}/train", json={"steps": i + 1}, headers=model.auth)
        assert len(client.app.state.hub._live) <= 2
        assert [client.get(m.url).json()["step"] for m in models] == [1, 2, 3, 4]


def test_deleted_model_is_gone_after_restart(database_url, tmp_path):
    with TestClient(app_on(database_url, tmp_path)) as client:
        model = create(client, MOONS)
        assert client.delete(model.url, headers=model.auth).status_code == 204
    with TestClient(app_on(database_url, tmp_path)) as client:
        assert client.get(model.url).status_code == 404
