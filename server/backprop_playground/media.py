"""The stepper as media, for slide software that cannot hold an iframe (PowerPoint, Keynote, Google Slides):
an MP4 video, an animated GIF, a PDF handout and numbered PNG frames.

    render_media(page_html, trace, "out.mp4", MediaOptions(format="mp4", size=(1280, 720), hold=2))

Rendered by the real front end, never a second renderer: the page of `export.stepper_html` (the embed as one
offline file) is opened from disk in a headless Chromium driven by Playwright and stepped through its own
commands (`goto` by postMessage, → for the next step) on a controlled clock. Playwright's clock stands in
for the page's timers, requestAnimationFrame and performance.now, so d3's transitions (the contribution
travelling along its edge, the total counting up) advance exactly as far as asked between two screenshots;
the CSS animations and transitions (an edge label fading in, a badge) are paused and set to the same clock
(`_SYNC`). A step's frames are taken at the video's frame times until its animation has ended (a condition
the page answers: no particle, no d3 transition, every finite CSS animation past its end); the rest of its
hold repeats that still frame.

Encoding is ffmpeg's (the binary of imageio-ffmpeg, or IMAGEIO_FFMPEG_EXE): H.264 in yuv420p with
+faststart for the MP4 (BT.709, what PowerPoint, Keynote and Google Slides play), a GIF from a palette made
for the export's own frames (palettegen / paletteuse, so each theme gets its colours). The PDF handout is
Chromium's print of a generated page: per page the graph as the stepper draws it (a screenshot at twice
the size, for print), the steps' narration and the front end's own gradient table, both as text, so they
can be selected and searched. PNG frames are the still of each step, named by its step number.

Everything here is optional (`pip install 'backprop-playground[media]'`): a missing piece (Playwright,
Chromium, ffmpeg or its H.264 encoder) raises MissingTool naming it and how to get it.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

FORMATS = ("mp4", "gif", "pdf", "png")
PHASES = ("all", "forward", "backward", "update")
STEP_TYPES = ("forward", "backward", "update")  # the events that are steps (web/js/stepper/trace.js)
DEFAULT_SIZE = (1280, 720)
MIN_SIZE = (320, 180)
MAX_SIZE = (3840, 2160)
DEFAULT_FPS = {"mp4": 24, "gif": 10}
MAX_FPS = {"mp4": 60, "gif": 50}  # GIF delays are in hundredths of a second; browsers slow faster ones
HOLD_RANGE = (0.05, 60.0)
DEFAULT_HOLD = 2.0
DEFAULT_MAX_FRAMES = 10_000
DEFAULT_MAX_MB = 200.0
CHROMIUM_ENV = "BACKPROP_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")
INSTALL = "pip install 'backprop-playground[media]'"
PDF_SCALE = 2  # the handout's screenshots: twice the CSS pixels, sharp on paper
SETTLE_LIMIT_MS = 20_000  # the most page time an animation may take before the page is said to be stuck
PAGE_TIMEOUT_MS = 60_000

PHASE_NAMES = {"start": "Start", "forward": "Forward pass", "backward": "Backward pass", "update": "Update"}


class MediaError(ValueError):
    """What was asked cannot be rendered (a bad size, range or cap, a step range outside the trace): says
    what. The CLI answers it with exit code 2."""


class MissingTool(MediaError):
    """A piece the media export needs is not installed: names it and how to install it."""


class RenderFailed(RuntimeError):
    """The page or the encoder failed while rendering (not the request's fault): says where."""


@dataclass(frozen=True)
class MediaOptions:
    """What to render. `steps` (first, last) overrides `phase`; `fps` defaults per format; `per_page` is the
    handout's steps per page (0: one page per phase); `table` shows the gradient table in the frames."""

    format: str
    size: tuple[int, int] = DEFAULT_SIZE
    hold: float = DEFAULT_HOLD
    fps: int | None = None
    phase: str = "all"
    steps: tuple[int, int] | None = None
    per_page: int = 0
    table: bool = False
    speed: float = 1.0
    max_frames: int = DEFAULT_MAX_FRAMES
    max_mb: float = DEFAULT_MAX_MB

    def checked(self) -> MediaOptions:
        """These options with the format's fps filled in; MediaError for a value out of its bounds."""
        if self.format not in FORMATS:
            raise MediaError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        check_size(self.size)
        if self.format == "mp4" and (self.size[0] % 2 or self.size[1] % 2):
            raise MediaError(f"an MP4 (H.264, yuv420p) needs an even width and height, not "
                             f"{self.size[0]}x{self.size[1]}")
        if not HOLD_RANGE[0] <= self.hold <= HOLD_RANGE[1]:
            raise MediaError(f"--hold must be {HOLD_RANGE[0]} to {HOLD_RANGE[1]:g} seconds, "
                             f"not {self.hold:g}")
        fps = self.fps if self.fps is not None else DEFAULT_FPS.get(self.format, 1)
        top = MAX_FPS.get(self.format, 60)
        if not 1 <= fps <= top:
            raise MediaError(f"--fps must be 1 to {top} for {self.format}, not {fps}")
        if self.phase not in PHASES:
            raise MediaError(f"--phase must be one of {', '.join(PHASES)}, not {self.phase!r}")
        if self.per_page < 0:
            raise MediaError(f"--per-page must be 0 (a page per phase) or more, not {self.per_page}")
        if not 0.1 <= self.speed <= 10:
            raise MediaError(f"--speed must be 0.1 to 10, not {self.speed:g}")
        if self.max_frames < 1 or self.max_mb <= 0:
            raise MediaError("--max-frames and --max-mb must be positive")
        return replace(self, fps=fps)

    @property
    def video(self) -> bool:
        return self.format in ("mp4", "gif")

    @property
    def frames_per_step(self) -> int:
        """Video frames each step is shown for: its hold at the frame rate."""
        return max(1, round(self.hold * (self.fps or 1)))


@dataclass
class MediaResult:
    """What was written: the file (or directory), its bytes, the steps shown, the frames (video frames, PNG
    files or PDF pages), the video's duration and how long the render took."""

    path: Path
    format: str
    steps: tuple[int, int]
    frames: int
    bytes: int
    duration_s: float | None
    seconds: float
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Reading the request: sizes, step ranges, the trace's phases


def parse_size(text: str) -> tuple[int, int]:
    """ "1280x720" → (1280, 720), within MIN_SIZE and MAX_SIZE."""
    found = re.fullmatch(r"\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*", text or "")
    if not found:
        raise MediaError(f"--size takes WIDTHxHEIGHT in pixels, e.g. 1280x720 or 960x540, not {text!r}")
    return check_size((int(found.group(1)), int(found.group(2))))


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = size
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise MediaError(f"--size {width}x{height} is out of bounds: from {MIN_SIZE[0]}x{MIN_SIZE[1]} to "
                         f"{MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return width, height


def parse_steps(text: str) -> tuple[int, int]:
    """ "3-12" → (3, 12); "7" → (7, 7)."""
    found = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?", text or "")
    if not found:
        raise MediaError(f"--steps takes FIRST-LAST step numbers, e.g. 0-12, not {text!r}")
    first = int(found.group(1))
    last = int(found.group(2)) if found.group(2) is not None else first
    if last < first:
        raise MediaError(f"--steps {first}-{last}: the first step comes after the last")
    return first, last


def step_phases(trace: dict) -> list[str]:
    """The phase of each step 1…n of a wire trace, as the stepper tells them (web/js/stepper/trace.js
    `eventPhase`): forward, backward (a forward event of a recorded backward graph too) or update."""
    phase_of = {node["id"]: node.get("phase") for node in trace["graph"]["nodes"]}
    out = []
    for event in trace["events"]:
        if event["type"] not in STEP_TYPES:
            continue
        backward_graph = event["type"] == "forward" and phase_of.get(event["node"]) == "backward"
        out.append("backward" if backward_graph else event["type"])
    return out


def page_trace(data: dict) -> dict:
    """The trace a page of export.stepper_html shows, from its embedded data (export.unpack_page)."""
    if data.get("trace"):
        return data["trace"]
    for answer in data.get("answers", []):
        if (answer["method"], answer["path"]) in (("POST", "/specs/step"), ("POST", "/expressions")):
            return answer["answer"]
    raise MediaError("this page shows no trace to render (a lesson panel with nothing to step)")


def phase_of(phases: list[str], step: int) -> str:
    return "start" if step <= 0 else phases[step - 1]


def step_range(phases: list[str], phase: str = "all",
               steps: tuple[int, int] | None = None) -> tuple[int, int]:
    """The steps shown, (first, last): a media starts on `first` as it is and steps to `last`. A phase
    starts where the stepper's jump to it lands (the step before its first event) and ends with its last
    event; "all" is 0 to the end."""
    total = len(phases)
    if steps is not None:
        first, last = steps
        if last > total:
            raise MediaError(f"--steps {first}-{last}: this trace has steps 0 to {total}")
        return first, last
    if phase == "all":
        return 0, total
    ks = [k for k, p in enumerate(phases, start=1) if p == phase]
    if not ks:
        present = ", ".join(dict.fromkeys(phases)) or "none"
        raise MediaError(f"this trace has no {phase} phase (its phases: {present})")
    return ks[0] - 1, ks[-1]


def handout_pages(phases: list[str], first: int, last: int, per_page: int = 0) -> list[list[int]]:
    """The steps of each handout page: every `per_page` steps, or (0) one page per phase. A page shows the
    graph at its last step; a range of one step is one page of it."""
    steps = list(range(first + 1, last + 1)) or [first]
    if per_page:
        return [steps[i:i + per_page] for i in range(0, len(steps), per_page)]
    pages: list[list[int]] = []
    for k in steps:
        if pages and phase_of(phases, pages[-1][-1]) == phase_of(phases, k):
            pages[-1].append(k)
        else:
            pages.append([k])
    return pages


def planned_frames(options: MediaOptions, first: int, last: int) -> int:
    """The frames a render makes: video frames (steps × hold × fps), PNG files or stills of the handout."""
    steps = last - first + 1
    return steps * options.frames_per_step if options.video else steps


# --------------------------------------------------------------------------------------------------
# The tools: Playwright, Chromium, ffmpeg


def chromium_executable() -> str:
    """The Chromium to drive: BACKPROP_CHROMIUM, else Debian's /usr/bin/chromium, else one on the PATH."""
    wanted = os.environ.get(CHROMIUM_ENV)
    candidates = [wanted] if wanted else [DEFAULT_CHROMIUM, "chromium", "chromium-browser", "google-chrome"]
    for candidate in candidates:
        found = candidate if os.path.isfile(candidate) else shutil.which(candidate)
        if found and os.access(found, os.X_OK):
            return found
    where = wanted or DEFAULT_CHROMIUM
    raise MissingTool(f"no Chromium at {where}: install it (Debian or Ubuntu: apt-get install chromium) or "
                      f"set {CHROMIUM_ENV} to a Chromium or Chrome executable")


def ffmpeg_executable(encoder: str) -> str:
    """An ffmpeg that has `encoder` (libx264, gif): imageio-ffmpeg's own binary (or IMAGEIO_FFMPEG_EXE)."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise MissingTool(f"the media export needs ffmpeg: {INSTALL} (imageio-ffmpeg ships one)") from None
    try:
        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        raise MissingTool(f"no ffmpeg found: {INSTALL}, or set IMAGEIO_FFMPEG_EXE to an ffmpeg") from None
    try:
        listed = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True,
                                timeout=60)
    except OSError as exc:
        raise MissingTool(f"cannot run ffmpeg at {exe} ({exc.strerror or exc}): {INSTALL}, or set "
                          "IMAGEIO_FFMPEG_EXE to a working ffmpeg") from None
    if not re.search(rf"^\s*V\S*\s+{re.escape(encoder)}\s", listed.stdout, re.M):
        raise MissingTool(f"the ffmpeg at {exe} has no {encoder} encoder: {INSTALL} (imageio-ffmpeg's ffmpeg "
                          "has it), or set IMAGEIO_FFMPEG_EXE to one that does")
    return exe


def check_tools(fmt: str) -> dict[str, str]:
    """Everything `fmt` needs, before any work: MissingTool naming the first thing missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise MissingTool(f"the media export needs Playwright (the Python package): {INSTALL}") from None
    tools = {"chromium": chromium_executable()}
    if fmt in ("mp4", "gif"):
        tools["ffmpeg"] = ffmpeg_executable("libx264" if fmt == "mp4" else "gif")
    return tools


# --------------------------------------------------------------------------------------------------
# The page, stepped on a controlled clock

# CSS animations and transitions follow the page's clock (Playwright's, so Date.now() is page time): each is
# paused and set to its age, counted from the call that first saw it (the one right after the step began).
# Answers whether anything still moves: a travelling contribution, a d3 transition (the total counting up,
# a fit), or a finite CSS animation not yet at its end.
_SYNC = """() => {
  const now = Date.now();
  const m = (window.__mediaClock ??= { born: new WeakMap(), last: now });
  let moving = false;
  for (const a of document.getAnimations()) {
    if (!m.born.has(a)) m.born.set(a, m.last);
    const age = Math.max(0, now - m.born.get(a));
    a.pause();
    a.currentTime = age;
    const end = a.effect?.getComputedTiming().endTime;
    if (Number.isFinite(end) && age < end) moving = true;
  }
  m.last = now;
  const svg = document.querySelector(".graph-svg");
  const transitioning = (el) => el.__transition && Object.keys(el.__transition).length > 0;
  if (document.querySelector(".graph-svg .particles > *")) moving = true;
  if (svg && (transitioning(svg) || [...svg.querySelectorAll("*")].some(transitioning))) moving = true;
  return moving;
}"""
# At rest, as a still: what is finite at its end, what is endless (a backward edge's flowing dashes) at its
# start, as Playwright's screenshots with animations "disabled" show a page.
_AT_REST = """() => {
  for (const a of document.getAnimations()) {
    const end = a.effect?.getComputedTiming().endTime;
    a.pause();
    a.currentTime = Number.isFinite(end) ? end : 0;
  }
}"""
# The box of what the graph draws (its nodes, edges and labels, with a margin), within the graph's area.
_DRAWN = """() => {
  const area = document.querySelector(".graph-wrap").getBoundingClientRect();
  const drawn = document.querySelector(".graph-svg g.viewport").getBoundingClientRect();
  const x = Math.max(area.left, drawn.left - 16), y = Math.max(area.top, drawn.top - 16);
  const right = Math.min(area.right, drawn.right + 16), bottom = Math.min(area.bottom, drawn.bottom + 16);
  return right - x > 40 && bottom - y > 40 ? { x, y, width: right - x, height: bottom - y }
    : { x: area.left, y: area.top, width: area.width, height: area.height };
}"""
_COUNT = "() => document.querySelector('.controls .count')?.textContent ?? ''"
_GOTO = "(step) => window.postMessage({ source: 'backprop-playground', command: 'goto', step }, '*')"
_AT_STEP = "(step) => document.querySelector('.controls .count')?.textContent.startsWith(step + ' /')"
_TABLE = """() => {
  const table = document.querySelector('.grad-table');
  const toggle = document.querySelector('.grad-table-toggle');
  const wasOpen = table && !table.hidden;
  if (!wasOpen) toggle?.click();
  const rows = table?.querySelectorAll('tbody tr').length ?? 0;
  const out = rows ? table.querySelector('table').outerHTML : '';
  if (!wasOpen) toggle?.click();
  return out;
}"""


class SteppedPage:
    """The exported stepper in a page whose clock only moves when told (`advance`)."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)

    def start(self, url: str, total: int) -> None:
        page = self.page
        page.clock.install()
        page.goto(url)
        page.wait_for_function("() => document.body.dataset.ready === 'true' || document.querySelector("
                               "'#status[data-kind=error]:not([hidden])')", timeout=PAGE_TIMEOUT_MS)
        error = page.locator("#status[data-kind=error]:not([hidden])")
        if error.count():
            raise RenderFailed(f"the stepper could not show this: {error.inner_text()}")
        page.wait_for_selector("g.node[data-node-id]", timeout=PAGE_TIMEOUT_MS)
        shown = page.evaluate(_COUNT)
        if not shown.endswith(f"/ {total}"):
            raise RenderFailed(f"the page shows {shown!r} steps where the trace has {total}")
        page.clock.pause_at(page.evaluate("Date.now()") + 50)

    def moving(self) -> bool:
        return bool(self.page.evaluate(_SYNC))

    def advance(self, ms: float) -> bool:
        """Move the page's clock on by `ms`; whether anything still moves."""
        self.page.clock.run_for(max(1, round(ms)))
        return self.moving()

    def settle(self) -> None:
        """Run the clock until nothing moves (the step's travel, a fit, a fading label)."""
        waited = 0
        while self.moving():
            if waited > SETTLE_LIMIT_MS:
                raise RenderFailed(f"the page was still animating after {SETTLE_LIMIT_MS / 1000:g} s "
                                   "of its time")
            self.page.clock.run_for(50)
            waited += 50

    def goto(self, step: int) -> None:
        """Show `step` as it is (the stepper's goto: no travel)."""
        self.page.evaluate(_GOTO, step)
        self.page.wait_for_function(_AT_STEP, arg=step, timeout=PAGE_TIMEOUT_MS)

    def next(self, step: int) -> None:
        """Step forward with →, as a presenter does (the contribution travels); `step` is the one reached."""
        self.moving()  # the CSS animations that start now are counted from now
        self.page.keyboard.press("ArrowRight")
        self.page.wait_for_function(_AT_STEP, arg=step, timeout=PAGE_TIMEOUT_MS)
        self.moving()

    def shot(self, still: bool, graph_only: bool = False) -> bytes:
        """A PNG of the page: as it is now, made fast (a frame in motion, which only ffmpeg reads), or
        `still`: at rest (_AT_REST), at the page's pixel ratio, only the drawn graph if `graph_only`."""
        if not still:
            shot = self.cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
            return base64.b64decode(shot["data"])
        self.page.evaluate(_AT_REST)
        clip = self.page.evaluate(_DRAWN) if graph_only else None
        return self.page.screenshot(type="png", clip=clip, scale="device", animations="allow", caret="hide")

    def narration(self) -> str:
        return self.page.locator(".controls .narration").inner_text().strip()

    def table_html(self) -> str:
        """The front end's gradient table at the shown step (opened for the moment if it is closed)."""
        out = self.page.evaluate(_TABLE)
        self.settle()
        return out


@contextlib.contextmanager
def _browser(chromium: str) -> Iterator:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MissingTool(f"cannot start Chromium at {chromium}: {first}; set {CHROMIUM_ENV} to a "
                              "working Chromium or Chrome") from None
        try:
            yield browser
        finally:
            browser.close()


def _offline_context(browser, **options):
    """A context that refuses every request but file: and data: (the page needs none) and records page
    errors on `context.page_errors`."""
    context = browser.new_context(**options)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                  else route.abort())
    context.page_errors = []
    return context


# --------------------------------------------------------------------------------------------------
# Writers: what a format does with the frames


class _Video:
    """The video's frames, each distinct one kept once as a PNG with how many frames it lasts; ffmpeg then
    reads them through its concat demuxer (each decoded once) and encodes them at a constant frame rate.

    MP4: H.264 (libx264) in yuv420p, BT.709 colours tagged, +faststart (the index first, so slide software
    starts it at once). GIF: a palette made from all the frames (palettegen: the theme's own colours), then
    the GIF with it (paletteuse without dithering: the stepper's flat colours stay flat), looping."""

    def __init__(self, ffmpeg: str, out: Path, options: MediaOptions, workdir: Path):
        self.ffmpeg = ffmpeg
        self.out = out
        self.format = options.format
        self.fps = options.fps
        self.dir = workdir / "frames"
        self.dir.mkdir()
        self.entries: list[tuple[Path, int]] = []
        self.frames = 0

    def add(self, png: bytes, count: int, step: int) -> None:
        path = self.dir / f"{len(self.entries):06d}.png"
        path.write_bytes(png)
        self.entries.append((path, count))
        self.frames += count

    def finish(self) -> None:
        # Each image read at a rate whose ticks the durations fall on (a GIF counts in hundredths of a
        # second), so no frame's time is rounded to the image demuxer's default 1/25 s.
        rate = 100 if self.format == "gif" else self.fps
        entries = list(self.entries)
        if self.format == "mp4":
            entries.append((entries[-1][0], 1))  # the demuxer gives the last image no time: one to spare
        lines = ["ffconcat version 1.0"]
        for path, count in entries:
            lines += [f"file '{path.name}'", f"option framerate {rate}", f"duration {count / self.fps:.6f}"]
        listing = self.dir / "frames.txt"
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        source = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        if self.format == "mp4":
            self._run([*source, "-vf", f"fps={self.fps},scale=out_color_matrix=bt709:out_range=tv,"
                       "format=yuv420p,setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709",
                       "-frames:v", str(self.frames), "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                       "-tune", "animation", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4",
                       str(self.out)])
            return
        palette = self.dir / "palette.png"
        self._run([*source, "-vf", "palettegen=max_colors=256:stats_mode=full:reserve_transparent=1",
                   "-update", "1", "-frames:v", "1", str(palette)])
        self._run([*source, "-i", str(palette), "-lavfi",
                   "[0:v][1:v]paletteuse=dither=none:diff_mode=rectangle", "-fps_mode", "passthrough",
                   "-loop", "0", "-final_delay", str(round(self.entries[-1][1] * 100 / self.fps)),
                   "-f", "gif",
                   str(self.out)])

    def abort(self) -> None:
        pass

    def _run(self, args: list[str]) -> None:
        done = subprocess.run([self.ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args],
                              capture_output=True, text=True, cwd=self.dir)
        if done.returncode != 0:
            message = done.stderr.strip()[-600:] or "no message"
            raise RenderFailed(f"ffmpeg could not make the {self.format.upper()}: {message}")


class _Pngs:
    """The still of each step as step-NNNN.png (the stepper's step number) in a directory."""

    def __init__(self, out: Path, max_bytes: int):
        self.out = out
        self.max_bytes = max_bytes
        self.written: list[Path] = []
        self.bytes = 0
        self.frames = 0

    def add(self, png: bytes, count: int, step: int) -> None:
        path = self.out / f"step-{step:04d}.png"
        path.write_bytes(png)
        self.written.append(path)
        self.bytes += len(png)
        self.frames += 1
        if self.bytes > self.max_bytes:
            raise MediaError(f"the frames pass the size cap of {self.max_bytes / 1e6:g} MB (--max-mb) at "
                             f"step {step}; give a smaller --size or fewer --steps, or raise --max-mb")

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)


