"""Replicas sharing one database: a model's writes never interleave, no step is lost or applied twice.

Two apps (two hubs with their own caches, as two server processes have) on one SQLite file or one
PostgreSQL database, stepping the same model in turn and at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backprop_playground.app import create_app
from backprop_playground.hub import ModelConflict
from backprop_playground.nets.limits import DEFAULT_LIMITS
from backprop_playground.nets.model import Model
from backprop_playground.settings import Settings
from backprop_playground.store import StaleRevision, Store
from tests.api.conftest import MOONS, create


def replica(database_url: str, tmp_path, name: str) -> TestClient:
    (tmp_path / name).mkdir(exist_ok=True)
    settings = Settings(data_dir=tmp_path / name, database_url=database_url, model_creates_per_minute=0)
    return TestClient(create_app(settings))


def replay(spec_state: dict, steps: int) -> list:
    """The parameters after `steps` sequential steps from the created state, in one process."""
    model = Model.from_state(spec_state, DEFAULT_LIMITS)
    for _ in range(steps):
        model.step()
    return model.to_state()["params"]


def test_a_save_over_an_old_revision_is_refused(store):
    model_id, _ = store.create({"n": 0})
    assert store.get(model_id).revision == 0
    assert store.save_over(model_id, {"n": 1}, 0) == 1
    with pytest.raises(StaleRevision):
        store.save_over(model_id, {"n": 2}, 0)  # a second writer that loaded revision 0
    assert store.get(model_id).state == {"n": 1} and store.revision(model_id) == 1
    assert store.save(model_id, {"n": 3}) and store.revision(model_id) == 2  # an unconditional save bumps it
    store.delete(model_id)
    assert store.save_over(model_id, {"n": 4}, 2) is None and store.revision(model_id) is None


def test_a_table_without_revisions_gets_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    model_id, _ = old.create({"n": 0})
    with old.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE models DROP COLUMN revision")
    old.close()
    store = Store(url)
    assert store.get(model_id).revision == 0 and store.save_over(model_id, {"n": 1}, 0) == 1
    store.close()


def test_steps_alternating_between_replicas_all_count(database_url, tmp_path):
    with replica(database_url, tmp_path, "a") as a, replica(database_url, tmp_path, "b") as b:
        model = create(a, MOONS)
        created = a.app.state.hub.store.get(model.id).state
        steps = 0
        for i in range(10):
            client = (a, b)[i % 2]
            response = client.post(f"{model.url}/step", headers=model.auth)
            assert response.status_code == 200, response.text
            steps += 1
            assert response.json()["step"] == steps  # each replica saw the other's steps
        trained = client.post(f"{model.url}/train", json={"steps": 5}, headers=model.auth).json()
        assert trained["step"] == 15
        assert a.get(model.url).json()["step"] == b.get(model.url).json()["step"] == 15
        params = b.app.state.hub.store.get(model.id).state["params"]
    assert _same(params, replay(created, 15))


def test_concurrent_steps_on_two_replicas_are_serialised_by_the_store(database_url, tmp_path):
    accepted, refused, errors = [], [], []
    with replica(database_url, tmp_path, "a") as a, replica(database_url, tmp_path, "b") as b:
        model = create(a, MOONS)
        created = a.app.state.hub.store.get(model.id).state

        def hammer(client: TestClient) -> None:
            for _ in range(12):
                response = client.post(f"{model.url}/step", headers=model.auth)
                if response.status_code == 200:
                    accepted.append(response.json()["step"])
                elif response.status_code == 409:
                    refused.append(response.json())
                else:
                    errors.append(response.text)

        threads = [threading.Thread(target=hammer, args=(c,)) for c in (a, b, a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = a.get(model.url).json()["step"]
        params = a.app.state.hub.store.get(model.id).state["params"]
    assert not errors
    # Every accepted step is in the saved model exactly once: step numbers are distinct and count them all.
    assert sorted(accepted) == list(range(1, len(accepted) + 1)) and final == len(accepted)
    assert len(accepted) + len(refused) == 48 and len(accepted) > 0
    assert _same(params, replay(created, final))


def test_a_stale_copy_is_reloaded_not_saved_over(database_url, tmp_path):
    """Replica A caches the model, B steps it twice; A's next step starts from B's save."""
    with replica(database_url, tmp_path, "a") as a, replica(database_url, tmp_path, "b") as b:
        model = create(a, MOONS)
        assert a.post(f"{model.url}/step", headers=model.auth).json()["step"] == 1
        for _ in range(2):
            b.post(f"{model.url}/step", headers=model.auth)
        assert a.get(model.url).json()["step"] == 3  # a read sees the newer save too
        assert a.post(f"{model.url}/step", headers=model.auth).json()["step"] == 4


def test_unsaved_changes_lose_to_a_newer_save_with_a_conflict(database_url, tmp_path):
    """A live copy with unsaved stream steps never overwrites another replica's save: it answers
    ModelConflict and is dropped, so the next use reloads the saved model."""
    with replica(database_url, tmp_path, "a") as a, replica(database_url, tmp_path, "b") as b:
        model = create(a, MOONS)
        hub_a = a.app.state.hub
        live = hub_a.get(model.id)
        with live.held(1.0) as m:
            m.step()
            hub_a.save_if_due(live, every_s=3600)  # stepped, not yet saved (as a stream between saves)
        b.post(f"{model.url}/step", headers=model.auth)
        with live.lock, pytest.raises(ModelConflict):
            hub_a.save(live)
        assert a.post(f"{model.url}/step", headers=model.auth).json()["step"] == 2
        assert b.get(model.url).json()["step"] == 2


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and a and isinstance(a[0], dict | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


def test_a_stream_on_a_stale_copy_closes_4409_and_a_new_one_resumes_from_the_save(database_url, tmp_path):
    with replica(database_url, tmp_path, "a") as a, replica(database_url, tmp_path, "b") as b:
        model = create(a, MOONS)
        with a.websocket_connect(f"{model.url}/stream") as ws:
            ws.send_json({"type": "auth", "token": model.token})
            ws.send_json({"type": "step", "count": 1})
            assert ws.receive_json()["type"] == "trace"
            assert b.post(f"{model.url}/step", headers=model.auth).status_code == 200
            a.app.state.hub.get(model.id).saved_at = 0.0  # the next stream step saves (a periodic save)
            ws.send_json({"type": "step", "count": 1})
            messages = []
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    messages.append(ws.receive_json())
        assert closed.value.code == 4409 and "another server replica" in messages[-1]["detail"]
        with a.websocket_connect(f"{model.url}/stream") as ws:
            ws.send_json({"type": "auth", "token": model.token})
            ws.send_json({"type": "step", "count": 1})
            frame = ws.receive_json()
        assert frame["type"] == "trace" and frame["step"] == 2  # from B's save (step 1), then this one
