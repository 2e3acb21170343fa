"""Fair shares between clients over the API: creation quotas, the store's per-client share, expiry."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import MOONS, app_client, create


def test_creating_models_is_rate_limited_per_client_with_a_429_naming_the_quota(tmp_path):
    with app_client(tmp_path, model_creates_per_minute=3) as client:
        codes = [client.post("/api/v1/models", json=MOONS).status_code for _ in range(3)]
        refused = client.post("/api/v1/models", json=MOONS)
        other = client.post("/api/v1/models", json=MOONS, headers={"X-Forwarded-For": "10.0.0.9"})
    assert codes == [201] * 3
    assert refused.status_code == 429 and "model_creates_per_minute" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 429  # without client_ip_header, a header cannot make a new client


def test_behind_a_proxy_each_forwarded_client_has_its_own_quota(tmp_path):
    with app_client(tmp_path, peer="10.1.0.7", model_creates_per_minute=1, client_ip_header="X-Forwarded-For",
                    trusted_proxies="10.1.0.0/24") as client:
        def post(address):
            return client.post("/api/v1/models", json=MOONS,
                               headers={"X-Forwarded-For": f"1.2.3.4, {address}"}).status_code

        assert [post("10.0.0.1"), post("10.0.0.1"), post("10.0.0.2")] == [201, 429, 201]


def test_a_forwarded_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(tmp_path):
    with app_client(tmp_path, peer="192.0.2.5", model_creates_per_minute=1,
                    client_ip_header="X-Forwarded-For", trusted_proxies="10.1.0.0/24") as client:
        codes = [client.post("/api/v1/models", json=MOONS,
                             headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(3)]
    assert codes == [201, 429, 429]


def test_a_header_to_believe_needs_a_named_proxy():
    from pydantic import ValidationError

    from backprop_playground.settings import Settings

    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(client_ip_header="X-Forwarded-For")
    with pytest.raises(ValidationError, match="not an address or a network"):
        Settings(trusted_proxies="nginx.internal")


def test_a_client_keeps_at_most_its_share_of_stored_models(tmp_path):
    with app_client(tmp_path, max_models_per_client=2) as client:
        first = create(client, MOONS)
        create(client, MOONS)
        refused = client.post("/api/v1/models", json=MOONS)
        client.delete(first.url, headers=first.auth)
        again = client.post("/api/v1/models", json=MOONS)
    assert refused.status_code == 429 and "max_models_per_client" in refused.json()["detail"]
    assert again.status_code == 201


def test_a_full_store_expires_unused_models_so_creating_works_again(tmp_path):
    with app_client(tmp_path, max_models=2, model_ttl_s=1) as client:
        old = [create(client, MOONS) for _ in range(2)]
        time.sleep(1.2)
        created = client.post("/api/v1/models", json=MOONS)
        lesson = client.get("/api/v1/lessons/xor-relu")
        gone = [client.get(model.url).status_code for model in old]
    assert created.status_code == 201 and lesson.status_code == 200
    assert 404 in gone  # an expired model made room
