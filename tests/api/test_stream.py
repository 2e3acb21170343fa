import json
import time

import jsonschema
import pytest
from starlette.websockets import WebSocketDisconnect

from backprop_playground.nets.limits import DEFAULT_LIMITS
from backprop_playground.schema.trace import trace_json_schema
from tests.api.conftest import MOONS, assert_valid_trace, create
from tests.waiting import wait_until


def stream_url(model, token=None) -> str:
    return f"{model.url}/stream?token={model.token if token is None else token}"


def receive_trace(ws) -> dict:
    while True:
        message = ws.receive_json()
        if message["type"] == "trace":
            return message


def trace_of(message: dict) -> dict:
    """A stream message as a trace (the message's graph may be absent after the first)."""
    return {key: value for key, value in message.items() if key != "type"}


def test_step_sends_one_trace_and_the_first_carries_the_graph(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "step"}))
        first = ws.receive_json()
        ws.send_text(json.dumps({"type": "step"}))
        second = ws.receive_json()
    assert first["type"] == "trace" and first["step"] == 1 and "graph" in first
    assert second["step"] == 2 and "graph" not in second
    assert_valid_trace(trace_of(first))
    assert {e["type"] for e in first["events"]} == {"forward", "backward", "update", "metrics"}
    assert client.get(moons.url).json()["step"] == 2


def frames_until_step(ws, step: int) -> list[int]:
    """The steps of the trace frames received until the one of `step`: one frame per step, except that the
    newest frame replaces one the client has not read yet (a slow reader skips frames, by design)."""
    steps = []
    while not steps or steps[-1] < step:
        message = ws.receive_json()
        assert message["type"] == "trace", message
        steps.append(message["step"])
    return steps


def test_steps_in_one_command(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "step", "count": 3}))
        steps = frames_until_step(ws, 3)
    assert steps[-1] == 3 and steps == sorted(set(steps)) and steps[0] >= 1
    assert client.get(moons.url).json()["step"] == 3


@pytest.mark.parametrize(
    "command",
    ["not json", "[1, 2]", '{"type": "fly"}', '{"type": "play"}', '{"type": "play", "rate": -1}',
     '{"type": "config", "lr": "fast"}', '{"type": "step", "extra": 1}'],
)
def test_malformed_command_gets_an_error_and_the_connection_stays(client, moons, command):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(command)
        error = ws.receive_json()
        ws.send_text(json.dumps({"type": "step"}))
        after = ws.receive_json()
    assert error["type"] == "error" and error["detail"]
    assert after["type"] == "trace" and after["step"] == 1


def test_binary_message_is_an_error(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_bytes(b"\x00")
        assert ws.receive_json()["type"] == "error"


def test_play_paces_steps_and_pause_stops_them(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "play", "rate": 40}))
        start = time.monotonic()
        steps = [receive_trace(ws)["step"] for _ in range(8)]
        elapsed = time.monotonic() - start
        ws.send_text(json.dumps({"type": "pause"}))
        # Commands are handled in order: the reset's trace (step 0) comes after any step that was in flight
        # when the pause arrived, so from here on only commands step the model.
        ws.send_text(json.dumps({"type": "reset"}))
        while receive_trace(ws)["step"] != 0:
            pass
        ws.send_text(json.dumps({"type": "step"}))
        stepped = receive_trace(ws)["step"]
        time.sleep(0.2)  # eight periods at 40 steps/s: a play that went on would have stepped meanwhile
        after = client.get(moons.url).json()["step"]
    # Pacing is a lower bound on time, on any machine: 8 steps at 40/s take at least 7 periods (0.175 s).
    assert steps == sorted(steps) and elapsed > 0.1
    assert stepped == 1 and after == 1


def test_config_changes_rows_encoding_summary_and_lr(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "config", "rows": 2, "encoding": "f32", "lr": 0.01}))
        ws.send_text(json.dumps({"type": "step"}))
        message = ws.receive_json()
        ws.send_text(json.dumps({"type": "config", "encoding": "json", "summary_over": 1}))
        ws.send_text(json.dumps({"type": "step"}))
        summarised = ws.receive_json()
    assert message["rows"] == [0, 1]
    assert message["events"][0]["value"]["dtype"] == "float32"
    assert "summary" in summarised["events"][0]["value"]
    assert client.get(moons.url).json()["spec"]["optimizer"]["lr"] == 0.01


