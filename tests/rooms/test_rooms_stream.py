"""The room WebSocket: hello, states in seq order, late joiners, roles, questions, limits and close codes."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from backprop_playground.rooms import protocol
from tests.rooms.conftest import follow, leave, open_room, present, receive_until, wait_for_seq
from tests.waiting import wait_until


def closed_with(session) -> tuple[dict | None, int]:
    """The error message before the close (if any) and the close code."""
    error = None
    while True:
        message = session.receive()
        if message["type"] == "websocket.close":
            return error, message["code"]
        error = json.loads(message["text"])


def test_hello_carries_the_room(rooms_client, room):
    presenter, hello = present(rooms_client, room)
    assert hello == {"type": "hello", "role": "presenter", "code": room.code, "seq": 0, "state": None,
                     "followers": 0, "question": None}
    follower, hello = follow(rooms_client, room)
    assert hello["role"] == "follower" and hello["code"] == room.code
    assert receive_until(presenter, "audience")["followers"] == 1
    leave(follower)
    assert receive_until(presenter, "audience")["followers"] == 0
    leave(presenter)


def test_states_reach_followers_in_seq_order(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    followers = [follow(rooms_client, room) for _ in range(3)]
    for step in range(1, 101):
        presenter.send_json({"type": "state", "state": {"page": "stepper", "query": f"step={step}"}})
    for follower, _ in followers:
        seqs = []
        while not seqs or seqs[-1] < 100:
            message = receive_until(follower, "state")
            seqs.append(message["seq"])
            assert message["state"]["query"] == f"step={message['seq']}"
        assert seqs == sorted(set(seqs))  # increasing; a slow reader may skip states, never reorder them
        leave(follower)
    assert rooms_client.get(room.url).json()["seq"] == 100
    leave(presenter)


def test_a_late_joiner_gets_the_current_state_and_question(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "state", "state": {"query": "step=3"}})
    presenter.send_json({"type": "state", "state": {"query": "step=4"}})
    presenter.send_json({"type": "ask", "node": "n5", "label": "h₁", "prompt": "What total will h₁ receive?"})
    asked = receive_until(presenter, "ask")
    follower, hello = follow(rooms_client, room)
    assert hello["seq"] == 2 and hello["state"] == {"query": "step=4"}
    assert hello["question"] == {"id": asked["id"], "node": "n5", "label": "h₁",
                                 "prompt": "What total will h₁ receive?", "revealed": None}
    body = rooms_client.get(room.url).json()
    assert body["seq"] == 2 and body["state"] == {"query": "step=4"} and body["question"]["id"] == asked["id"]
    leave(presenter)


def test_a_presenter_reconnect_keeps_the_room(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "state", "state": {"query": "step=7"}})
    wait_for_seq(rooms_client, room, 1)
    follower, _ = follow(rooms_client, room)
    leave(presenter)
    presenter, hello = present(rooms_client, room)
    assert hello["seq"] == 1 and hello["state"] == {"query": "step=7"}
    presenter.send_json({"type": "state", "state": {"query": "step=8"}})
    assert receive_until(follower, "state") == {"type": "state", "seq": 2, "state": {"query": "step=8"}}
    leave(follower)
    leave(presenter)


def test_followers_cannot_publish(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    for message in ({"type": "state", "state": {"step": 1}}, {"type": "ask", "node": "n1"},
                    {"type": "reveal", "id": 1, "value": 2}, {"type": "close_question"}):
        follower.send_json(message)
        error = receive_until(follower, "error")
        assert "only the presenter" in error["message"]
    assert rooms_client.get(room.url).json()["seq"] == 0


def test_ask_answer_reveal_close(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    (alice, _), (bob, _) = follow(rooms_client, room), follow(rooms_client, room)
    presenter.send_json({"type": "ask", "node": "n3", "label": "h₁", "prompt": "What total?"})
    asked = receive_until(presenter, "ask")
    qid = asked["id"]
    for follower in (alice, bob):
        assert receive_until(follower, "ask") == asked
    alice.send_json({"type": "answer", "id": qid, "value": 1.5})
    bob.send_json({"type": "answer", "id": qid, "value": 2})
    alice.send_json({"type": "answer", "id": qid, "value": -0.5})  # her last answer wins
    answers = receive_until(presenter, "answers")
    while answers["count"] < 2 or -0.5 not in answers["values"]:
        answers = receive_until(presenter, "answers")
    assert answers["id"] == qid and sorted(answers["values"]) == [-0.5, 2.0] and answers["count"] == 2
    bob.send_json({"type": "answer", "id": qid + 1, "value": 3})
    assert "no open question" in receive_until(bob, "error")["message"]
    presenter.send_json({"type": "reveal", "id": qid, "value": 2})
    for session in (presenter, alice, bob):
        assert receive_until(session, "reveal") == {"type": "reveal", "id": qid, "value": 2}
    assert rooms_client.get(room.url).json()["question"]["revealed"] == 2
    presenter.send_json({"type": "close_question"})
    for session in (presenter, alice, bob):
        assert receive_until(session, "close_question") == {"type": "close_question", "id": qid}
    assert rooms_client.get(room.url).json()["question"] is None
    alice.send_json({"type": "answer", "id": qid, "value": 1})
    assert "no open question" in receive_until(alice, "error")["message"]
    presenter.send_json({"type": "close_question"})
    assert receive_until(presenter, "error")["message"] == "no question is open"
    for session in (alice, bob, presenter):
        leave(session)


@pytest.mark.parametrize("raw", [
    '{"type": "answer", "id": 1, "value": NaN}',
    '{"type": "answer", "id": 1, "value": Infinity}',
    '{"type": "answer", "id": 1, "value": -Infinity}',
    '{"type": "answer", "id": 1, "value": 1e999}',
    '{"type": "answer", "id": 1, "value": 1e300}',
    '{"type": "answer", "id": 1, "value": "2"}',
    '{"type": "answer", "id": 1, "value": true}',
    '{"type": "answer", "id": 1}',
])
def test_non_finite_and_oversized_answers_are_refused(rooms_client, room, raw):
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "ask", "node": "n3"})
    qid = receive_until(presenter, "ask")["id"]
    assert qid == 1
    follower, _ = follow(rooms_client, room)
    follower.send_text(raw)
    assert receive_until(follower, "error")["message"]
    follower.send_json({"type": "answer", "id": qid, "value": 4})  # the connection is still usable
    answers = receive_until(presenter, "answers")
    while answers["count"] == 0:
        answers = receive_until(presenter, "answers")
    assert answers["values"] == [4.0]
    leave(presenter)


def test_reveal_refuses_non_finite_values(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "ask", "node": "n3"})
    qid = receive_until(presenter, "ask")["id"]
    presenter.send_text(f'{{"type": "reveal", "id": {qid}, "value": NaN}}')
    assert "finite" in receive_until(presenter, "error")["message"]
    leave(presenter)


def test_unknown_room_closes_4404(rooms_client):
    for code in ("AAAAAA", "nope"):
        with rooms_client.websocket_connect(f"/api/v1/rooms/{code}/stream") as ws:
            error, code_ = closed_with(ws)
        assert code_ == 4404 and error["type"] == "error" and error["message"]


def test_bad_token_closes_4403(rooms_client, room):
    with rooms_client.websocket_connect(room.stream) as ws:
        ws.send_json({"type": "auth", "token": "not-the-token"})
        error, code = closed_with(ws)
    assert code == 4403 and "presenter token" in error["message"]


@pytest.mark.parametrize("first", ['{"type": "state", "state": {}}', "not json", "[1]", '{"type": "auth"}'])
def test_a_bad_first_message_closes_4400(rooms_client, room, first):
    with rooms_client.websocket_connect(room.stream) as ws:
        ws.send_text(first)
        error, code = closed_with(ws)
    assert code == 4400 and error["message"]


def test_a_binary_message_closes_4400(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    follower.send_bytes(b"\x00\x01")
    assert closed_with(follower)[1] == 4400


def test_malformed_json_after_hello_closes_4400(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    presenter.send_text("{not json")
    assert closed_with(presenter)[1] == 4400


def test_oversized_messages_close_4413(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    follower.send_text(json.dumps({"type": "answer", "id": 1, "value": 1, "pad": "x" * 2000}))
    error, code = closed_with(follower)
    assert code == 4413 and "exceeds the limit" in error["message"]
    presenter, _ = present(rooms_client, room)
    presenter.send_text(json.dumps({"type": "state", "state": {"pad": "x" * 40_000}}))
    assert closed_with(presenter)[1] == 4413


def test_a_state_over_16_kb_is_refused_and_the_connection_stays(rooms_client, room):
    presenter, _ = present(rooms_client, room)
    presenter.send_json({"type": "state", "state": {"pad": "x" * (protocol.MAX_STATE_BYTES + 10)}})
    assert "16384" in receive_until(presenter, "error")["message"]
    presenter.send_json({"type": "state", "state": ["not", "an", "object"]})
    assert "JSON object" in receive_until(presenter, "error")["message"]
    presenter.send_json({"type": "state", "state": {"query": "step=1"}})
    wait_for_seq(rooms_client, room, 1)
    assert rooms_client.get(room.url).json()["seq"] == 1  # the refused states took no seq


def test_room_full_closes_4429(make_client):
    client = make_client(room_max_followers=2)
    room = open_room(client)
    opened = [follow(client, room) for _ in range(2)]
    with client.websocket_connect(room.stream) as ws:
        ws.send_json({"type": "follow"})
        error, code = closed_with(ws)
    assert code == 4429 and "room_max_followers" in error["message"]
    presenter, _ = present(client, room)  # the presenter is not a follower
    for session, _ in opened:
        leave(session)
    leave(presenter)


def test_streams_per_client_close_4429(make_client):
    client = make_client(room_streams_per_client=2)
    room = open_room(client)
    opened = [follow(client, room) for _ in range(2)]
    with client.websocket_connect(room.stream) as ws:
        error, code = closed_with(ws)
    assert code == 4429 and "room_streams_per_client" in error["message"]
    for session, _ in opened:
        leave(session)


def test_deleting_a_room_closes_its_connections_4404(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    assert rooms_client.delete(room.url, headers=room.auth).status_code == 204
    error, code = closed_with(follower)
    assert code == 4404 and error["message"] == "the room has ended"


def test_a_connected_presenter_keeps_the_room_alive(make_client):
    client = make_client(room_ttl_s=2.0)
    kept = open_room(client)
    presenter, _ = present(client, kept)
    dropped = open_room(client)
    follower, _ = follow(client, dropped)  # followers alone do not keep a room
    # No fixed sleep: once the room opened after `kept` has expired, more than room_ttl_s has passed for
    # `kept` too, and only its presenter kept it.
    wait_until(lambda: client.get(dropped.url).status_code == 404, "the room without a presenter expires")
    assert client.get(kept.url).status_code == 200
    error, code = closed_with(follower)
    assert code == 4404
    leave(presenter)
    leave(follower)


def test_over_rate_messages_are_dropped_with_one_notice_and_a_flood_is_closed(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    burst = int(protocol.FOLLOWER_BURST)
    for _ in range(burst + 5):
        follower.send_json({"type": "answer", "id": 7, "value": 1})
    # the burst is read and answered (no question 7 is open); past it one notice, the rest dropped unanswered
    answered = 0
    while "too many messages" not in (message := follower.receive_json()["message"]):
        answered += "no open question" in message
    assert answered >= burst
    for _ in range(4 * protocol.FLOOD_DROPS):  # many more than the flood limit: even a slow server drops 50
        follower.send_json({"type": "answer", "id": 7, "value": 1})
    error, code = closed_with(follower)
    assert code == protocol.CLOSE_FULL
    assert "in a row over the rate" in error["message"]


def test_unknown_types_are_refused_and_the_connection_stays(rooms_client, room):
    follower, _ = follow(rooms_client, room)
    follower.send_json({"type": "dance"})
    assert "unknown message type" in receive_until(follower, "error")["message"]
    follower.send_json({"type": "follow"})
    assert "first message" in receive_until(follower, "error")["message"]


def test_closed_connections_raise_for_the_client(rooms_client):
    with pytest.raises(WebSocketDisconnect):
        with rooms_client.websocket_connect("/api/v1/rooms/AAAAAA/stream") as ws:
            ws.receive_json()
            ws.receive_json()
