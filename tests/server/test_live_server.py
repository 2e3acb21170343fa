"""A real uvicorn process: models survive a restart and a kill -9 during training; clients may leave."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import MOONS
from tests.processes import Server
from tests.waiting import wait_until

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path


def _create(url: str) -> tuple[str, dict[str, str]]:
    body = httpx.post(f"{url}/api/v1/models", json=MOONS, timeout=30).json()
    return body["id"], {"Authorization": f"Bearer {body['edit_token']}"}


def _reopen(data_dir: Path, model_id: str, then=lambda url: None):
    """Just after a kill: (its time, the model a new server over `data_dir` reads, `then(url)` there)."""
    killed_at = time.monotonic()
    server = Server(data_dir)
    try:
        return killed_at, httpx.get(f"{server.url}/api/v1/models/{model_id}").json(), then(server.url)
    finally:
        server.stop()


def test_model_survives_a_restart(data_dir):
    server = Server(data_dir)
    try:
        model_id, auth = _create(server.url)
        trained = httpx.post(f"{server.url}/api/v1/models/{model_id}/train", json={"steps": 25},
                             headers=auth, timeout=30).json()
        before = httpx.get(f"{server.url}/api/v1/models/{model_id}").json()
    finally:
        server.stop()
    server = Server(data_dir)
    try:
        after = httpx.get(f"{server.url}/api/v1/models/{model_id}").json()
        stepped = httpx.post(f"{server.url}/api/v1/models/{model_id}/step", headers=auth, timeout=30)
    finally:
        server.stop()
    assert trained["step"] == 25 and after == before
    assert stepped.status_code == 200 and stepped.json()["step"] == 26


def test_kill_9_during_training_loses_at_most_the_last_interval(data_dir):
    server = Server(data_dir, BACKPROP_REQUEST_TIME_BUDGET_S="60")
    model_id, auth = _create(server.url)
    headers = {**auth, "Accept": "application/x-ndjson"}
    seen: list[tuple[float, int]] = []  # (when the client read it, step)
    sent: list[int] = []  # the steps of every line the server wrote before it died, read or not
    try:
        with httpx.stream("POST", f"{server.url}/api/v1/models/{model_id}/train", headers=headers,
                          json={"steps": 100_000, "every": 50}, timeout=30) as response:
            lines = response.iter_lines()
            for line in lines:
                seen.append((time.monotonic(), json.loads(line)["step"]))
                if seen[-1][0] - seen[0][0] > 2.0:  # ten persistence intervals after the first line
                    break
            server.kill()
            sent.extend(_steps_of(lines))  # what was still on its way when the server died
    except httpx.HTTPError:  # closing the stream of a killed server may fail; that is the point
        pass
    finally:
        server.kill()
    killed_at, model, again = _reopen(data_dir, model_id, lambda url: httpx.post(
        f"{url}/api/v1/models/{model_id}/train", json={"steps": 5}, headers=auth, timeout=30))
    # Saved every 0.2 s while training: every step the client had seen 1 s before the kill (0.2 s plus
    # slack for a busy machine) is kept; nothing is invented: at most the 49 steps after the last line
    # the server wrote (however far the client's reading lagged behind its writing).
    kept = max(step for when, step in seen if when <= killed_at - 1.0)
    assert kept <= model["step"] <= max(sent + [seen[-1][1]]) + 50
    assert model["metrics"]["step"] == model["step"] and model["history"][-1]["step"] <= model["step"]
    assert again.status_code == 200, again.text
    assert again.json()["step"] == model["step"] + 5


def _steps_of(lines) -> list[int]:
    """The steps of the complete NDJSON lines left in a response whose server has died."""
    steps = []
    try:
        for line in lines:
            try:
                steps.append(json.loads(line)["step"])
            except ValueError:  # the last line, cut off
                break
    except httpx.HTTPError:
        pass
    return steps


def test_leaving_an_ndjson_stream_stops_training_and_frees_the_slot(data_dir):
    server = Server(data_dir, BACKPROP_MAX_CPU_JOBS="1", BACKPROP_REQUEST_TIME_BUDGET_S="60")
    try:
        model_id, auth = _create(server.url)
        headers = {**auth, "Accept": "application/x-ndjson"}
        with httpx.stream("POST", f"{server.url}/api/v1/models/{model_id}/train", headers=headers,
                          json={"steps": 100_000, "every": 10}, timeout=30) as response:
            lines = response.iter_lines()  # keep the iterator: dropping it closes the response
            next(lines)
            busy = httpx.get(f"{server.url}/api/v1/datasets/xor", timeout=10)
        free = wait_until(lambda: _ok(httpx.get(f"{server.url}/api/v1/datasets/xor", timeout=10)),
                          "the training's slot is free once its client has left")
        first = httpx.get(f"{server.url}/api/v1/models/{model_id}").json()["step"]
        time.sleep(0.3)  # a training still running would step meanwhile (its slot is free: it is not)
        second = httpx.get(f"{server.url}/api/v1/models/{model_id}").json()["step"]
    finally:
        server.stop()
    assert busy.status_code == 503 and busy.headers["retry-after"]
    assert free.status_code == 200 and first == second < 100_000


def _ok(response: httpx.Response) -> httpx.Response | None:
    return response if response.status_code == 200 else None


def _ws_url(server: Server, model_id: str, query: str = "") -> str:
    return f"ws://127.0.0.1:{server.port}/api/v1/models/{model_id}/stream{query}"


def test_the_edit_token_never_reaches_the_servers_log(data_dir):
    from websockets.sync.client import connect

    server = Server(data_dir, log_level="info")
    try:
        model_id, auth = _create(server.url)
        token = auth["Authorization"].removeprefix("Bearer ")
        with connect(_ws_url(server, model_id)) as ws:  # the token in the first message
            ws.send(json.dumps({"type": "auth", "token": token}))
            ws.send(json.dumps({"type": "step"}))
            first = json.loads(ws.recv(timeout=30))
        with connect(_ws_url(server, model_id, f"?token={token}")) as ws:  # the older way: in the URL
            ws.send(json.dumps({"type": "step"}))
            second = json.loads(ws.recv(timeout=30))
    finally:
        server.stop()
    log = server.log.read_text()
    assert first["step"] == 1 and second["step"] == 2
    assert "WebSocket /api/v1/models/" in log  # the access lines are there...
    assert token not in log and "token=…" in log  # ...without the token


def _play_then_kill(server, model_id: str, token: str, rate) -> list[tuple[float, int]]:
    """Play the model's stream at `rate` for six seconds after its first frame, noting when each step
    (traced, or in a progress message) arrived, then kill -9 the server."""
    from websockets.sync.client import connect

    seen: list[tuple[float, int]] = []
    try:
        with connect(_ws_url(server, model_id), max_size=2**24) as ws:
            ws.send(json.dumps({"type": "auth", "token": token}))
            ws.send(json.dumps({"type": "play", "rate": rate}))
            while not seen or seen[-1][0] - seen[0][0] < 6.0:
                message = json.loads(ws.recv(timeout=30))
                if message["type"] == "progress":
                    seen.append((time.monotonic(), message["steps"][1]))
                elif message["type"] == "trace":
                    seen.append((time.monotonic(), message["step"]))
            server.kill()
    except Exception:  # the socket of a killed server may fail to close; that is the point
        pass
    finally:
        server.kill()
    return seen


def test_kill_9_while_a_stream_plays_loses_at_most_the_persist_interval(data_dir):
    server = Server(data_dir)  # streams save every stream_persist_every_s, 2 s by default
    model_id, auth = _create(server.url)
    token = auth["Authorization"].removeprefix("Bearer ")
    rate = 30
    started = time.monotonic()
    seen = _play_then_kill(server, model_id, token, rate)
    killed_at, model, _ = _reopen(data_dir, model_id)
    # Saved every 2 s: every step seen 3.5 s before the kill (2 s plus slack for a busy machine) is kept.
    # Before streams saved as often as training (every 15 s), nothing of these 6 s was kept. Nothing is
    # invented: play paces the steps, so the server made at most `rate` a second while it lived (it may
    # have stepped ahead of what a slow client read, as frames are latest-wins).
    kept = max(step for when, step in seen if when <= killed_at - 3.5)
    assert kept >= 10 and kept <= model["step"] <= rate * (killed_at - started) + 2


def test_kill_9_while_a_stream_fast_forwards_loses_at_most_the_persist_interval(data_dir):
    """The same at "max": every step whose loss arrived 3.5 s before the kill is kept, and the saved history
    (a row per step at first) came back with it."""

    server = Server(data_dir)
    model_id, auth = _create(server.url)
    token = auth["Authorization"].removeprefix("Bearer ")
    seen = _play_then_kill(server, model_id, token, "max")
    killed_at, model, _ = _reopen(data_dir, model_id)
    kept = max(step for when, step in seen if when <= killed_at - 3.5)
    assert kept >= 10 and kept <= model["step"] <= seen[-1][1] + 10_000
    assert model["history"] and model["history"][-1]["step"] <= model["step"]
    # A long history, saved in chunks appended every 2 s and rewritten when thinned: it reads back whole,
    # every stride-th step up to the saved one, none missing, none twice.
    steps = [entry["step"] for entry in model["history"]]
    stride = steps[1] - steps[0] if len(steps) > 1 else 1
    assert len(steps) <= 5_000 and all(step % stride == 0 for step in steps)
    assert steps == list(range(steps[0], steps[-1] + 1, stride)) and model["step"] - steps[-1] < stride