def test_reset_sends_the_trace_at_step_zero(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "step", "count": 2}))
        frames_until_step(ws, 2)
        ws.send_text(json.dumps({"type": "reset"}))
        message = receive_trace(ws)
    assert message["step"] == 0 and "update" not in {e["type"] for e in message["events"]}


@pytest.mark.parametrize(("token", "code"), [("", 4401), ("wrong", 4403)])
def test_bad_token_is_refused_with_an_error(client, moons, token, code):
    with client.websocket_connect(stream_url(moons, token)) as ws:
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == code


def test_another_models_token_is_refused(client, moons):
    other = create(client, MOONS)
    with client.websocket_connect(stream_url(moons, other.token)) as ws:
        ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_unknown_model_is_refused(client):
    with client.websocket_connect("/api/v1/models/nope/stream?token=x") as ws:
        assert "nope" in ws.receive_json()["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4404


def test_deleting_the_model_ends_its_stream(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "step"}))
        receive_trace(ws)
        client.delete(moons.url, headers=moons.auth)
        ws.send_text(json.dumps({"type": "step"}))
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4404


def test_diverging_training_pauses_with_an_error(client):
    spec = {**MOONS, "optimizer": {"name": "sgd", "lr": 1000}, "hidden": [{"units": 8, "activation": "relu"}],
            "output": {"kind": "linear"}, "data": {"dataset": "sine"}}
    model = create(client, spec)
    with client.websocket_connect(stream_url(model)) as ws:
        ws.send_text(json.dumps({"type": "play", "rate": 60}))
        messages = [ws.receive_json()]
        while messages[-1]["type"] != "error" and len(messages) < 200:
            messages.append(ws.receive_json())
    assert "diverged" in messages[-1]["detail"] and messages[-1]["diverged"]["step"] >= 1
    assert "diverged" in messages[-2]
    json.dumps(messages, allow_nan=False)


def test_disconnect_leaves_no_session_or_task(client, app, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "play", "rate": 30}))
        receive_trace(ws)
        (session,) = app.state.streams
    wait_until(lambda: not app.state.streams, "the closed stream's session is gone")
    assert all(task.done() for task in session.tasks)
    # the session saves after it has left the set, and a read never waits for the save's lock
    wait_until(lambda: client.get(moons.url).json()["step"] >= 1, "the stream's steps are kept")


def test_the_token_may_come_in_the_first_message_instead_of_the_url(client, moons):
    with client.websocket_connect(f"{moons.url}/stream") as ws:
        ws.send_text(json.dumps({"type": "auth", "token": moons.token}))
        ws.send_text(json.dumps({"type": "step"}))
        message = ws.receive_json()
    assert message["type"] == "trace" and message["step"] == 1


@pytest.mark.parametrize(("first", "code"), [
    ({"type": "step"}, 4401), ({"type": "auth"}, 4401), ({"type": "auth", "token": "wrong"}, 4403),
])
def test_a_first_message_without_the_right_token_is_refused(client, moons, first, code):
    with client.websocket_connect(f"{moons.url}/stream") as ws:
        ws.send_text(json.dumps(first))
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == code
    assert client.get(moons.url).json()["step"] == 0


def test_a_client_may_open_only_its_share_of_streams(tmp_path):
    from tests.api.conftest import app_client

    with app_client(tmp_path, max_streams_per_client=2) as client:
        model = create(client, MOONS)
        with client.websocket_connect(stream_url(model)) as one, \
                client.websocket_connect(stream_url(model)) as two:
            for ws in (one, two):
                ws.send_text(json.dumps({"type": "step"}))
                receive_trace(ws)
            with client.websocket_connect(stream_url(model)) as three:
                refused = three.receive_json()
                with pytest.raises(WebSocketDisconnect) as closed:
                    three.receive_json()
    assert closed.value.code == 4429 and "max_streams_per_client" in refused["detail"]