@dataclass
class _Sheet:
    steps: list[int]
    narrations: list[str]
    png: bytes
    table: str


class _Handout:
    """The PDF: one sheet per page of steps (graph, narration, gradient table), printed by Chromium."""

    def __init__(self, out: Path, title: str, total: int, phases: list[str]):
        self.out = out
        self.title = title
        self.total = total
        self.phases = phases
        self.sheets: list[_Sheet] = []
        self.frames = 0

    def add_sheet(self, sheet: _Sheet) -> None:
        self.sheets.append(sheet)
        self.frames += 1

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def html(self) -> str:
        return handout_html(self.title, self.sheets, self.phases, self.total)

    def print_pdf(self, browser) -> list[str]:
        """Print the handout; the numbers of sheets whose details had to be cut (warnings)."""
        context = _offline_context(browser, viewport={"width": 1123, "height": 794})
        try:
            page = context.new_page()
            page.emulate_media(media="print")
            page.set_content(self.html(), wait_until="load")
            cut = page.evaluate(_FIT_SHEETS)
            page.pdf(path=str(self.out), prefer_css_page_size=True, print_background=True)
        finally:
            context.close()
        return [f"page {n}: its steps and table do not fit and are cut at the bottom; give --per-page fewer "
                "steps" for n in cut]


