"""REST of classroom rooms: create, read, QR code, delete, the join page, codes and limits."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from backprop_playground.rooms import protocol
from tests.rooms.conftest import open_room
from tests.waiting import wait_until

LOOK_ALIKES = set("0O1IL5S2Z8B6GQUV")


def test_create_answers_code_token_and_join_url(rooms_client):
    response = rooms_client.post("/api/v1/rooms", json={"title": "Lecture 6"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"code", "presenter_token", "join_url", "expires_in_s"}
    assert len(body["code"]) == 6 and not set(body["code"]) & LOOK_ALIKES
    assert body["join_url"] == f"http://testserver/join/{body['code']}"
    assert body["expires_in_s"] == 7200
    assert response.headers["location"] == f"/api/v1/rooms/{body['code']}"
    assert len(body["presenter_token"]) >= 32


def test_create_without_body(rooms_client):
    assert rooms_client.post("/api/v1/rooms").status_code == 201


def test_codes_are_unique_and_from_the_alphabet(make_client):
    client = make_client(max_rooms=500)
    codes = [open_room(client).code for _ in range(200)]
    assert len(set(codes)) == len(codes)
    assert set("".join(codes)) <= set(protocol.ALPHABET)
    assert not set(protocol.ALPHABET) & LOOK_ALIKES


def test_join_url_follows_public_url(make_client):
    client = make_client(public_url="https://playground.example.org/")
    body = client.post("/api/v1/rooms").json()
    assert body["join_url"] == f"https://playground.example.org/join/{body['code']}"


def test_read_a_room_case_insensitively(rooms_client, room):
    body = rooms_client.get(f"/api/v1/rooms/{room.code.lower()}").json()
    assert body == {"code": room.code, "title": "XOR with ReLU", "followers": 0, "seq": 0, "state": None,
                    "question": None}


def test_unknown_rooms_are_404(rooms_client, room):
    for code in ("AAAAAA", "abc", "0O1IL5", "x" * 16, "A" * 300):
        assert rooms_client.get(f"/api/v1/rooms/{code}").status_code == 404
    assert rooms_client.get("/api/v1/rooms/AAAAAA/qr.svg").status_code == 404
    assert rooms_client.delete("/api/v1/rooms/AAAAAA", headers=room.auth).status_code == 404


def test_qr_code_is_a_cacheable_svg_of_the_join_url(rooms_client, room):
    response = rooms_client.get(f"/api/v1/rooms/{room.code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "max-age" in response.headers["cache-control"]
    root = ET.fromstring(response.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width")) >= 100
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    assert f"http://testserver/join/{room.code}" in response.text  # in its title


def test_delete_needs_the_presenter_token(rooms_client, room):
    assert rooms_client.delete(room.url).status_code == 401
    other = open_room(rooms_client)
    assert rooms_client.delete(room.url, headers=other.auth).status_code == 403
    assert rooms_client.get(room.url).status_code == 200
    assert rooms_client.delete(room.url.lower(), headers=room.auth).status_code == 204
    assert rooms_client.get(room.url).status_code == 404


def test_max_rooms_is_named(make_client):
    client = make_client(max_rooms=3)
    for _ in range(3):
        open_room(client)
    response = client.post("/api/v1/rooms")
    assert response.status_code == 503
    assert "max_rooms" in response.json()["detail"] and response.headers["retry-after"]


def test_creation_rate_is_limited_per_client(make_client):
    client = make_client(room_creates_per_minute=2)
    assert [client.post("/api/v1/rooms").status_code for _ in range(3)] == [201, 201, 429]
    response = client.post("/api/v1/rooms")
    assert "room_creates_per_minute" in response.json()["detail"] and response.headers["retry-after"]


def test_title_is_limited(rooms_client):
    response = rooms_client.post("/api/v1/rooms", json={"title": "x" * 201})
    assert response.status_code == 422


def test_rooms_expire_without_their_presenter(make_client):
    client = make_client(room_ttl_s=1.0)
    room = open_room(client)
    wait_until(lambda: client.get(room.url).status_code == 404, "the room expires after room_ttl_s")
    assert client.post("/api/v1/rooms").status_code == 201  # expired rooms leave the cap


def test_join_page_serves_the_stepper(rooms_client, room):
    for code in (room.code, "NOSUCH"):
        response = rooms_client.get(f"/join/{code}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "content-security-policy" in response.headers
        assert 'type="module"' in response.text
    assert response.text == rooms_client.get("/").text
