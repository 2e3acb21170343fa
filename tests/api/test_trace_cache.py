"""Traces computed once for a hall (backprop_playground.tracecache): identical POST /specs/step and
POST /expressions requests share one computation, errors are never kept, the cache is bounded, hits take no
CPU job slot nor share, and GET /traces/{key} serves a kept trace with its ETag (docs/contracts.md §4)."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
from contextlib import asynccontextmanager

import httpx
import pytest

from backprop_playground.admission.jobs import Busy
from backprop_playground.nets.spec import XOR_EXAMPLE
from tests.api.conftest import MOONS, app_client

STEP = "/api/v1/specs/step"


@asynccontextmanager
async def started(tmp_path, peer: str = "192.0.2.1", **overrides):
    """An app with these settings, started (its job pool open), and an async client from address `peer`
    on it: requests from one event loop overlap as a hall's do."""
    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, **overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            client.app = app
            yield client


def counting(monkeypatch, module, name: str, delay_s: float = 0.0, fail_first: Exception | None = None):
    """Replace `module.name` by a wrapper counting its calls (slowed by `delay_s`, in its worker thread;
    the first call raising `fail_first` after the delay, if given)."""
    real = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(threading.current_thread().name)
        time.sleep(delay_s)
        if fail_first is not None and len(calls) == 1:
            raise fail_first
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def lesson_body() -> bytes:
    """What the stepper sends for a lesson's model panel: JSON.stringify of the spec (compact)."""
    return json.dumps(XOR_EXAMPLE, separators=(",", ":")).encode()


async def post(client, body: bytes, path: str = STEP, **headers):
    return await client.post(path, content=body, headers={"Content-Type": "application/json", **headers})


def test_concurrent_identical_requests_compute_once_and_answer_the_same_bytes(tmp_path, monkeypatch):
    from backprop_playground.api import specs

    calls = counting(monkeypatch, specs, "traced_step", delay_s=0.3)

    async def hall():
        # One CPU job per client: if the waiting requests took slots, most would be refused with 429.
        async with started(tmp_path, max_cpu_jobs_per_client=1) as client:
            spaced = json.dumps(XOR_EXAMPLE, indent=1).encode()  # spelled otherwise: same content key
            answers = await asyncio.gather(*(post(client, lesson_body()) for _ in range(30)),
                                           *(post(client, spaced) for _ in range(5)))
            return answers, client.app.state.trace_cache.stats

    answers, stats = asyncio.run(hall())
    assert [a.status_code for a in answers] == [200] * 35
    assert len(calls) == 1
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["etag"] for a in answers}) == 1
    assert stats.waits >= 30  # the others waited, by request key (29 + 4) or by content key (1)


def test_expression_traces_are_computed_once_too(tmp_path, monkeypatch):
    from backprop_playground.api import expressions

    calls = counting(monkeypatch, expressions, "trace_expression", delay_s=0.2)
    body = json.dumps({"source": "(x*y + x)*z", "values": {"x": 2, "y": -1, "z": 3}, "mode": "numeric"})

    async def hall():
        async with started(tmp_path) as client:
            return await asyncio.gather(*(post(client, body.encode(), "/api/v1/expressions")
                                          for _ in range(20)))

    answers = asyncio.run(hall())
    assert {a.status_code for a in answers} == {200} and len(calls) == 1
    assert len({a.content for a in answers}) == 1 and answers[0].json()["value"]["data"] == [0.0]


def test_different_requests_are_different_entries(tmp_path, monkeypatch):
    from backprop_playground.api import specs

    calls = counting(monkeypatch, specs, "traced_step")
    other = copy.deepcopy(XOR_EXAMPLE)
    other["params"][0]["b"] = [0, -0.5]  # a weight moved
    with app_client(tmp_path) as client:
        tags = [client.post(path, json=spec).headers["etag"]
                for path, spec in [(STEP, XOR_EXAMPLE), (STEP, other), (STEP + "?rows=2", XOR_EXAMPLE),
                                   (STEP + "?encoding=f32", XOR_EXAMPLE), (STEP, XOR_EXAMPLE)]]
        kept = len(client.app.state.trace_cache)
    assert len(set(tags)) == 4 and tags[0] == tags[-1]
    assert len(calls) == 4 and kept == 4


def test_a_step_without_params_or_seed_is_deterministic_so_it_may_be_cached(tmp_path):
    spec = {**copy.deepcopy(MOONS), "params": None}
    del spec["seed"]  # the seeded initialisation's default seed
    with app_client(tmp_path, trace_cache_mb=0) as client:  # nothing kept: each request computes
        first, second = (client.post(STEP, json=spec) for _ in range(2))
        kept = len(client.app.state.trace_cache)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and kept == 0


