"""`backprop-playground export --format mp4|gif|pdf|png`, run as a user runs it, for a lesson and an
expression: what each file holds (frame counts, durations, codec, loop, pages and their text), and its
frames compared with the stepper's own screenshots at the same steps."""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from backprop_playground.export import stepper_html
from tests.browser.helpers import wait_step, wait_still

pytestmark = pytest.mark.browser

SIZE = (640, 360)
XOR = {"lesson": "xor-relu"}
EXPRESSION = {"expression": "(x*y+x)*z", "values": {"x": 2, "y": -1, "z": 3}}
SOURCES = {"xor": (["--lesson", "xor-relu"], XOR),
           "expression": (["--expression", "(x*y+x)*z", "--values", "x=2,y=-1,z=3"], EXPRESSION)}
SMALL = ["--size", f"{SIZE[0]}x{SIZE[1]}"]
# what each test renders: (source, theme, arguments, output name); small and short, so the suite stays quick
RENDERS = {
    "xor.mp4": ("xor", "light", ["--hold", "1", "--fps", "10", "--speed", "4"]),
    "expression.mp4": ("expression", "light", ["--phase", "backward", "--hold", "0.5", "--fps", "10"]),
    "xor.gif": ("xor", "dark", ["--phase", "backward", "--hold", "1", "--fps", "10", "--speed", "4"]),
    "expression.gif": ("expression", "light", ["--hold", "0.3", "--fps", "10"]),
    "xor.pdf": ("xor", "light", []),
    "expression.pdf": ("expression", "light", ["--per-page", "3"]),
    "xor-frames": ("xor", "light", ["--format", "png", "--steps", "10-14"]),
    "expression-frames": ("expression", "projector", ["--format", "png", "--phase", "forward"]),
    "capped-frames": ("xor", "light", ["--format", "png", "--max-mb", "0.05"]),
}
TRANSFORM = "() => document.querySelector('g.viewport')?.getAttribute('transform')"


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class Rendered:
    def __init__(self, path: Path, code: int, err: str):
        self.path, self.code, self.err = path, code, err


class Renders:
    """The exports of RENDERS, each made by the command line in its own process; all are started at once (a
    few at a time, in the order the tests ask for them) and each test waits for its own."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.pool = ThreadPoolExecutor(max_workers=3)
        self.futures = {name: self.pool.submit(self.run, name) for name in RENDERS}

    def run(self, name: str) -> Rendered:
        source, theme, extra = RENDERS[name]
        out = self.directory / name
        argv = [sys.executable, "-m", "backprop_playground.cli", "export", *SOURCES[source][0],
                "--theme", theme, *SMALL, *extra, "-o", str(out)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=280)
        return Rendered(out, done.returncode, done.stderr)

    def __getitem__(self, name: str) -> Rendered:
        return self.futures[name].result()


@pytest.fixture(scope="module")
def renders(browser, tmp_path_factory):
    started = Renders(tmp_path_factory.mktemp("media"))
    yield started
    started.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The stepper as one HTML file, per source and theme, for its own screenshots."""
    directory = tmp_path_factory.mktemp("media-pages")
    out = {}
    for source, (_argv, kwargs) in SOURCES.items():
        for theme in ("light", "dark", "projector"):
            out[source, theme] = directory / f"{source}-{theme}.html"
            out[source, theme].write_text(stepper_html(**kwargs, theme=theme), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def stepper_shot(browser, pages):
    """The stepper's own screenshot at a step: the same file opened at the same size at `?step=k`, once its
    camera is still, with finished animations as Playwright leaves them ("disabled")."""
    context = browser.new_context(viewport={"width": SIZE[0], "height": SIZE[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def shot(source: str, theme: str, step: int) -> Image.Image:
        page.goto(f"{pages[source, theme].as_uri()}?step={step}&camera=overview")
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        wait_step(page, step)
        wait_still(page, TRANSFORM)
        return Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("RGB")

    yield shot
    context.close()
    assert not errors, errors


def difference(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """The mean absolute difference of two images (0–255) and the share of their pixels off by more than 48
    in some channel."""
    assert a.size == b.size
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    far = diff.convert("L").point(lambda v: 255 if v > 48 else 0).histogram()[255]
    return mean, far / (a.size[0] * a.size[1])


def assert_alike(frame: Image.Image, stepper: Image.Image, mean: float, share: float, what: str):
    got = difference(frame, stepper)
    assert got[0] <= mean and got[1] <= share, f"{what}: mean {got[0]:.2f}, share off {got[1]:.4f}"


def load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def video_info(path: Path) -> dict:
    """What ffmpeg reads in a video: codec, pixel format, size, duration and the frames it decodes."""
    probe = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    stream = re.search(r"Stream #0:0.*?: Video: (\w+).*?, (\w+)(?:\([^)]*\))?, (\d+)x(\d+)", probe)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe).groups()
    counted = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-c", "copy",
                              "-f", "null", "-"], capture_output=True, text=True).stderr
    frames = int(re.findall(r"frame=\s*(\d+)", counted)[-1])
    return {"codec": stream.group(1), "pix_fmt": stream.group(2),
            "size": (int(stream.group(3)), int(stream.group(4))),
            "duration": int(h) * 3600 + int(m) * 60 + float(s), "frames": frames}


def video_frames(path: Path, indices: list[int], into: Path) -> dict[int, Image.Image]:
    """Frames `indices` (0-based) of a video, decoded by ffmpeg, by index."""
    into.mkdir(exist_ok=True)
    ordered = sorted(set(indices))
    chosen = "+".join(f"eq(n\\,{i})" for i in ordered)
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-i", str(path),
                    "-vf", f"select={chosen}", "-fps_mode", "passthrough", str(into / "%03d.png")],
                   check=True)
    return {i: load(into / f"{n:03d}.png") for n, i in enumerate(ordered, start=1)}