def test_playing_streams_leave_the_cpu_slots_to_requests(tmp_path):
    from tests.api.conftest import app_client

    with app_client(tmp_path, max_cpu_jobs=2, max_streams_per_client=8) as client:
        models = [create(client, MOONS) for _ in range(6)]
        sockets = [client.websocket_connect(stream_url(model)) for model in models]
        try:
            for ws in sockets:
                ws.__enter__().send_text(json.dumps({"type": "play", "rate": 60}))
            for ws in sockets:
                receive_trace(ws)
            codes = [client.get(f"{models[0].url}/trace").status_code for _ in range(40)]
        finally:
            for ws in sockets:
                ws.__exit__(None, None, None)
    # Before streams had lanes of their own, their steps held the two slots and requests got 503.
    assert codes == [200] * 40


def _timed_step(ws) -> float:
    """One step over the stream, from the command to its trace (s)."""
    started = time.monotonic()
    ws.send_text(json.dumps({"type": "step"}))
    receive_trace(ws)
    return time.monotonic() - started


def _moons_net(units: int, rows: int) -> dict:
    return {**MOONS, "hidden": [{"units": units, "activation": "tanh"}] * 2,
            "data": {"dataset": "moons", "n": rows, "noise": 0.1, "seed": 1}}


HEAVY_OVER_LIGHT = 20  # a heavy step lasts at least this many light steps, measured here, and at least...
HEAVY_MIN_S = 0.5  # ...this long, so that the GIL's 5 ms turns and thread wake-ups are small beside it
LIGHT_STEPS = 8  # queued behind the heavy step, each would wait a uniform part of it: all 8 under half of
# it by chance has probability 1/256


@pytest.mark.slow
def test_a_tiny_models_step_is_not_queued_behind_a_large_models_step(tmp_path):
    """Heavy by construction, not by assumption: the large model's rows grow until one of its steps, measured
    on this machine, lasts HEAVY_OVER_LIGHT tiny steps (and HEAVY_MIN_S). While it plays, a tiny model's
    steps must not wait for its steps: each ends within half of one of them. Before the heavy lane existed,
    the tiny step waited for the large one."""
    from statistics import median

    from tests.api.conftest import app_client

    # the work limits are raised so that the large model can grow on a fast machine (rows × parameters)
    with app_client(tmp_path, limits={"step_work": 10**11, "request_work": 10**11},
                    request_memory_mb=4096, memory_budget_mb=8192) as client:
        tiny = create(client, MOONS)
        with client.websocket_connect(stream_url(tiny)) as light:
            _timed_step(light)  # the first step also builds the graph
            light_alone_s = median(_timed_step(light) for _ in range(5))
            needed_s = max(HEAVY_MIN_S, HEAVY_OVER_LIGHT * light_alone_s)
            rows, heavy_s = 2_000, 0.0
            while True:
                big = create(client, _moons_net(256, rows))
                with client.websocket_connect(stream_url(big)) as heavy:
                    _timed_step(heavy)  # builds the graph
                    heavy_s = _timed_step(heavy)
                    if heavy_s >= needed_s or rows == DEFAULT_LIMITS.rows:
                        heavy.send_text(json.dumps({"type": "play", "rate": 60}))
                        latencies = []
                        for i in range(LIGHT_STEPS):
                            time.sleep(heavy_s * (i % 3) / 7)  # arrive at different points of a heavy step
                            latencies.append(_timed_step(light))
                        heavy.send_text(json.dumps({"type": "pause"}))
                        break
                rows = min(DEFAULT_LIMITS.rows, int(rows * 1.5 * needed_s / heavy_s) + 1)
    assert heavy_s >= needed_s, f"even {rows} rows step in {heavy_s:.3f} s, not the {needed_s:.3f} s needed"
    assert max(latencies) < heavy_s / 2, (latencies, heavy_s, light_alone_s)


def test_connections_waiting_to_authenticate_count_toward_the_share(tmp_path):
    from tests.api.conftest import app_client

    with app_client(tmp_path, max_streams_per_client=2) as client:
        model = create(client, MOONS)
        with client.websocket_connect(f"{model.url}/stream") as one, \
                client.websocket_connect(f"{model.url}/stream") as two:  # neither has sent its token yet
            with client.websocket_connect(f"{model.url}/stream") as three:
                three.receive_json()
                with pytest.raises(WebSocketDisconnect) as closed:
                    three.receive_json()
            for ws in (one, two):
                ws.send_text(json.dumps({"type": "auth", "token": model.token}))
                ws.send_text(json.dumps({"type": "step"}))
                assert receive_trace(ws)["type"] == "trace"
    assert closed.value.code == 4429


