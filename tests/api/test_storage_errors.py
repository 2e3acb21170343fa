"""Storage failures through the API: a full database answers 507 and deletes still work and make room; a
read-only one answers 503 with the reason and Retry-After on writes while reads go on; a client's stored
bytes are capped (429); a stream whose periodic save fails keeps running and says why."""

from __future__ import annotations

import copy
import json
import logging

from tests.api.conftest import MOONS, app_client, create
from tests.storage_faults import make_read_only, on_every_connection, page_count
from tests.waiting import wait_until

# About 0.35 MB stored: 2 × 128 hidden units, 17,000 parameters.
WIDE = {**copy.deepcopy(MOONS), "name": "wide",
        "hidden": [{"units": 128, "activation": "tanh"}, {"units": 128, "activation": "tanh"}]}


def store_of(client):
    return client.app.state.hub.store


def test_a_full_database_answers_507_and_a_delete_makes_room(client, caplog):
    first = create(client, WIDE)
    store = store_of(client)
    on_every_connection(store, f"PRAGMA max_page_count={page_count(store) + 16}")
    with caplog.at_level(logging.WARNING, logger="backprop_playground.store"):
        full = client.post("/api/v1/models", json=WIDE)
    assert full.status_code == 507, full.text[:300]
    assert "full" in full.json()["detail"] and "DELETE" in full.json()["detail"]
    assert [r.getMessage() for r in caplog.records if "storing a new model" in r.getMessage()], caplog.text
    assert client.get(first.url).status_code == 200  # reads go on
    assert client.delete(first.url, headers=first.auth).status_code == 204
    again = create(client, WIDE)  # in the pages the delete freed
    assert client.get(again.url).json()["spec"]["name"] == "wide"


def test_a_read_only_database_answers_503_with_the_reason_and_reads_go_on(client, moons, caplog):
    lift = make_read_only(store_of(client))
    with caplog.at_level(logging.WARNING, logger="backprop_playground.store"):
        refused = client.post("/api/v1/models", json=MOONS)
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("storing a new model")]
    assert len(said) == 1 and "the database is read-only" in said[0]  # one line says why
    writes = [refused,
              client.post(f"{moons.url}/step", headers=moons.auth),
              client.post(f"{moons.url}/reset", headers=moons.auth),
              client.post(f"{moons.url}/train", json={"steps": 3}, headers=moons.auth),
              client.delete(moons.url, headers=moons.auth)]
    for response in writes:
        assert response.status_code == 503, response.text[:300]
        assert "read-only" in response.json()["detail"] and int(response.headers["Retry-After"]) > 0
    assert client.get(moons.url).status_code == 200
    assert client.get(f"{moons.url}/trace").status_code == 200
    assert client.post(f"{moons.url}/predict", json={"x": [[0, 1]]}).status_code == 200
    lift()
    assert client.delete(moons.url, headers=moons.auth).status_code == 204


def stored_size(client, model) -> int:
    with store_of(client).engine.connect() as conn:
        return conn.exec_driver_sql("SELECT state_bytes FROM models WHERE id = ?", (model.id,)).scalar()


def test_a_client_over_its_share_of_bytes_gets_429_naming_the_setting(tmp_path, client):
    size = stored_size(client, create(client, WIDE))
    share = int(2.5 * size)
    with app_client(tmp_path / "capped", max_model_bytes_per_client=share) as capped:
        first = create(capped, WIDE)
        create(capped, WIDE)
        over = capped.post("/api/v1/models", json=WIDE)
        assert over.status_code == 429, over.text[:300]
        assert f"exceed the limit of {share:,} (max_model_bytes_per_client)" in over.json()["detail"]
        assert int(over.headers["Retry-After"]) > 0
        assert capped.delete(first.url, headers=first.auth).status_code == 204
        create(capped, WIDE)


def test_a_stream_whose_save_fails_goes_on_and_says_why(tmp_path):
    with app_client(tmp_path, stream_persist_every_s=0.0) as client:
        moons = create(client, MOONS)
        with client.websocket_connect(f"{moons.url}/stream") as ws:
            ws.send_text(json.dumps({"type": "auth", "token": moons.token}))
            ws.send_text(json.dumps({"type": "step"}))
            assert ws.receive_json()["step"] == 1
            lift = make_read_only(store_of(client))
            ws.send_text(json.dumps({"type": "step", "count": 2}))
            errors, step = [], 1
            while step < 3:  # errors are never dropped; a trace may be (the newest one wins)
                message = ws.receive_json()
                if message["type"] == "error":
                    errors.append(message["detail"])
                else:
                    step = message["step"]
            assert errors and all("read-only" in e and "the stream goes on" in e for e in errors), errors
            lift()
            ws.send_text(json.dumps({"type": "step"}))
            message = ws.receive_json()
            assert message["type"] == "trace" and message["step"] == 4, message
        # Every step reached the store: the ones taken while it was read-only were kept in memory.
        wait_until(lambda: store_of(client).get(moons.id).state["step"] == 4, "the stream's steps are saved")