# Shrink each sheet's steps and table (down to 6 pt) until they fit the room the graph leaves; the sheets
# whose text still does not fit.
_FIT_SHEETS = """() => {
  const cut = [];
  document.querySelectorAll('.sheet').forEach((sheet, i) => {
    const details = sheet.querySelector('.details');
    const image = sheet.querySelector('figure img');
    const over = () => details.scrollHeight > details.clientHeight + 1;
    let size = 9;
    const shrink = (least) => { while (over() && size > least) details.style.fontSize = `${size -= 0.5}pt`; };
    shrink(7);
    for (let height = 108; over() && height > 70; height -= 4) image.style.maxHeight = `${height - 4}mm`;
    shrink(6);
    if (over()) cut.push(i + 1);
  });
  return cut;
}"""

_HANDOUT_STYLE = """
@page { size: A4 landscape; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; background: #fff; color: #1b1b1f; }
body { font: 9pt/1.35 "DejaVu Sans", "Inter", system-ui, sans-serif; font-variant-ligatures: none; }
.sheet { width: 297mm; height: 210mm; padding: 9mm 12mm; overflow: hidden; break-after: page;
  display: flex; flex-direction: column; gap: 3.5mm; }
.sheet:last-child { break-after: auto; }
header { display: flex; justify-content: space-between; align-items: baseline; gap: 8mm;
  border-bottom: 0.6pt solid #9a9aa3; padding-bottom: 1.5mm; }
h1 { font-size: 13pt; margin: 0; }
h2 { font-size: 10pt; margin: 0 0 1.5mm; }
.where { color: #55555f; white-space: nowrap; }
figure { margin: 0; flex: none; display: flex; justify-content: center; }
figure img { max-width: 100%; max-height: 108mm; border: 0.6pt solid #c4c4cc; }
.details { flex: 1; min-height: 0; overflow: hidden; display: grid; grid-template-columns: 1fr 1.25fr;
  gap: 7mm; font-size: 9pt; }
ol { margin: 0; padding-left: 2.4em; }
li { margin: 0 0 0.6mm; }
li::marker { color: #55555f; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.6mm 1.5mm; border-bottom: 0.4pt solid #d6d6dd; }
thead th { font-weight: 700; border-bottom: 0.8pt solid #9a9aa3; }
tr.current { background: #fff1e6; }
ul.terms { list-style: none; margin: 0; padding: 0; }
button.node-link { all: unset; font-weight: 700; }
.num { font-family: "DejaVu Sans Mono", ui-monospace, monospace; }
.from, .running, .pending { color: #55555f; }
.grad-state.final { color: #b34700; font-weight: 700; }
footer { color: #77777f; font-size: 7.5pt; display: flex; justify-content: space-between; }
"""