# ---- fast-forward: steps are not frames (docs/contracts.md §5) ----

PROGRESS_VALIDATOR = jsonschema.Draft202012Validator(
    {"$defs": trace_json_schema()["$defs"], "$ref": "#/$defs/StreamProgress"})


def is_still(message: dict) -> bool:
    """The trace that ends a fast-forward: the model where it stopped, without a metrics event."""
    return message["type"] == "trace" and all(e["type"] != "metrics" for e in message["events"])


def read_until_still(ws) -> list[dict]:
    messages = [ws.receive_json()]
    while not is_still(messages[-1]):
        assert messages[-1]["type"] != "error", messages[-1]
        messages.append(ws.receive_json())
    return messages


def losses_by_step(messages: list[dict]) -> list[int]:
    """The steps whose loss arrived, in arrival order: each `progress` run, and each traced step's metrics."""
    steps = []
    for message in messages:
        if message["type"] == "progress":
            first, last = message["steps"]
            assert len(message["loss"]) == last - first + 1
            assert all(isinstance(v, float) for v in message["loss"])
            assert len(message.get("accuracy", message["loss"])) == len(message["loss"])
            steps.extend(range(first, last + 1))
        elif message["type"] == "trace":
            steps.extend(e["step"] for e in message["events"] if e["type"] == "metrics")
    return steps


def fast_forward(ws, play: dict, seconds: float, fps: float) -> tuple[list[dict], float]:
    """Fast-forward for `seconds`, pause, read to the still frame; the messages and the seconds from play
    sent to the still frame read (an upper bound on the time the server stepped)."""
    ws.send_text(json.dumps({"type": "config", "fps": fps}))
    started = time.monotonic()
    ws.send_text(json.dumps({"type": "play", **play}))
    messages = [ws.receive_json()]
    while time.monotonic() - started < seconds:
        messages.append(ws.receive_json())
    ws.send_text(json.dumps({"type": "pause"}))
    messages += read_until_still(ws)
    return messages, time.monotonic() - started


def test_fast_forward_frames_go_at_the_asked_fps_and_every_steps_loss_arrives_once(client, moons):
    fps = 10
    with client.websocket_connect(stream_url(moons)) as ws:
        messages, elapsed = fast_forward(ws, {"rate": "max"}, 1.5, fps)
        time.sleep(0.2)
        ws.send_text(json.dumps({"type": "step"}))  # after the pause, commands step the model again
        after = receive_trace(ws)
    frames = [m for m in messages if m["type"] == "trace" and not is_still(m)]
    steps = losses_by_step(messages)
    last = messages[-1]["step"]
    # Every step from 1 to the last, once, in order; the still frame is where the model stopped.
    assert steps == list(range(1, last + 1))
    assert after["step"] == last + 1 and client.get(moons.url).json()["step"] == last + 1
    # Frames at most `fps` a second over the time the server played (at most `elapsed`), steps many more:
    # a relation, not a speed (each frame is 1/fps of batches of steps that cost about a millisecond).
    assert 1 <= len(frames) <= fps * elapsed + 2
    assert last >= 5 * len(frames), (last, len(frames))
    assert {m["type"] for m in messages} <= {"trace", "progress"}
    assert "graph" in frames[0] and all("graph" not in m for m in messages if m is not frames[0])
    assert_valid_trace(trace_of(frames[0]))
    kinds = {"forward", "backward", "update", "metrics"}
    assert all({e["type"] for e in frame["events"]} == kinds for frame in frames)
    progress = [m for m in messages if m["type"] == "progress"]
    assert progress and all(PROGRESS_VALIDATOR.is_valid(m) for m in progress)


