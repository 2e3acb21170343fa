import pytest

from tests.api.conftest import MOONS, create

MUTATIONS = [
    ("post", "/train", {"json": {"steps": 1}}),
    ("post", "/step", {}),
    ("post", "/reset", {}),
    ("delete", "", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), MUTATIONS)
def test_mutations_without_token_are_401(client, moons, method, path, kwargs):
    response = getattr(client, method)(moons.url + path, **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer" and "edit token" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "kwargs"), MUTATIONS)
def test_another_models_token_is_403(client, moons, method, path, kwargs):
    other = create(client, MOONS)
    response = getattr(client, method)(moons.url + path, headers=other.auth, **kwargs)
    assert response.status_code == 403
    assert client.get(moons.url).json()["step"] == 0


def test_a_made_up_token_is_403(client, moons):
    headers = {"Authorization": "Bearer " + "A" * 43}
    assert client.post(f"{moons.url}/step", headers=headers).status_code == 403


def test_reads_need_no_token(client, moons):
    assert client.get(moons.url).status_code == 200
    assert client.get(f"{moons.url}/trace").status_code == 200
    assert client.post(f"{moons.url}/predict", json={"x": [[0, 0]]}).status_code == 200
    assert client.get(f"{moons.url}/grid", params={"resolution": 4}).status_code == 200


def test_tokens_are_compared_in_constant_time(monkeypatch, client, moons):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    client.post(f"{moons.url}/step", headers=moons.auth)
    assert calls