def handout_html(title: str, sheets: list[_Sheet], phases: list[str], total: int) -> str:
    """The handout's page: one A4 landscape sheet per entry of `sheets`, text as text."""
    parts = []
    for number, sheet in enumerate(sheets, start=1):
        first, last = sheet.steps[0], sheet.steps[-1]
        names = list(dict.fromkeys(PHASE_NAMES[phase_of(phases, k)] for k in sheet.steps))
        where = f"{' → '.join(names)} · step{'s' if first != last else ''} " \
                f"{first}{f'–{last}' if first != last else ''} of {total}"
        items = "".join(f'<li value="{k}">{html.escape(text)}</li>'
                        for k, text in zip(sheet.steps, sheet.narrations, strict=True))
        table = sheet.table or '<p class="empty">No gradient yet: the backward pass has not reached it.</p>'
        image = base64.b64encode(sheet.png).decode("ascii")
        parts.append(f"""<section class="sheet">
  <header><h1>{html.escape(title)}</h1><span class="where">{html.escape(where)}</span></header>
  <figure><img src="data:image/png;base64,{image}" alt="The graph at step {last}"></figure>
  <div class="details">
    <div><h2>Steps</h2><ol>{items}</ol></div>
    <div><h2>Gradients so far (step {last})</h2>{table}</div>
  </div>
  <footer><span>Backprop Playground</span><span>{number} / {len(sheets)}</span></footer>
</section>""")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{_HANDOUT_STYLE}</style></head><body>{"".join(parts)}</body></html>')