def test_a_paced_fast_forward_steps_at_most_its_rate(client, moons):
    rate, fps = 300, 5
    with client.websocket_connect(stream_url(moons)) as ws:
        messages, elapsed = fast_forward(ws, {"rate": rate}, 1.0, fps)
    steps = losses_by_step(messages)
    frames = [m for m in messages if m["type"] == "trace" and not is_still(m)]
    assert steps == list(range(1, messages[-1]["step"] + 1))
    # Pacing bounds the steps from above on any machine; frames likewise.
    assert len(steps) <= rate * elapsed + 1 and len(frames) <= fps * elapsed + 2
    assert len(steps) > 2 * len(frames)
    assert any(m["type"] == "progress" for m in messages)


def test_slow_rates_still_trace_every_step(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "play", "rate": 60}))
        messages = [ws.receive_json() for _ in range(10)]
        ws.send_text(json.dumps({"type": "pause"}))
    assert all(m["type"] == "trace" for m in messages)
    assert all({e["type"] for e in m["events"]} >= {"update", "metrics"} for m in messages)


def test_play_rates_above_the_fast_forward_cap_or_not_a_number_are_refused(client, moons):
    with client.websocket_connect(stream_url(moons)) as ws:
        ws.send_text(json.dumps({"type": "play", "rate": "fast"}))
        refused = ws.receive_json()
        ws.send_text(json.dumps({"type": "config", "fps": 0}))
        refused_fps = ws.receive_json()
    assert refused["type"] == refused_fps["type"] == "error"


def test_concurrent_fast_forwards_share_the_lane_and_each_gets_steps_and_frames(tmp_path):
    """Three streams at "max": each lane turn is a batch bounded in time, so every stream gets turns, steps
    and frames; none takes the lane for itself (relations only: any machine, any load)."""
    from tests.api.conftest import app_client

    count, fps = 3, 10
    with app_client(tmp_path) as client:
        models = [create(client, MOONS) for _ in range(count)]
        sockets = [client.websocket_connect(stream_url(model)) for model in models]
        try:
            streams = [ws.__enter__() for ws in sockets]
            for ws in streams:
                ws.send_text(json.dumps({"type": "config", "fps": fps}))
                ws.send_text(json.dumps({"type": "play", "rate": "max"}))
            started = time.monotonic()
            time.sleep(2.0)
            for ws in streams:
                ws.send_text(json.dumps({"type": "pause"}))
            received = [read_until_still(ws) for ws in streams]
            elapsed = time.monotonic() - started
        finally:
            for ws in sockets:
                ws.__exit__(None, None, None)
    steps = [len(losses_by_step(messages)) for messages in received]
    frames = [sum(m["type"] == "trace" and not is_still(m) for m in messages) for messages in received]
    for messages in received:
        assert losses_by_step(messages) == list(range(1, messages[-1]["step"] + 1))
    assert all(n >= 3 for n in frames) and all(n <= fps * elapsed + 2 for n in frames), frames
    # Equal turns: no stream gets less than a third of another's steps.
    assert min(steps) * 3 >= max(steps), steps
    assert min(steps) > 5 * max(frames), (steps, frames)


def test_the_stored_history_stays_bounded_while_fast_forwarding(tmp_path, monkeypatch):
    """A long fast-forward keeps (and saves) a bounded history: past MAX_HISTORY entries it thins to every
    other one and doubles its stride (here 100 entries, to get there quickly; saved every 50 ms)."""
    from backprop_playground.nets import training
    from tests.api.conftest import app_client

    monkeypatch.setattr(training, "MAX_HISTORY", 100)
    with app_client(tmp_path, stream_persist_every_s=0.05) as client:
        model = create(client, MOONS)
        store = client.app.state.hub.store
        empty = len(json.dumps(store.get(model.id).state))
        with client.websocket_connect(stream_url(model)) as ws:
            ws.send_text(json.dumps({"type": "play", "rate": "max"}))
            saved = wait_until(lambda: (state := store.get(model.id).state)["step"] > 1_000 and state,
                               "a thousand steps saved")
            ws.send_text(json.dumps({"type": "pause"}))
            read_until_still(ws)
            live = client.get(model.url).json()
    stride = saved["history_stride"]
    assert len(saved["history"]) <= 100 and stride >= 8
    assert all(entry["step"] % stride == 0 for entry in saved["history"])
    assert len(live["history"]) <= 100
    # Each entry is a few numbers: the saved state stays within a bound that does not grow with the steps.
    assert len(json.dumps(saved)) <= empty + 100 * 200
