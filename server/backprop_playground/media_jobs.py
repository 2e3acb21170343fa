"""Media renders as jobs of the API (POST /media, contracts §4): `media.render_media` (headless Chromium,
ffmpeg) run one at a time in a child process, per client one job unfinished, frames and size capped, the
file kept on disk for a short time. Off unless `media_jobs` is set (BACKPROP_MEDIA_JOBS=1) and Playwright,
Chromium and ffmpeg are there: `unavailable()` says why not.

    jobs = MediaJobs(directory, keep_s=600)
    job = jobs.submit(client, page_html, trace, options, name="xor-relu.gif")   # queued
    jobs.get(job.id)                                                            # status, progress, file

The child (`python -m backprop_playground.media_jobs DIR`) reads DIR/job.json, the page and the trace, calls
render_media and writes its progress to stdout as lines "done total"; the worker thread reads them. A child
that runs past `timeout_s` is killed. Each job's directory is removed `keep_s` after it ended, and all of
them when the server stops.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from backprop_playground import media

MAX_SIZE = (1920, 1080)
MAX_FRAMES = 3000
MAX_HOLD = 10.0
MAX_QUEUED = 4
TIMEOUT_S = 300.0
KEEP_S = 600.0
FORMATS = ("mp4", "gif")


class JobRefused(Exception):
    """A job that is not taken: `status` (429 this client has one, 503 the queue is full), a message and
    Retry-After."""

    def __init__(self, status: int, message: str, retry_after: int = 10):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass
class MediaJob:
    id: str
    client: str
    format: str
    name: str
    frames: int
    directory: Path
    status: str = "queued"  # queued, running, done, failed
    done: int = 0
    total: int = 0
    error: str | None = None
    bytes: int | None = None
    created: float = field(default_factory=time.time)
    ended: float | None = None

    @property
    def file(self) -> Path:
        return self.directory / f"out.{self.format}"

    def public(self) -> dict:
        progress = self.done / self.total if self.total else (1.0 if self.status == "done" else 0.0)
        return {"id": self.id, "status": self.status, "format": self.format, "name": self.name,
                "progress": round(progress, 4), "frames": self.frames, "bytes": self.bytes,
                "error": self.error}


def unavailable(enabled: bool, fmt: str | None = None) -> str | None:
    """Why this server makes no media (None: it does): off, or a missing tool (media.MissingTool's
    message)."""
    if not enabled:
        return ("media jobs are off on this server (BACKPROP_MEDIA_JOBS=1 turns them on, with Playwright, "
                "Chromium and ffmpeg installed); make the video with the command line instead: "
                "backprop-playground export --lesson xor-relu -o xor.mp4")
    try:
        _tools(fmt or "gif")
    except media.MissingTool as exc:
        return f"media jobs need tools this server lacks: {exc}"
    return None


_TOOLS: dict[str, dict] = {}


def _tools(fmt: str) -> dict:
    if fmt not in _TOOLS:
        _TOOLS[fmt] = media.check_tools(fmt)
    return _TOOLS[fmt]


def check_options(options: media.MediaOptions, trace: dict) -> tuple[media.MediaOptions, int]:
    """The options checked against the jobs' caps (format, size, hold, frames): (options, frames), or
    media.MediaError saying which cap."""
    if options.format not in FORMATS:
        raise media.MediaError(f"format must be one of {', '.join(FORMATS)}")
    if options.size[0] > MAX_SIZE[0] or options.size[1] > MAX_SIZE[1]:
        raise media.MediaError(f"size {options.size[0]}x{options.size[1]} is over the jobs' cap of "
                               f"{MAX_SIZE[0]}x{MAX_SIZE[1]}")
    if options.hold > MAX_HOLD:
        raise media.MediaError(f"hold {options.hold:g} s is over the jobs' cap of {MAX_HOLD:g} s")
    options = dataclasses.replace(options, max_frames=MAX_FRAMES).checked()
    first, last = media.step_range(media.step_phases(trace), options.phase, options.steps)
    frames = media.planned_frames(options, first, last)
    if frames > MAX_FRAMES:
        raise media.MediaError(f"this would make {frames} frames, over the jobs' cap of {MAX_FRAMES}: show "
                               "fewer steps (phase, steps) or a shorter hold, or use the command line")
    return options, frames


class MediaJobs:
    """The queue and its one worker thread. Thread-safe; `close()` kills a running render."""

    def __init__(self, directory: Path, *, keep_s: float = KEEP_S, timeout_s: float = TIMEOUT_S,
                 max_queued: int = MAX_QUEUED):
        # this server's own directory (replicas may share a data_dir), removed when it closes
        self.root = Path(directory) / "media-jobs" / uuid.uuid4().hex[:12]
        self.keep_s, self.timeout_s, self.max_queued = keep_s, timeout_s, max_queued
        self._jobs: dict[str, MediaJob] = {}
        self._queue: deque[MediaJob] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._worker: threading.Thread | None = None
        self._process: subprocess.Popen | None = None
        self._closed = False

    def submit(self, client: str, page_html: str, trace: dict, options: media.MediaOptions, *, frames: int,
               name: str) -> MediaJob:
        with self._lock:
            self._sweep()
            if self._closed:
                raise JobRefused(503, "the server is stopping")
            if any(j.client == client and j.status in ("queued", "running") for j in self._jobs.values()):
                raise JobRefused(429, "this client already has a media job queued or running: wait for it")
            if len(self._queue) >= self.max_queued:
                raise JobRefused(503, f"{len(self._queue)} media jobs are waiting already: try again later",
                                 30)
            job_id = uuid.uuid4().hex
            job = MediaJob(id=job_id, client=client, format=options.format, name=name, frames=frames,
                           directory=self.root / job_id)
            job.directory.mkdir(parents=True)
            (job.directory / "page.html").write_text(page_html, encoding="utf-8")
            (job.directory / "trace.json").write_text(json.dumps(trace), encoding="utf-8")
            options_json = {**dataclasses.asdict(options), "size": list(options.size)}
            (job.directory / "job.json").write_text(json.dumps(options_json), encoding="utf-8")
            self._jobs[job.id] = job
            self._queue.append(job)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="media-jobs", daemon=True)
                self._worker.start()
            self._wake.notify()
            return job

    def get(self, job_id: str) -> MediaJob | None:
        with self._lock:
            self._sweep()
            return self._jobs.get(job_id)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._queue.clear()
            process = self._process
            self._wake.notify_all()
        if process is not None and process.poll() is None:
            process.kill()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def _sweep(self) -> None:
        """Forget (and delete) jobs ended more than keep_s ago. Under the lock."""
        now = time.time()
        for job in [j for j in self._jobs.values() if j.ended is not None and now - j.ended > self.keep_s]:
            del self._jobs[job.id]
            shutil.rmtree(job.directory, ignore_errors=True)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job = self._queue.popleft()
                job.status = "running"
            self._run(job)

    def _run(self, job: MediaJob) -> None:
        error = None
        try:
            log = job.directory / "stderr.txt"  # a file: a chatty child never blocks on a full pipe
            with log.open("w") as errors, subprocess.Popen(
                    [sys.executable, "-m", "backprop_playground.media_jobs", str(job.directory)],
                    stdout=subprocess.PIPE, stderr=errors, text=True) as process:
                with self._lock:
                    self._process = process
                    if self._closed:
                        process.kill()
                timer = threading.Timer(self.timeout_s, process.kill)
                timer.start()
                try:
                    for line in process.stdout:
                        parts = line.split()
                        if len(parts) == 2 and all(p.isdigit() for p in parts):
                            job.done, job.total = int(parts[0]), int(parts[1])
                    code = process.wait()
                finally:
                    timer.cancel()
            if code != 0:
                lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
                if code < 0:
                    error = ("stopped" if self._closed
                             else f"the render was stopped after {self.timeout_s:g} s")
                else:
                    error = lines[-1] if lines else f"the render failed (exit code {code})"
            elif not job.file.is_file():
                error = "the render wrote no file"
        except OSError as exc:
            error = f"could not start the render: {exc}"
        with self._lock:
            self._process = None
            job.ended = time.time()
            if error:
                job.status, job.error = "failed", error
            else:
                job.status, job.bytes = "done", job.file.stat().st_size
                job.done = job.total = max(job.total, 1)


def _child(directory: Path) -> int:
    """The render of one job, in its own process: exit 0, or 2 (media.MediaError) / 1 with the reason as
    stderr's last line."""
    raw = json.loads((directory / "job.json").read_text(encoding="utf-8"))
    raw["size"] = tuple(raw["size"])
    if raw.get("steps") is not None:
        raw["steps"] = tuple(raw["steps"])
    options = media.MediaOptions(**raw)
    page = (directory / "page.html").read_text(encoding="utf-8")
    trace = json.loads((directory / "trace.json").read_text(encoding="utf-8"))

    def progress(done: int, total: int) -> None:
        print(done, total, flush=True)

    try:
        media.render_media(page, trace, directory / f"out.{options.format}", options, progress=progress)
    except media.MediaError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except media.RenderFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1])))