# --------------------------------------------------------------------------------------------------
# The render


ProgressFn = Callable[[int, int], None]


def render_media(page_html: str, trace: dict, out: Path | str, options: MediaOptions, *, title: str = "",
                 progress: ProgressFn | None = None) -> MediaResult:
    """Render the stepper page `page_html` (from export.stepper_html) whose trace is `trace` into `out`: a
    file (mp4, gif, pdf) or a directory of step-NNNN.png (png). `progress(done, total)` hears of each step.
    Raises MediaError (bad options, a cap, a missing tool) or RenderFailed."""
    options = options.checked()
    out = Path(out)
    phases = step_phases(trace)
    first, last = step_range(phases, options.phase, options.steps)
    frames = planned_frames(options, first, last)
    if frames > options.max_frames:
        unit = "frames" if options.video else "steps"
        raise MediaError(f"this would make {frames} {unit}, over the cap of {options.max_frames} "
                         "(--max-frames): show fewer steps (--phase, --steps), or a shorter --hold or a "
                         "lower --fps")
    tools = check_tools(options.format)
    target = _prepare_target(out, options.format)
    max_bytes = int(options.max_mb * 1e6)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="backprop-media-") as tmp:
        workdir = Path(tmp)
        page_file = workdir / "stepper.html"
        page_file.write_text(page_html, encoding="utf-8")
        query = {"step": first, "camera": "overview"}
        if options.table:
            query["table"] = "open"
        if options.speed != 1:
            query["speed"] = f"{options.speed:g}"
        url = f"{page_file.as_uri()}?{urllib.parse.urlencode(query)}"
        written = workdir / f"out.{options.format}"
        writer = _writer(options, tools, written, target, workdir, max_bytes, title, len(phases), phases)
        warnings: list[str] = []
        try:
            with _browser(tools["chromium"]) as browser:
                scale = PDF_SCALE if options.format == "pdf" else 1
                viewport = {"width": options.size[0], "height": options.size[1]}
                context = _offline_context(browser, viewport=viewport, device_scale_factor=scale,
                                           reduced_motion="no-preference")
                try:
                    page = context.new_page()
                    page.on("pageerror", lambda exc: context.page_errors.append(str(exc)))
                    stepped = SteppedPage(page)
                    stepped.start(url, len(phases))
                    if options.format == "pdf":
                        _capture_handout(stepped, writer, phases, first, last, options.per_page, progress)
                    elif options.video:
                        _capture_video(stepped, writer, options, first, last, progress)
                    else:
                        _capture_stills(stepped, writer, first, last, progress)
                    if context.page_errors:
                        raise RenderFailed(f"the page failed: {context.page_errors[0]}")
                finally:
                    context.close()
                if options.format == "pdf":
                    warnings = writer.print_pdf(browser)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        if options.format != "png":
            size = written.stat().st_size
            if size > max_bytes:
                raise MediaError(f"the {options.format.upper()} is {size / 1e6:.1f} MB, over the size cap of "
                                 f"{options.max_mb:g} MB (--max-mb): give a smaller --size, fewer steps or a "
                                 "lower --fps, or raise --max-mb")
            shutil.move(str(written), str(target))
        else:
            size = writer.bytes
    per = options.frames_per_step
    duration = (last - first + 1) * per / options.fps if options.video else None
    return MediaResult(path=target, format=options.format, steps=(first, last), frames=writer.frames,
                       bytes=size, duration_s=duration, seconds=time.monotonic() - began,
                       pages=writer.frames if options.format == "pdf" else None, warnings=warnings)


