"""POST /media, GET /media/{id} and /media/{id}/file (media_jobs.py): off by default (501 saying why), a
missing tool named, the caps (size, hold, frames), one job per client, expired jobs forgotten with their
files, and a real render's lifecycle where Playwright, Chromium and ffmpeg are installed."""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient

from backprop_playground import media, media_jobs
from backprop_playground.app import create_app
from backprop_playground.settings import Settings

EXPRESSION = {"expression": "(x*y+x)*z", "values": {"x": 2, "y": -1, "z": 3}}


@pytest.fixture
def enabled(tmp_path, monkeypatch):
    """A server with media jobs on, whose tools are taken as present (the render itself is not run)."""
    monkeypatch.setattr(media_jobs, "_TOOLS", {"gif": {}, "mp4": {}})
    app = create_app(Settings(data_dir=tmp_path, database_url=None, media_jobs=True))
    with TestClient(app) as client:
        yield client


def test_media_jobs_are_off_by_default_and_say_so(client):
    answer = client.post("/api/v1/media", json={"lesson": "xor-relu"})
    assert answer.status_code == 501
    assert "BACKPROP_MEDIA_JOBS=1" in answer.json()["detail"]
    assert "backprop-playground export" in answer.json()["detail"]
    assert client.get("/api/v1/media/abc").status_code == 501
    assert client.get("/api/v1/media/abc/file").status_code == 501


def test_a_missing_tool_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(media_jobs, "_TOOLS", {})

    def missing(fmt):
        raise media.MissingTool("no Chromium at /usr/bin/chromium: install it")

    monkeypatch.setattr(media, "check_tools", missing)
    app = create_app(Settings(data_dir=tmp_path, database_url=None, media_jobs=True))
    with TestClient(app) as client:
        answer = client.post("/api/v1/media", json={"lesson": "xor-relu"})
    assert answer.status_code == 501
    assert "lacks: no Chromium at /usr/bin/chromium" in answer.json()["detail"]


def test_caps_and_bad_requests(enabled, monkeypatch):
    monkeypatch.setattr(media_jobs.MediaJobs, "submit", lambda *a, **k: pytest.fail("nothing may be queued"))
    post = lambda body: enabled.post("/api/v1/media", json=body)  # noqa: E731
    answer = post({"lesson": "xor-relu", "size": "2560x1440"})
    assert answer.status_code == 422 and "over the jobs' cap of 1920x1080" in answer.json()["detail"]
    assert post({"lesson": "xor-relu", "hold": 30}).status_code == 422
    answer = post({"lesson": "xor-relu", "format": "mp4", "hold": 10})  # 26 steps × 240 frames
    assert answer.status_code == 422 and "6240 frames, over the jobs' cap of 3000" in answer.json()["detail"]
    assert post({"lesson": "no-such"}).status_code == 404
    assert post({"lesson": "xor-relu", **EXPRESSION}).status_code == 422
    answer = post({**EXPRESSION, "phase": "update"})
    assert answer.status_code == 422 and "no update phase" in answer.json()["detail"]
    assert post({"lesson": "xor-relu", "format": "png"}).status_code == 422
    assert enabled.get("/api/v1/media/nope").status_code == 404


def test_one_job_per_client_and_a_bounded_queue(enabled, monkeypatch):
    monkeypatch.setattr(media_jobs.MediaJobs, "_work", lambda self: None)  # nothing runs: all stay queued
    first = enabled.post("/api/v1/media", json={**EXPRESSION, "phase": "backward", "hold": 0.5})
    assert first.status_code == 202
    job = first.json()
    assert job["status"] == "queued" and job["name"] == "expression-backward.gif" and job["frames"] > 0
    assert first.headers["Location"] == f"/api/v1/media/{job['id']}"
    assert enabled.get(f"/api/v1/media/{job['id']}").json()["status"] == "queued"
    assert enabled.get(f"/api/v1/media/{job['id']}/file").status_code == 409
    again = enabled.post("/api/v1/media", json=EXPRESSION)
    assert again.status_code == 429 and "already has a media job" in again.json()["detail"]
    assert again.headers["Retry-After"]
    jobs = enabled.app.state.media_jobs
    for n in range(media_jobs.MAX_QUEUED - 1):
        jobs.submit(f"other-{n}", "<html>", {}, media.MediaOptions(format="gif"), frames=1, name="x.gif")
    full = enabled.post("/api/v1/media", json=EXPRESSION, headers={})
    assert full.status_code in (429, 503)
    with pytest.raises(media_jobs.JobRefused) as refused:
        jobs.submit("someone-else", "<html>", {}, media.MediaOptions(format="gif"), frames=1, name="x.gif")
    assert refused.value.status == 503 and "waiting already" in str(refused.value)


def test_ended_jobs_are_forgotten_with_their_files(tmp_path, monkeypatch):
    monkeypatch.setattr(media_jobs.MediaJobs, "_work", lambda self: None)
    jobs = media_jobs.MediaJobs(tmp_path, keep_s=0.01)
    job = jobs.submit("c", "<html>", {}, media.MediaOptions(format="gif"), frames=1, name="x.gif")
    assert job.directory.is_dir()
    job.status, job.ended = "done", time.time() - 1
    assert jobs.get(job.id) is None
    assert not job.directory.exists()
    other = jobs.submit("c", "<html>", {}, media.MediaOptions(format="gif"), frames=1, name="x.gif")
    jobs.close()  # the server stops: every job's files go
    assert not other.directory.exists() and not jobs.root.exists()


def _tools_missing() -> str | None:
    try:
        media.check_tools("gif")
    except media.MissingTool as exc:
        return str(exc)
    return None


@pytest.mark.browser
def test_a_gif_job_runs_to_its_file(tmp_path):
    reason = _tools_missing()
    if reason:
        pytest.skip(reason)
    from PIL import Image

    app = create_app(Settings(data_dir=tmp_path, database_url=None, media_jobs=True))
    with TestClient(app) as client:
        body = {**EXPRESSION, "phase": "backward", "hold": 0.3, "size": "320x180", "theme": "dark"}
        job = client.post("/api/v1/media", json=body).json()
        seen = set()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status = client.get(f"/api/v1/media/{job['id']}").json()
            seen.add(status["status"])
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.3)
        assert status["status"] == "done", status
        assert status["progress"] == 1 and status["bytes"] > 1000
        answer = client.get(f"/api/v1/media/{job['id']}/file")
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
        assert 'filename="expression-backward.gif"' in answer.headers["content-disposition"]
        gif = Image.open(io.BytesIO(answer.content))
        assert gif.size == (320, 180) and gif.n_frames >= 2 and gif.info.get("loop") == 0
        # the client may start another once its job has ended
        assert client.post("/api/v1/media", json={**body, "phase": "forward"}).status_code == 202