def test_errors_are_never_cached(tmp_path, monkeypatch):
    from backprop_playground.api import specs

    calls = counting(monkeypatch, specs, "traced_step", fail_first=Busy(1, 4))
    with app_client(tmp_path) as client:
        refused = client.post(STEP, json=XOR_EXAMPLE)
        answered = client.post(STEP, json=XOR_EXAMPLE)
        again = client.post(STEP, json=XOR_EXAMPLE)
        invalid = [client.post(STEP, json={"hidden": "wide"}).status_code for _ in range(2)]
        cache = client.app.state.trace_cache
        assert refused.status_code == 503 and "etag" not in refused.headers
        assert answered.status_code == again.status_code == 200 and answered.content == again.content
        assert len(calls) == 2  # the refusal was not kept; the good answer was
        assert invalid == [422, 422] and len(cache) == 1


def test_the_requests_waiting_for_a_failed_computation_compute_again(tmp_path, monkeypatch):
    from backprop_playground.api import specs

    calls = counting(monkeypatch, specs, "traced_step", delay_s=0.2, fail_first=Busy(1, 4))

    async def hall():
        async with started(tmp_path) as client:
            return await asyncio.gather(*(post(client, lesson_body()) for _ in range(10)))

    codes = sorted(a.status_code for a in asyncio.run(hall()))
    assert codes == [200] * 9 + [503]  # the error stays the failed request's own
    assert len(calls) == 2


def test_the_cache_is_bounded_in_bytes_and_entries_least_recently_used_first_out(tmp_path):
    def spec(lr: float) -> dict:
        return {**copy.deepcopy(XOR_EXAMPLE), "optimizer": {"name": "sgd", "lr": lr}}

    with app_client(tmp_path, trace_cache_mb=0.04) as client:  # 41,943 bytes; each trace ≈ 5 KB
        size = len(client.post(STEP, json=spec(0.5)).content)
        tags = [client.post(STEP, json=spec(0.01 * (n + 1))).headers["content-location"] for n in range(20)]
        cache = client.app.state.trace_cache
        assert cache.bytes <= cache.max_bytes and len(cache) == cache.max_bytes // size
        assert client.get(tags[0]).status_code == 404  # the oldest went first
        assert client.get(tags[-1]).status_code == 200
    with app_client(tmp_path, trace_cache_entries=3) as client:
        for n in range(6):
            client.post(STEP, json=spec(0.01 * (n + 1)))
        assert len(client.app.state.trace_cache) == 3


def test_a_hit_takes_no_cpu_job_nor_share_of_its_client(tmp_path):
    release = threading.Event()

    async def hall():
        async with started(tmp_path, peer="198.51.100.7", max_cpu_jobs_per_client=1) as client:
            first = await post(client, lesson_body())
            jobs = client.app.state.jobs
            holding = jobs.submit(release.wait, client="198.51.100.7")  # the client's whole share
            try:
                hit = await post(client, lesson_body())
                other = copy.deepcopy(XOR_EXAMPLE)
                other["optimizer"]["lr"] = 0.2
                miss = await client.post(STEP, json=other)
                running = jobs.running
            finally:
                release.set()
                await holding
            return first, hit, miss, running

    first, hit, miss, running = asyncio.run(hall())
    assert first.status_code == hit.status_code == 200 and hit.content == first.content
    assert miss.status_code == 429  # a request that has to compute still counts against the share
    assert running == 1


def test_answers_carry_an_etag_and_the_get_url_that_serves_them_cacheably(tmp_path):
    with app_client(tmp_path) as client:
        posted = client.post(STEP, json=XOR_EXAMPLE)
        tag, where = posted.headers["etag"], posted.headers["content-location"]
        assert tag == f'"{where.rsplit("/", 1)[1]}"' and where.startswith("/api/v1/traces/")
        got = client.get(where)
        assert got.status_code == 200 and got.content == posted.content and got.headers["etag"] == tag
        assert got.headers["cache-control"] == "public, max-age=86400, immutable"
        assert got.headers["content-type"] == "application/json"
        unchanged = client.get(where, headers={"If-None-Match": f'"other", W/{tag}'})
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == tag
        assert client.get(where, headers={"If-None-Match": '"other"'}).status_code == 200
        unknown = "/api/v1/traces/" + "0" * 32
        assert client.get(unknown).status_code == 404
        # A key names one content for good: a client holding it needs nothing, cached here or not.
        assert client.get(unknown, headers={"If-None-Match": f'"{"0" * 32}"'}).status_code == 304
        assert client.get("/api/v1/traces/not-a-key").status_code == 422
        expression = client.post("/api/v1/expressions", json={"source": "x*y", "values": {"x": 2, "y": 3}})
        assert client.get(expression.headers["content-location"]).content == expression.content


@pytest.mark.parametrize("body", [b'{"name": "xor", "hidden": "wide"}', b"{"])
def test_a_bad_request_answers_its_error_each_time(tmp_path, body):
    with app_client(tmp_path) as client:
        codes = [client.post(STEP, content=body, headers={"Content-Type": "application/json"}).status_code
                 for _ in range(2)]
        assert codes[0] == codes[1] and codes[0] in (400, 422) and len(client.app.state.trace_cache) == 0