def _prepare_target(out: Path, fmt: str) -> Path:
    """The file to write, or for PNG frames the directory (made; the step-*.png of an earlier export in it
    are replaced, anything else there is refused)."""
    if fmt != "png":
        if out.is_dir():
            raise MediaError(f"{out} is a directory: give the {fmt.upper()} file to write")
        if not out.parent.is_dir():
            raise MediaError(f"no directory {out.parent} to write {out.name} in")
        return out
    if out.exists() and not out.is_dir():
        raise MediaError(f"{out} is a file: PNG frames go into a directory")
    out.mkdir(parents=True, exist_ok=True)
    others = [p.name for p in out.iterdir() if not re.fullmatch(r"step-\d{4,}\.png", p.name)]
    if others:
        raise MediaError(f"{out} holds other files ({', '.join(sorted(others)[:3])}): give an empty or new "
                         "directory for the frames")
    for old in out.glob("step-*.png"):
        old.unlink()
    return out


def _writer(options: MediaOptions, tools: dict, written: Path, target: Path, workdir: Path, max_bytes: int,
            title: str, total: int, phases: list[str]):
    if options.video:
        return _Video(tools["ffmpeg"], written, options, workdir)
    if options.format == "png":
        return _Pngs(target, max_bytes)
    return _Handout(written, title or "Backprop Playground", total, phases)


