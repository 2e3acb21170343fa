"""Fair room shares: live rooms per client (an IPv6 /64 is one), unused rooms end soon, unknown codes are
rate-limited, one answer per follower survives reconnects, deep states are refused calmly."""

from __future__ import annotations

from contextlib import ExitStack

from fastapi.testclient import TestClient

from backprop_playground.app import create_app
from backprop_playground.rooms import protocol
from backprop_playground.settings import Settings
from tests.rooms.conftest import connect, follow, leave, open_room, present, receive_until
from tests.waiting import wait_until


def _clients(tmp_path, peers: list[str], **overrides) -> tuple[ExitStack, list[TestClient]]:
    """TestClients of one app, each connecting from its own address."""
    settings = Settings(data_dir=tmp_path, database_url=None, room_creates_per_minute=0, **overrides)
    app = create_app(settings)
    stack = ExitStack()
    return stack, [stack.enter_context(TestClient(app, client=(peer, 50000))) for peer in peers]


def test_one_client_cannot_take_every_room(tmp_path):
    """20 addresses × 10 creates used to fill max_rooms (200) for 2 h: now each keeps its share, and the next
    lecturer still gets a room."""
    peers = [f"198.51.100.{n}" for n in range(1, 21)] + ["203.0.113.7"]
    stack, clients = _clients(tmp_path, peers, max_rooms=200, rooms_per_client=5)
    with stack:
        codes = [[client.post("/api/v1/rooms").status_code for _ in range(10)] for client in clients[:-1]]
        assert all(row == [201] * 5 + [429] * 5 for row in codes)
        refused = clients[0].post("/api/v1/rooms")
        assert "rooms_per_client" in refused.json()["detail"] and refused.headers["retry-after"]
        assert "DELETE" in refused.json()["detail"]  # says what to do
        assert clients[-1].post("/api/v1/rooms").status_code == 201  # the next lecturer


def test_ending_a_room_frees_the_clients_share(make_client):
    client = make_client(rooms_per_client=2)
    first = open_room(client)
    open_room(client)
    assert client.post("/api/v1/rooms").status_code == 429
    assert client.delete(first.url, headers=first.auth).status_code == 204
    assert client.post("/api/v1/rooms").status_code == 201


def test_an_ipv6_client_is_its_slash_64(tmp_path):
    peers = ["2001:db8:1:2::5", "2001:db8:1:2:ffff::9", "2001:db8:1:3::5"]
    stack, (one, same_network, other_network) = _clients(tmp_path, peers, rooms_per_client=2)
    with stack:
        assert [one.post("/api/v1/rooms").status_code for _ in range(2)] == [201, 201]
        assert same_network.post("/api/v1/rooms").status_code == 429
        assert other_network.post("/api/v1/rooms").status_code == 201


def test_a_room_nobody_presents_to_ends_soon_and_a_presented_one_lives_on(make_client):
    client = make_client(room_unpresented_ttl_s=0.5, room_ttl_s=3600)
    unused, used = open_room(client), open_room(client)
    presenter, _ = present(client, used)
    wait_until(lambda: client.get(unused.url).status_code == 404, "the room nobody presented to ends")
    leave(presenter)
    assert client.get(used.url).status_code == 200  # presented: it lives room_ttl_s after its presenter
    created = client.post("/api/v1/rooms").json()
    assert created["expires_in_s"] == 3600


def test_unknown_codes_are_rate_limited_per_client_and_live_codes_are_not(make_client):
    client = make_client(room_misses_per_minute=3)
    room = open_room(client)
    for _ in range(20):  # a whole hall joining from one address
        assert client.get(room.url).status_code == 200
    assert [client.get(f"/api/v1/rooms/{code}").status_code for code in ("AAAAAA", "CCCCCC", "nope")] \
        == [404, 404, 404]
    refused = client.get("/api/v1/rooms/DDDDDD")
    assert refused.status_code == 429 and "room_misses_per_minute" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert client.get(room.url).status_code == 429  # no lookup at all until the client's share refills


def test_unknown_codes_on_the_stream_count_too(make_client):
    from tests.rooms.test_rooms_stream import closed_with

    client = make_client(room_misses_per_minute=2)
    codes = []
    for _ in range(3):
        session = client.websocket_connect("/api/v1/rooms/AAAAAA/stream").__enter__()
        error, code = closed_with(session)
        codes.append(code)
        session.__exit__(None, None, None)
    assert codes == [protocol.CLOSE_UNKNOWN_ROOM] * 2 + [protocol.CLOSE_FULL]
    assert "room_misses_per_minute" in error["message"]


def test_one_answer_per_follower_survives_reconnects(rooms_client, room):
    """Followers that answer, drop and come back (a phone waking up) are counted once each."""
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "ask", "node": "w", "label": "w", "prompt": "?"})
    qid = receive_until(presenter, "ask")["id"]
    ids = [f"follower-{n:02d}-0123456789" for n in range(12)]
    for round_ in range(3):
        for n, follower_id in enumerate(ids):
            session = connect(rooms_client, room, {"type": "follow", "id": follower_id})
            assert session.receive_json()["type"] == "hello"
            session.send_json({"type": "answer", "id": qid, "value": float(n + round_)})
            leave(session)
    wait_until(lambda: rooms_client.get(room.url).json()["followers"] == 0, "the followers have left")
    answers = receive_until(presenter, "answers")
    while answers["count"] != len(ids) or sorted(answers["values"]) != [n + 2.0 for n in range(12)]:
        answers = receive_until(presenter, "answers")  # the last answer of each follower, once each
    anonymous = [follow(rooms_client, room)[0] for _ in range(2)]  # without an id: one answer a connection
    for session in anonymous:
        session.send_json({"type": "answer", "id": qid, "value": 1.0})
    while answers["count"] != len(ids) + 2:
        answers = receive_until(presenter, "answers")
    for session in anonymous:
        leave(session)
    leave(presenter)


def test_a_follower_id_must_look_like_one(rooms_client, room):
    from tests.rooms.test_rooms_stream import closed_with

    session = connect(rooms_client, room, {"type": "follow", "id": "x"})
    error, code = closed_with(session)
    assert code == protocol.CLOSE_BAD_MESSAGE and '"id"' in error["message"]


def test_deep_and_huge_inputs_are_refused_without_closing_or_logging(rooms_client, room):
    """5,000 levels used to close the presenter with 1011 and log a traceback each time; a 400-digit reveal
    raised inside the server."""
    presenter, _ = present(rooms_client, room)
    for deep in ("[" * 5000 + "]" * 5000, '{"a":' * 40 + "1" + "}" * 40):
        presenter.send_text('{"type": "state", "state": {"x": ' + deep + "}}")
        assert "nest" in receive_until(presenter, "error")["message"]
    for huge in ('{"type": "state", "state": {"n": ' + "9" * 5000 + "}}",
                 '{"type": "reveal", "id": 1, "value": ' + "9" * 400 + "}"):
        presenter.send_text(huge)
        assert receive_until(presenter, "error")["message"].endswith(("digits is refused", "limit of 1e+12"))
    presenter.send_json({"type": "state", "state": {"query": "step=1"}})
    wait_until(lambda: rooms_client.get(room.url).json()["seq"] == 1, "the presenter still presents")
    leave(presenter)