def gif_frames(path: Path) -> tuple[list[tuple[Image.Image, int]], dict]:
    """Each frame of a GIF, as shown (RGB), with its duration in ms; and the GIF's loop and size."""
    with Image.open(path) as gif:
        about = {"loop": gif.info.get("loop"), "size": gif.size}
        out = []
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append((gif.convert("RGB"), gif.info["duration"]))
    return out, about


def steps_of(source: str) -> dict[str, int]:
    """The number of steps of each phase of a source's trace."""
    from backprop_playground import media
    from backprop_playground.export import unpack_page

    phases = media.step_phases(media.page_trace(unpack_page(stepper_html(**SOURCES[source][1]))["data"]))
    return {phase: phases.count(phase) for phase in ("forward", "backward", "update")}


def ok(rendered: Rendered) -> Path:
    assert rendered.code == 0, rendered.err
    assert "100%" in rendered.err and f"wrote {rendered.path}" in rendered.err  # the progress bar, a summary
    return rendered.path


def test_the_lesson_as_mp4_steps_as_the_stepper_does(renders, stepper_shot, tmp_path):
    """Every step for its hold (1 s at 10 fps: 10 frames), H.264 in yuv420p; each step's last frame is the
    stepper at that step, and a backward step's first frames show the contribution travelling."""
    path = ok(renders["xor.mp4"])
    info = video_info(path)
    steps = sum(steps_of("xor").values()) + 1  # the start, then each step
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p" and info["size"] == SIZE
    assert info["frames"] == steps * 10
    assert info["duration"] == pytest.approx(steps * 1.0, abs=0.05)
    head = path.read_bytes()[:4096]
    assert b"moov" in head  # +faststart: the index before the data, so slides start it at once
    held = {k: (k + 1) * 10 - 1 for k in (12, 13, 16, 25)}  # the last frame of each step's hold
    frames = video_frames(path, [*held.values(), 13 * 10], tmp_path / "mp4")
    for k, index in held.items():
        assert_alike(frames[index], stepper_shot("xor", "light", k), mean=2.5, share=0.01, what=f"step {k}")
    travelling = frames[13 * 10]  # step 13's first frame: the contribution on its way from L to ŷ
    for k in (12, 13):
        assert difference(travelling, frames[held[k]])[1] > 0.0005, f"the travel looks like step {k}"