def _capture_video(stepped: SteppedPage, writer, options: MediaOptions, first: int, last: int,
                   progress: ProgressFn | None) -> None:
    """Each step for `frames_per_step` frames: the travel at the frame times while it lasts, then the still.
    The clock reaches the end of the hold before the next → (a hold shorter than the travel cuts it, as
    pressing → early does on screen)."""
    per = options.frames_per_step
    dt = 1000 / options.fps
    stepped.settle()
    writer.add(stepped.shot(still=True), per, first)
    _tell(progress, 1, last - first + 1)
    for k in range(first + 1, last + 1):
        stepped.next(k)
        elapsed = 0  # frame times passed since →; frame i shows the page at (i + 1) · dt
        while elapsed < per:
            moving = stepped.advance(dt)
            elapsed += 1
            if not moving:
                writer.add(stepped.shot(still=True), per - elapsed + 1, k)
                break
            writer.add(stepped.shot(still=False), 1, k)
        if elapsed < per:
            stepped.page.clock.run_for(round((per - elapsed) * dt))
        _tell(progress, k - first + 1, last - first + 1)


def _capture_stills(stepped: SteppedPage, writer, first: int, last: int, progress: ProgressFn | None) -> None:
    for k in range(first, last + 1):
        if k != first:
            stepped.goto(k)
        stepped.settle()
        writer.add(stepped.shot(still=True), 1, k)
        _tell(progress, k - first + 1, last - first + 1)


