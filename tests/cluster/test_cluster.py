"""The cluster topology of docker-compose.yml's `cluster` profile, from Debian packages on loopback ports:
nginx (deploy/nginx.conf, filled as the nginx image fills it) in front of two uvicorn replicas over one
PostgreSQL, with Redis for classrooms. A model trains and streams through the proxy; kill -9 of the
replica that owns it moves it to the other one, which resumes from the saved step; a class goes on when
the replica of its presenter dies, and when Redis loses it."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.api.conftest import MOONS
from tests.conftest import _free_port
from tests.processes import Server, nginx_config, nginx_main_config, spawn, wait_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _require(path: str, what: str) -> str:
    if Path(path).exists():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is not installed ({path}): the cluster tests need nginx, redis-server and "
                "PostgreSQL")


def test_the_nginx_config_is_valid_and_names_every_placeholder(tmp_path):
    nginx = _require(NGINX, "nginx")
    main = nginx_main_config(tmp_path, nginx_config(8080, "127.0.0.1:1", "127.0.0.1:2"))
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr


class Postgres:
    """The CI PostgreSQL when BACKPROP_TEST_POSTGRES_URL names one, else a throwaway cluster (initdb)."""

    def __init__(self) -> None:
        self.process = None
        url = os.environ.get("BACKPROP_TEST_POSTGRES_URL")
        if url:
            self.url = url
            return
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        postgres = str(binaries[-1]) if binaries else "/usr/lib/postgresql/15/bin/postgres"
        _require(postgres, "PostgreSQL")
        bindir = Path(postgres).parent
        # Its own directory under /tmp: as root the server runs as `postgres`, which cannot enter pytest's.
        directory = self.directory = Path(tempfile.mkdtemp(prefix="bp-cluster-pg-"))
        data = directory / "data"
        data.mkdir()
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            for path in (directory, data):
                shutil.chown(path, "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)
        port = _free_port()
        log = directory / "pg.log"
        self.process = spawn([*as_user, postgres, "-D", str(data), "-p", str(port), "-k", str(directory),
                               "-c", "listen_addresses=127.0.0.1"], log)
        wait_port(port, self.process, "PostgreSQL", log)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            shutil.rmtree(self.directory, ignore_errors=True)


class Cluster:
    """Redis, two replicas and nginx over `database_url`."""

    def __init__(self, directory: Path, database_url: str) -> None:
        self.processes: list[subprocess.Popen] = []
        self.replicas: list[Server] = []
        self.database_url = database_url
        try:
            self._start(directory, database_url)
        except BaseException:
            self.stop()  # what did start must not outlive the test
            raise

    def _start(self, directory: Path, database_url: str) -> None:
        nginx = _require(NGINX, "nginx")
        redis = _require(REDIS, "redis-server")
        redis_port = _free_port()
        log = directory / "redis.log"
        self.redis = spawn([redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(directory)], log)
        self.processes.append(self.redis)
        wait_port(redis_port, self.redis, "redis-server", log)
        self.redis_url = f"redis://127.0.0.1:{redis_port}/0"
        env = {"BACKPROP_DATABASE_URL": database_url, "BACKPROP_REDIS_URL": self.redis_url,
               "BACKPROP_CLIENT_IP_HEADER": "x-forwarded-for", "BACKPROP_TRUSTED_PROXIES": "127.0.0.1",
               "BACKPROP_STREAM_PERSIST_EVERY_S": "0", "BACKPROP_MODEL_CREATES_PER_MINUTE": "0"}
        for name in ("a", "b"):
            (directory / name).mkdir()
            self.replicas.append(Server(directory / name, **env))
        self.port = _free_port()
        upstreams = [f"127.0.0.1:{replica.port}" for replica in self.replicas]
        main = nginx_main_config(directory, nginx_config(self.port, *upstreams))
        log = directory / "error.log"
        self.nginx = spawn([nginx, "-p", str(directory), "-c", str(main), "-g", "daemon off;"],
                            directory / "nginx.out")
        self.processes.append(self.nginx)
        wait_port(self.port, self.nginx, "nginx", log)
        self.url = f"http://127.0.0.1:{self.port}"

    def replica_at(self, address: str) -> Server:
        """The replica nginx named in X-Backprop-Replica (the last address it tried)."""
        port = int(address.split(",")[-1].strip().rsplit(":", 1)[1])
        return next(r for r in self.replicas if r.port == port)

    def stop(self) -> None:
        for replica in self.replicas:
            if replica.process.poll() is None:
                replica.kill()
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def database_url():
    _require(NGINX, "nginx")
    _require(REDIS, "redis-server")
    postgres = Postgres()
    yield postgres.url
    postgres.stop()


@pytest.fixture
def cluster(database_url, tmp_path):
    cluster = Cluster(tmp_path, database_url)
    yield cluster
    cluster.stop()


def _create(url: str) -> tuple[str, dict[str, str], str]:
    body = httpx.post(f"{url}/api/v1/models", json=MOONS, timeout=30).json()
    return body["id"], {"Authorization": f"Bearer {body['edit_token']}"}, body["edit_token"]


def _stream_steps(url: str, model_id: str, token: str, count: int, last: int) -> tuple[list[int], str]:
    """Open the model's stream through `url`, take `count` steps, the last of them step `last`; the steps of
    the frames received (in order, ending at `last`) and the replica."""
    ws_url = url.replace("http://", "ws://") + f"/api/v1/models/{model_id}/stream"
    with connect(ws_url, open_timeout=20) as ws:
        replica = ws.response.headers.get("X-Backprop-Replica", "")
        ws.send(json.dumps({"type": "auth", "token": token}))
        ws.send(json.dumps({"type": "step", "count": count}))
        steps = []
        # a slow reader may skip frames: the newest replaces one not read yet
        while not steps or steps[-1] < last:
            message = json.loads(ws.recv(timeout=30))
            assert message["type"] == "trace", message
            steps.append(message["step"])
    assert steps == sorted(set(steps)) and steps[-1] == last, steps
    return steps, replica


def test_a_model_trains_and_streams_through_the_proxy_on_one_replica(cluster):
    model_id, auth, token = _create(cluster.url)
    replicas = set()
    for expected in range(1, 4):
        response = httpx.post(f"{cluster.url}/api/v1/models/{model_id}/step", headers=auth, timeout=30)
        assert response.status_code == 200 and response.json()["step"] == expected
        replicas.add(response.headers["X-Backprop-Replica"])
    trained = httpx.post(f"{cluster.url}/api/v1/models/{model_id}/train", json={"steps": 5}, headers=auth,
                         timeout=60)
    replicas.add(trained.headers["X-Backprop-Replica"])
    assert trained.json()["step"] == 8
    steps, replica = _stream_steps(cluster.url, model_id, token, 3, last=11)
    replicas.add(replica)
    assert steps[0] >= 9
    assert len(replicas) == 1  # every request of this model went to one replica
    # The pages and the API's other routes answer through the proxy too, spread over both replicas.
    spread = {httpx.get(f"{cluster.url}/api/v1/health", timeout=30).headers["X-Backprop-Replica"]
              for _ in range(30)}
    assert len(spread) == 2 and httpx.get(f"{cluster.url}/embed", timeout=30).status_code == 200
    _nginx_serves_the_built_files_from_its_cache(cluster.url)


def _nginx_serves_the_built_files_from_its_cache(url: str) -> None:
    """/dist/: a replica answers the first request of each encoding, nginx's cache every later one, with
    the replica's bytes and headers (immutable, Vary)."""
    from backprop_playground.settings import DEFAULT_WEB_DIR
    from backprop_playground.webbuild import WebBuild

    if not WebBuild(DEFAULT_WEB_DIR).fresh():
        assert not os.environ.get("CI"), "web/dist is not built in CI"
        return
    page = httpx.get(f"{url}/embed", timeout=30).text
    asset = next(a for a in re.findall(r'src="(/dist/[^"]+\.js)"', page))
    raw = (DEFAULT_WEB_DIR / asset[1:]).read_bytes()
    brotli = (DEFAULT_WEB_DIR / (asset[1:] + ".br")).read_bytes()
    for accept, encoding, body in (("gzip, deflate, br", "br", brotli), ("gzip", "gzip", None),
                                   ("identity", None, raw)):
        seen = []
        for _ in range(3):
            with httpx.stream("GET", url + asset, headers={"Accept-Encoding": accept}, timeout=30) as answer:
                content = b"".join(answer.iter_raw())
            assert answer.status_code == 200 and answer.headers.get("content-encoding") == encoding, accept
            assert "immutable" in answer.headers["cache-control"]
            assert "accept-encoding" in answer.headers["vary"].lower()
            assert content == body if body is not None else gzip.decompress(content) == raw
            seen.append(answer.headers["X-Cache"])
        assert seen[1:] == ["HIT", "HIT"], (accept, seen)


