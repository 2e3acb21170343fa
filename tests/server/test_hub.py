"""The hub over each database: models live across app restarts, deletes and evictions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backprop_playground.app import create_app
from backprop_playground.settings import Settings
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
            step = 0
            while step < 3:  # a slow reader may skip frames (the newest replaces an unread one)
                step = ws.receive_json()["step"]
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


def _hub(tmp_path, **kwargs):
    from backprop_playground.hub import ModelHub
    from backprop_playground.nets.limits import DEFAULT_LIMITS
    from backprop_playground.nets.spec import ModelSpec
    from backprop_playground.store import Store

    hub = ModelHub(Store(f"sqlite:///{tmp_path / 'hub.db'}"), DEFAULT_LIMITS, capacity=8, persist_every_s=60,
                   **kwargs)
    live, token = hub.create(ModelSpec.model_validate(MOONS))
    return hub, live, token


def test_reads_of_a_changing_model_copy_its_state_at_a_bounded_rate(tmp_path):
    import time

    from backprop_playground.hub import SNAPSHOT_EVERY_S

    hub, live, _ = _hub(tmp_path)
    started = time.monotonic()
    copies = []
    to_state = live.model.to_state
    live.model.to_state = lambda: copies.append(1) or to_state()
    steps = []
    for _ in range(50):  # a share link read in a loop while the owner's stream steps
        with live.held(1.0) as model:
            model.take_step()
            hub.save_if_due(live, 60)
        steps.append(hub.state(live.id)["step"])
    most = 1 + (time.monotonic() - started) / SNAPSHOT_EVERY_S  # before: one copy per read (50)
    assert len(copies) <= most and steps[0] == 1 and steps == sorted(steps)


def test_a_read_never_waits_for_the_models_lock(tmp_path):
    import threading

    hub, live, _ = _hub(tmp_path)
    with live.held(1.0) as model:
        model.take_step()
        hub.save_if_due(live, 60)
    held, release = threading.Event(), threading.Event()

    def holder():
        with live.held(1.0):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(30)
    live.lock = spy = _WaitSpyLock(live.lock)  # the holder releases the same lock through the spy
    try:
        state = [hub.state(live.id) for _ in range(20)][-1]
        done_while_held = not release.is_set()
    finally:
        release.set()
        thread.join()
    # No clock: every read returned while another thread held the lock, and none asked to wait for it
    # (before, each read waited up to 50 ms for the lock).
    assert state["step"] == 0 and done_while_held and spy.calls and not any(spy.calls)


class _WaitSpyLock:
    """A lock that records, for each acquire, whether the caller was willing to wait."""

    def __init__(self, lock) -> None:
        self.lock, self.calls = lock, []

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        self.calls.append(bool(blocking) and timeout != 0)
        return self.lock.acquire(blocking, timeout)

    def release(self) -> None:
        self.lock.release()


def test_deleting_a_model_stops_its_training_and_it_stays_deleted(tmp_path):
    import threading
    import time

    hub, live, token = _hub(tmp_path)
    outcome, training = {}, threading.Event()

    def progress(step, loss, accuracy):
        if step >= 5:
            training.set()

    def train():
        try:
            outcome["result"] = hub.train(live.id, token, 100_000, every=1, on_progress=progress)
        except Exception as exc:  # the final save may find the model gone
            outcome["error"] = exc

    thread = threading.Thread(target=train)
    thread.start()
    assert training.wait(30)
    hub.delete(live.id, token)
    thread.join(timeout=30)  # a bound only a failure reaches: a step is milliseconds
    stopped = not thread.is_alive()
    time.sleep(0.2)
    assert stopped, "training went on after DELETE"
    if "result" in outcome:
        assert outcome["result"].stopped and outcome["result"].steps < 100_000
    assert hub.store.get(live.id) is None


def test_a_streamed_history_is_appended_by_each_save_and_reads_back_exactly(database_url, monkeypatch):
    """A stream's periodic saves append the history's new entries (thinning and reset write it again); a
    fresh store over the database reads the model back bit-exact, its history whole."""
    from sqlalchemy import text

    from backprop_playground.hub import ModelHub
    from backprop_playground.nets import training
    from backprop_playground.nets.limits import DEFAULT_LIMITS
    from backprop_playground.nets.spec import ModelSpec
    from backprop_playground.store import Store

    monkeypatch.setattr(training, "MAX_HISTORY", 40)  # thinned after 40 rows, several times below

    def chunks(store: Store, model_id: str) -> int:
        with store.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM model_history WHERE model_id = :i"),
                                {"i": model_id}).scalar()

    hub = ModelHub(Store(database_url), DEFAULT_LIMITS, capacity=4, persist_every_s=0.0)
    live, _ = hub.create(ModelSpec.model_validate(MOONS))
    counts = []
    for round_ in range(30):
        with live.held(1.0) as model:
            if round_ == 20:
                model.reset()
            for _ in range(7):
                model.take_step()
            assert hub.save_if_due(live) is None
        counts.append(chunks(hub.store, live.id))
    assert max(counts) > 3 and 1 in counts[5:]  # appended between rewrites (thinned, reset)
    expected = live.model.to_state()
    again = Store(database_url)
    try:
        assert again.get(live.id).state == expected
    finally:
        again.close()
        hub.store.close()