def _capture_handout(stepped: SteppedPage, writer: _Handout, phases: list[str], first: int, last: int,
                     per_page: int, progress: ProgressFn | None) -> None:
    pages = handout_pages(phases, first, last, per_page)
    done = 0
    total = sum(len(p) for p in pages)
    for steps in pages:
        narrations = []
        for k in steps:
            stepped.goto(k)
            narrations.append(stepped.narration())
            done += 1
            _tell(progress, done, total)
        stepped.settle()
        png = stepped.shot(still=True, graph_only=True)
        writer.add_sheet(_Sheet(steps=steps, narrations=narrations, png=png, table=stepped.table_html()))


def describe(result: MediaResult) -> str:
    """One line on what was written, for the command line."""
    first, last = result.steps
    parts = [f"{result.bytes / 1e6:.2f} MB", f"steps {first}-{last}"]
    if result.duration_s is not None:
        parts.append(f"{result.duration_s:.1f} s, {result.frames} frames")
    elif result.pages is not None:
        parts.append(f"{result.pages} page{'s' if result.pages != 1 else ''}")
    else:
        parts.append(f"{result.frames} PNG file{'s' if result.frames != 1 else ''}")
    parts.append(f"rendered in {result.seconds:.1f} s")
    return ", ".join(parts)


def _tell(progress: ProgressFn | None, done: int, total: int) -> None:
    if progress:
        progress(done, total)


# --------------------------------------------------------------------------------------------------
# The command line's progress bar


class ProgressBar:
    """A plain text bar on a stream (stderr): redrawn in place on a terminal, a line every 10 % otherwise."""

    def __init__(self, label: str, stream=None, width: int = 30):
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.began = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.shown_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        tenth = math.floor(fraction * 10)
        if not self.tty and tenth == self.shown_tenth:
            return
        self.shown_tenth = tenth
        filled = round(fraction * self.width)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
                f"{done}/{total} steps {time.monotonic() - self.began:5.1f} s")
        end = "\n" if not self.tty or done >= total else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()