def test_kill_9_of_the_owner_moves_the_model_and_its_stream_to_the_other_replica(cluster):
    model_id, auth, token = _create(cluster.url)
    first = httpx.post(f"{cluster.url}/api/v1/models/{model_id}/step", headers=auth, timeout=30)
    owner = cluster.replica_at(first.headers["X-Backprop-Replica"])
    steps, _ = _stream_steps(cluster.url, model_id, token, 3, last=4)  # saved at every step here
    assert steps[0] >= 2
    owner.kill()
    after = httpx.post(f"{cluster.url}/api/v1/models/{model_id}/step", headers=auth, timeout=30)
    assert after.status_code == 200, after.text
    assert after.json()["step"] == 5  # from the saved step 4: nothing lost, nothing applied twice
    survivor = cluster.replica_at(after.headers["X-Backprop-Replica"])
    assert survivor is not owner
    steps, replica = _stream_steps(cluster.url, model_id, token, 2, last=7)  # a reconnecting stream
    assert steps[0] >= 6 and cluster.replica_at(replica) is survivor
    state = httpx.get(f"{cluster.url}/api/v1/models/{model_id}", timeout=30).json()
    assert state["step"] == 7


def test_a_follower_on_one_replica_sees_the_presenter_on_the_other_through_redis(cluster):
    a, b = cluster.replicas
    room = httpx.post(f"{a.url}/api/v1/rooms", json={"title": "cluster"}, timeout=30).json()
    assert httpx.get(f"{b.url}/api/v1/rooms/{room['code']}", timeout=30).status_code == 200  # B knows it
    path = f"/api/v1/rooms/{room['code']}/stream"
    with connect(b.url.replace("http://", "ws://") + path, open_timeout=20) as follower:
        follower.send(json.dumps({"type": "follow"}))
        hello = json.loads(follower.recv(timeout=20))
        assert hello["type"] == "hello" and hello["role"] == "follower"
        with connect(a.url.replace("http://", "ws://") + path, open_timeout=20) as presenter:
            presenter.send(json.dumps({"type": "auth", "token": room["presenter_token"]}))
            assert json.loads(presenter.recv(timeout=20))["role"] == "presenter"
            sent = [{"page": "stepper", "query": f"lesson=xor-relu&step={step}"} for step in range(1, 6)]
            for state in sent:
                presenter.send(json.dumps({"type": "state", "state": state}))
            received = []
            while not received or received[-1]["state"] != sent[-1]:
                message = json.loads(follower.recv(timeout=20))
                if message["type"] == "state":
                    received.append(message)
    # A follower behind may skip to the newest state (states are whole views), never go back.
    states = [m["state"] for m in received]
    assert all(state in sent for state in states) and states == sorted(states, key=sent.index)
    seqs = [m["seq"] for m in received]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_class_goes_on_when_its_presenters_replica_dies_and_when_redis_loses_it(cluster):
    """kill -9 of the replica that holds the presenter: the followers (through nginx) reconnect to the
    other one, the presenter presents there with the same token, seq keeps rising. Then Redis loses every
    room: the room is read back from PostgreSQL."""
    from sqlalchemy import create_engine, text

    from tests.rooms.test_rooms_live import Follower
    from tests.rooms.test_rooms_redis import _flush_redis
    from tests.waiting import wait_until

    a, b = cluster.replicas
    room = httpx.post(f"{a.url}/api/v1/rooms", json={"title": "cluster class"}, timeout=30).json()
    code, token = room["code"], room["presenter_token"]
    path = f"/api/v1/rooms/{code}/stream"

    def present(replica: Server):
        ws = connect(replica.url.replace("http://", "ws://") + path, open_timeout=20).__enter__()
        ws.send(json.dumps({"type": "auth", "token": token}))
        assert json.loads(ws.recv(timeout=20))["role"] == "presenter"
        return ws

    followers = [Follower(cluster.url, code, str(n)) for n in range(4)]
    for follower in followers:
        follower.start()
    try:
        presenter = present(a)
        wait_until(lambda: all(f.connections for f in followers), "the followers joined through nginx")
        for step in range(1, 4):
            presenter.send(json.dumps({"type": "state", "state": {"query": f"step={step}"}}))
        wait_until(lambda: all(f.seq >= 3 for f in followers), "the followers are at step 3")
        before = max(f.seq for f in followers)
        a.kill()
        presenter.close()
        presenter = present(b)
        presenter.send(json.dumps({"type": "state", "state": {"query": "step=4"}}))
        wait_until(lambda: all(f.seen[-1][1] == {"query": "step=4"} for f in followers),
                   "every follower, on whichever replica, is at step 4")
        assert all(f.seq > before for f in followers)

        engine = create_engine(cluster.database_url)
        try:
            def written() -> int:
                with engine.connect() as conn:
                    found = conn.execute(text("SELECT seq FROM rooms WHERE code = :c"), {"c": code})
                    return found.scalar() or 0

            wait_until(lambda: written() > before, "the class is written to PostgreSQL")
        finally:
            engine.dispose()
        _flush_redis(cluster.redis_url)
        found = httpx.get(f"{cluster.url}/api/v1/rooms/{code}", timeout=30)
        assert found.status_code == 200 and found.json()["state"] == {"query": "step=4"}
        presenter.send(json.dumps({"type": "state", "state": {"query": "step=5"}}))
        wait_until(lambda: all(f.seen[-1][1] == {"query": "step=5"} for f in followers),
                   "the class goes on after Redis lost it")
        presenter.close()
    finally:
        for follower in followers:
            follower.stopping = True
