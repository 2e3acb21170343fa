"""'Download GIF or video' in the browser (web/js/stepper/media-record.js): the stepper's and the embed's own
graph recorded as a looping GIF (gifenc) or a WebM (MediaRecorder), stepping over the chosen range; the
dialog's caps and the command line it offers for an MP4."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.browser.helpers import counter, header_control, open_stepper

pytestmark = pytest.mark.browser

KEEP = os.environ.get("BACKPROP_MEDIA_KEEP")  # a directory: the files and a few frames kept to look at


def open_dialog(page, opener: str):
    header_control(page, opener).click()
    dialog = page.locator("dialog.media-dialog[open]")
    dialog.wait_for()
    page.wait_for_function("() => document.querySelector('.media-summary')?.textContent.length > 0 "
                           "|| !document.querySelector('.media-error').hidden")
    return dialog


def choose(dialog, *, range_: str, hold: float, fmt: str):
    dialog.locator("select[name=range]").select_option(range_)
    dialog.locator("input[name=hold]").fill(str(hold))
    dialog.locator(f"input[name=format][value={fmt}]").check()


def download(page, dialog, timeout: float = 120_000) -> bytes:
    with page.expect_download(timeout=timeout) as info:
        dialog.locator(".media-start").click()
    path = info.value.path()
    data = Path(path).read_bytes()
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        (Path(KEEP) / info.value.suggested_filename).write_bytes(data)
    return data, info.value.suggested_filename


def summary(dialog) -> dict:
    """The recording the dialog plans (its summary's numbers)."""
    data = dialog.locator(".media-summary").evaluate("el => ({...el.dataset})")
    assert data, dialog.locator(".media-error").inner_text()
    return {"first": int(data["first"]), "last": int(data["last"]), "seconds": float(data["seconds"]),
            "size": (int(data["width"]), int(data["height"])), "frames": int(data["frames"])}


def not_blank(frame: Image.Image) -> None:
    """A frame that shows the graph: many colours and real contrast, not one flat fill."""
    rgb = frame.convert("RGB")
    colours = rgb.getcolors(1 << 16) or []
    assert len(colours) > 8, f"{len(colours)} colours"
    assert max(ImageStat.Stat(rgb.convert("L")).stddev[0], 0) > 10


def test_the_stepper_downloads_a_looping_gif_of_its_graph(page, live_server):
    open_stepper(page, f"{live_server}/?lesson=xor-relu&theme=dark")
    before_url, before_step = page.url, counter(page)[0]
    dialog = open_dialog(page, "#download-media")
    assert "--lesson xor-relu --theme dark -o xor-relu.mp4" in dialog.locator(".media-command").text_content()
    choose(dialog, range_="backward", hold=0.5, fmt="gif")
    plan = summary(dialog)
    assert "--phase backward --hold 0.5" in dialog.locator(".media-command").text_content()
    data, name = download(page, dialog)
    assert name == "xor-relu-backward.gif"
    assert dialog.locator(".media-progress-text").inner_text().startswith("Saved:")
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.info.get("loop") == 0  # loops forever
    assert gif.size == plan["size"]
    assert gif.n_frames == plan["frames"]
    durations, stills = [], 0
    for i in range(gif.n_frames):
        gif.seek(i)
        durations.append(gif.info["duration"])
        if i in (0, gif.n_frames - 1) or i == gif.n_frames // 2:
            frame = gif.convert("RGB")
            not_blank(frame)
            if KEEP:
                frame.save(Path(KEEP) / f"gif-frame-{i:03d}.png")
    # every step lasts its hold (GIF delays are in hundredths of a second)
    steps = plan["last"] - plan["first"] + 1
    assert abs(sum(durations) / 1000 - steps * 0.5) < 0.02 * gif.n_frames + 0.05
    # the contributions travel: more frames than steps, 100 ms apart while they move
    assert gif.n_frames > steps and durations.count(100) >= gif.n_frames - steps
    stills = sum(1 for d in durations if d != 100)
    assert stills <= steps
    # the page is back where it was, its URL untouched
    assert counter(page)[0] == before_step and page.url == before_url


def ffmpeg_probe(path: Path) -> tuple[int, float] | None:
    """(frames, seconds) of a video as imageio-ffmpeg's ffmpeg decodes it; None without it."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # noqa: BLE001 (an optional tool)
        return None
    out = subprocess.run([exe, "-hide_banner", "-i", str(path), "-map", "0:v", "-f", "null", "-"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-800:]
    frames = int(re.findall(r"frame=\s*(\d+)", out.stderr)[-1])
    hours, minutes, seconds = re.findall(r"time=(\d+):(\d+):([\d.]+)", out.stderr)[-1]
    return frames, int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_the_embed_records_a_webm_of_its_graph(page, live_server, tmp_path):
    open_stepper(page, f"{live_server}/embed?expr=(x*y%2Bx)*z&values=x%3D2,y%3D-1,z%3D3")
    dialog = open_dialog(page, "#download-media")
    if not dialog.locator(".media-webm").is_visible():
        pytest.skip("this Chromium's MediaRecorder records no WebM")
    assert dialog.locator(".media-command").text_content().startswith(
        "backprop-playground export --expression '(x*y+x)*z' --values x=2,y=-1,z=3")
    choose(dialog, range_="backward", hold=0.4, fmt="webm")
    plan = summary(dialog)
    data, name = download(page, dialog)
    assert name == "expression-backward.webm"
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]  # EBML header, DocType webm
    assert len(data) > 5_000
    path = tmp_path / name
    path.write_bytes(data)
    probed = ffmpeg_probe(path)
    if probed:
        frames, seconds = probed
        # recorded in real time: each step its hold (a loaded machine may stretch it a little)
        assert plan["seconds"] * 0.8 <= seconds <= plan["seconds"] * 1.6 + 0.5, (seconds, plan)
        assert frames >= plan["last"] - plan["first"] + 1
        if KEEP:
            exe = __import__("imageio_ffmpeg").get_ffmpeg_exe()
            subprocess.run([exe, "-v", "error", "-y", "-ss", f"{seconds / 2:.2f}", "-i", str(path),
                            "-frames:v", "1", str(Path(KEEP) / "webm-middle.png")], check=True, timeout=60)


def test_the_dialog_says_what_it_cannot_make(page, live_server):
    open_stepper(page, f"{live_server}/?lesson=depth-folding&step=9999")
    step, total = counter(page)
    assert step == total
    dialog = open_dialog(page, "#download-media")
    error = dialog.locator(".media-error")
    choose(dialog, range_="current", hold=2, fmt="gif")
    assert f"Step {total} is the last: step back" in error.inner_text()
    assert dialog.locator(".media-start").is_disabled()
    choose(dialog, range_="all", hold=10, fmt="gif")  # 500 s: a GIF may
    assert error.is_hidden() and not dialog.locator(".media-start").is_disabled()
    assert summary(dialog)["seconds"] == (total + 1) * 10
    if dialog.locator(".media-webm").is_visible():  # a video records in real time: at most 5 minutes
        dialog.locator("input[name=format][value=webm]").check()
        assert "is longer than a video made here may be (5 min): choose a shorter range" in error.inner_text()
        assert dialog.locator(".media-start").is_disabled()
    dialog.locator(".media-cancel").click()
    assert not page.locator("dialog.media-dialog[open]").count()


def test_a_large_graph_area_is_scaled_to_the_pixel_cap(browser, live_server):
    context = browser.new_context(viewport={"width": 2800, "height": 1600})
    try:
        page = context.new_page()
        open_stepper(page, f"{live_server}/?lesson=xor-relu")
        dialog = open_dialog(page, "#download-media")
        width, height = summary(dialog)["size"]
        assert width * height <= 1920 * 1080 and width % 2 == 0 and height % 2 == 0
        assert "(scaled to at most 2.1 MP)" in dialog.locator(".media-summary").inner_text()
    finally:
        context.close()


def test_the_dialog_is_accessible_and_keeps_the_steppers_keys(browser, live_server):
    from tests.browser.test_a11y import violations

    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  bypass_csp=True)
    try:
        page = context.new_page()
        open_stepper(page, f"{live_server}/?lesson=xor-relu&theme=projector")
        step = counter(page)[0]
        dialog = open_dialog(page, "#download-media")
        dialog.locator("input[name=hold]").focus()
        page.keyboard.press("ArrowRight")  # in the dialog, not a step
        assert counter(page)[0] == step
        found = [v for v in violations(page) if v["impact"] in ("serious", "critical")]
        assert found == []
        box = dialog.bounding_box()
        assert box["width"] == 390 and box["y"] + box["height"] <= 844 + 1  # a sheet along the bottom
        page.keyboard.press("Escape")
        assert not page.locator("dialog.media-dialog[open]").count()
    finally:
        context.close()


def test_the_dialog_fits_a_960x540_embed_in_the_projector_theme(browser, live_server):
    """The projector theme's larger text once pushed the dialog's fields and its Download button past its
    right edge in a slide-sized embed."""
    context = browser.new_context(viewport={"width": 960, "height": 540})
    try:
        page = context.new_page()
        open_stepper(page, f"{live_server}/embed?lesson=xor-relu&theme=projector")
        dialog = open_dialog(page, "#download-media")
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 960
        assert dialog.evaluate("d => d.scrollWidth <= d.clientWidth")  # nothing wider than the dialog
        start = dialog.locator(".media-start").bounding_box()
        assert box["x"] <= start["x"] and start["x"] + start["width"] <= box["x"] + box["width"]
    finally:
        context.close()