def test_an_expressions_backward_pass_as_mp4(renders, stepper_shot, tmp_path):
    path = ok(renders["expression.mp4"])
    info = video_info(path)
    phases = steps_of("expression")
    steps = phases["backward"] + 1  # from the end of the forward pass
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert info["frames"] == steps * 5 and info["duration"] == pytest.approx(steps * 0.5, abs=0.05)
    last = phases["forward"] + phases["backward"]
    frame = video_frames(path, [steps * 5 - 1], tmp_path / "mp4")[steps * 5 - 1]
    assert_alike(frame, stepper_shot("expression", "light", last), mean=2.5, share=0.01, what="the last step")


def test_the_backward_pass_as_a_looping_gif_in_the_dark_theme(renders, stepper_shot):
    """A GIF that loops, each step held 1 s (the travel's frames first, then one still frame for the rest),
    the still of each step alike with the stepper's own."""
    frames, about = gif_frames(ok(renders["xor.gif"]))
    assert about == {"loop": 0, "size": SIZE}
    steps = steps_of("xor")["backward"] + 1
    assert sum(ms for _, ms in frames) == steps * 1000
    assert len(frames) > steps  # the travel has frames of its own
    ends, at = [], 0
    for index, (_, ms) in enumerate(frames):
        at += ms
        if at % 1000 == 0:
            ends.append(index)  # the frame that closes each step's hold
    assert len(ends) == steps
    first = steps_of("xor")["forward"]
    for k in (first, first + 4, first + steps - 1):
        frame = frames[ends[k - first]][0]
        assert_alike(frame, stepper_shot("xor", "dark", k), mean=3, share=0.01, what=f"step {k}")


def test_an_expression_as_a_gif(renders):
    frames, about = gif_frames(ok(renders["expression.gif"]))
    steps = sum(steps_of("expression").values()) + 1
    assert about["loop"] == 0
    assert sum(ms for _, ms in frames) == steps * 300 and len(frames) >= steps


def test_the_lesson_as_a_handout_a_page_per_phase(renders):
    from pypdf import PdfReader

    reader = PdfReader(ok(renders["xor.pdf"]))
    assert len(reader.pages) == 3
    text = reader.pages[1].extract_text()
    assert "One ReLU layer solves XOR" in text and "Backward pass" in text and "steps 13–21 of 25" in text
    assert "receives" in text and "Gradients so far (step 21)" in text and "final" in text
    assert "Update" in reader.pages[2].extract_text()
    assert len(reader.pages[0].images) == 1  # the graph


def test_an_expression_as_a_handout_three_steps_a_page(renders):
    from pypdf import PdfReader

    reader = PdfReader(ok(renders["expression.pdf"]))
    steps = sum(steps_of("expression").values())
    assert len(reader.pages) == math.ceil(steps / 3)
    first = reader.pages[0].extract_text()
    assert "(x*y+x)*z" in first and "steps 1–3 of" in first and "Forward" in first


def test_png_frames_are_the_steppers_own_screenshots(renders, stepper_shot):
    directory = ok(renders["xor-frames"])
    names = sorted(p.name for p in directory.iterdir())
    assert names == [f"step-{k:04d}.png" for k in range(10, 15)]
    for k in range(10, 15):
        frame = load(directory / f"step-{k:04d}.png")
        assert frame.size == SIZE
        assert_alike(frame, stepper_shot("xor", "light", k), mean=0.5, share=0.002, what=f"step {k}")


def test_an_expressions_forward_pass_as_png_frames(renders, stepper_shot):
    directory = ok(renders["expression-frames"])
    forward = steps_of("expression")["forward"]
    assert sorted(p.name for p in directory.iterdir()) == [f"step-{k:04d}.png" for k in range(forward + 1)]
    frame = load(directory / f"step-{forward:04d}.png")
    assert_alike(frame, stepper_shot("expression", "projector", forward), mean=0.5, share=0.002, what="last")


def test_a_render_over_the_size_cap_stops_naming_it(renders):
    rendered = renders["capped-frames"]
    assert rendered.code == 2 and "the size cap of 0.05 MB (--max-mb)" in rendered.err
    assert not list(rendered.path.glob("*.png"))
