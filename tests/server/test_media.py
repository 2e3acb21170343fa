"""The media export's planning and its command line without a browser: sizes, step ranges, handout pages,
caps, missing tools and bad input (exit code 2 with a message naming the problem, nothing written)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from backprop_playground import media
from backprop_playground.cli import main
from backprop_playground.export import stepper_html, unpack_page
from backprop_playground.media import MediaError, MediaOptions


@pytest.fixture(scope="module")
def xor_phases() -> list[str]:
    return media.step_phases(media.page_trace(unpack_page(stepper_html(lesson="xor-relu"))["data"]))


@pytest.fixture(scope="module")
def expression_phases() -> list[str]:
    page = stepper_html(expression="(x*y+x)*z", values={"x": 2, "y": -1, "z": 3})
    return media.step_phases(media.page_trace(unpack_page(page)["data"]))


def test_sizes_are_read_and_bounded():
    assert media.parse_size("1280x720") == (1280, 720)
    assert media.parse_size(" 960 × 540 ") == (960, 540)
    for text, message in [("1280", "WIDTHxHEIGHT"), ("axb", "WIDTHxHEIGHT"), ("7680x4320", "out of bounds"),
                          ("100x100", "out of bounds")]:
        with pytest.raises(MediaError, match=message):
            media.parse_size(text)


def test_step_ranges_start_where_the_steppers_phase_jumps_land(xor_phases, expression_phases):
    """A phase starts on the step before its first event (what the stepper's jump shows) and ends with its
    last; "all" is the whole trace."""
    assert xor_phases.count("forward") == 12 and xor_phases.count("backward") == 9
    assert xor_phases.count("update") == 4 and len(xor_phases) == 25
    assert media.step_range(xor_phases) == (0, 25)
    assert media.step_range(xor_phases, "forward") == (0, 12)
    assert media.step_range(xor_phases, "backward") == (12, 21)
    assert media.step_range(xor_phases, "update") == (21, 25)
    assert media.step_range(xor_phases, steps=(3, 9)) == (3, 9)
    assert media.parse_steps("3-9") == (3, 9) and media.parse_steps("7") == (7, 7)
    with pytest.raises(MediaError, match="no update phase"):
        media.step_range(expression_phases, "update")
    with pytest.raises(MediaError, match="steps 0 to 25"):
        media.step_range(xor_phases, steps=(3, 40))
    with pytest.raises(MediaError, match="comes after"):
        media.parse_steps("9-3")


def test_handout_pages_per_phase_or_per_n_steps(xor_phases):
    pages = media.handout_pages(xor_phases, 0, 25)
    assert [p[0] for p in pages] == [1, 13, 22] and [p[-1] for p in pages] == [12, 21, 25]
    assert media.handout_pages(xor_phases, 0, 25, per_page=10) == [list(range(1, 11)), list(range(11, 21)),
                                                                    list(range(21, 26))]
    assert media.handout_pages(xor_phases, 7, 7) == [[7]]


def test_frames_follow_hold_and_fps():
    options = MediaOptions(format="mp4", hold=1.5, fps=24).checked()
    assert options.frames_per_step == 36
    assert media.planned_frames(options, 0, 25) == 26 * 36
    assert MediaOptions(format="gif").checked().fps == 10
    assert media.planned_frames(MediaOptions(format="png").checked(), 3, 9) == 7


@pytest.mark.parametrize(("options", "message"), [
    (MediaOptions(format="mp4", size=(641, 360)), "even width and height"),
    (MediaOptions(format="gif", fps=60), "--fps must be 1 to 50"),
    (MediaOptions(format="mp4", hold=0), "--hold must be"),
    (MediaOptions(format="webm"), "format must be one of"),
    (MediaOptions(format="pdf", per_page=-1), "--per-page"),
])
def test_options_out_of_bounds_are_refused(options, message):
    with pytest.raises(MediaError, match=message):
        options.checked()


def test_the_handout_page_holds_its_text_escaped():
    sheet = media._Sheet(steps=[1, 2], narrations=["Forward: x is 2.", "a <b> & c"], png=b"\x89PNG", table="")
    page = media.handout_html("x < y", [sheet], ["forward", "forward"], 2)
    assert "<h1>x &lt; y</h1>" in page and "a &lt;b&gt; &amp; c" in page
    assert '<li value="2">' in page and "Forward pass · steps 1–2 of 2" in page and "1 / 1" in page


def test_the_progress_bar_writes_a_line_each_tenth_off_a_terminal():
    stream = io.StringIO()
    bar = media.ProgressBar("mp4:", stream=stream, width=10)
    for done in range(1, 27):
        bar(done, 26)
    lines = stream.getvalue().splitlines()
    assert 8 <= len(lines) <= 11
    assert lines[-1].startswith("mp4: [##########] 100% 26/26 steps")


def _export(capsys, tmp_path, *argv) -> tuple[int, str]:
    code = main(["export", *argv])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--lesson", "nope", "--format", "mp4"], "no lesson 'nope'"),
    (["--lesson", "xor-relu", "--format", "mp4", "--size", "huge"], "--size takes WIDTHxHEIGHT"),
    (["--lesson", "xor-relu", "--format", "gif", "--size", "8000x8000"], "out of bounds"),
    (["--lesson", "xor-relu", "--format", "mp4", "--size", "641x361"], "even width and height"),
    (["--expression", "x*y", "--values", "x=1,y=2", "--format", "pdf", "--phase", "update"],
     "no update phase"),
    (["--lesson", "xor-relu", "--format", "png", "--steps", "5-99"], "steps 0 to 25"),
    (["--lesson", "xor-relu", "--format", "mp4", "--max-frames", "100"],
     "over the cap of 100 (--max-frames)"),
    (["--lesson", "xor-relu", "--size", "960x540"], "--size go with --format mp4, gif, pdf or png"),
    (["--lesson", "xor-relu", "--format", "gif", "--plugins"], "--plugins goes with the HTML export"),
    (["--lesson", "xor-relu", "--format", "mp4", "--weights", "[1,"], "--weights is not JSON"),
])
def test_bad_input_exits_2_naming_the_problem(capsys, tmp_path, argv, message):
    out = tmp_path / "out.media"
    code, err = _export(capsys, tmp_path, *argv, "-o", str(out))
    assert code == 2 and err.startswith("backprop-playground export: ") and message in err, err
    assert not out.exists()


def test_the_format_comes_from_the_files_suffix(capsys, tmp_path):
    """-o x.mp4 asks for an MP4: its limits apply without --format."""
    code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "--max-frames", "10",
                        "-o", str(tmp_path / "x.mp4"))
    assert code == 2 and "(--max-frames)" in err


def test_a_missing_chromium_is_named_with_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_CHROMIUM", str(tmp_path / "no-chromium"))
    code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "-o", str(tmp_path / "x.gif"))
    assert code == 2 and "no Chromium at" in err and "apt-get install chromium" in err
    assert "BACKPROP_CHROMIUM" in err
    assert not (tmp_path / "x.gif").exists()


def test_a_missing_encoder_is_named_with_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-ffmpeg"))
    monkeypatch.setattr(media, "chromium_executable", lambda: "/usr/bin/chromium")
    code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "-o", str(tmp_path / "x.mp4"))
    assert code == 2 and "cannot run ffmpeg" in err and "backprop-playground[media]" in err
    assert not (tmp_path / "x.mp4").exists()


def test_a_missing_playwright_is_named_with_how_to_install_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails as if not installed
    code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "-o", str(tmp_path / "x.pdf"))
    assert code == 2 and "needs Playwright" in err and "pip install 'backprop-playground[media]'" in err


def test_png_frames_refuse_a_directory_holding_other_files(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(media, "check_tools", lambda fmt: {"chromium": "chromium"})  # refused before any use
    (tmp_path / "notes.txt").write_text("mine")
    code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "--format", "png", "-o", str(tmp_path))
    assert code == 2 and "holds other files (notes.txt)" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_weights_go_to_a_lessons_model_panel_from_json_or_a_file(capsys, tmp_path):
    """--weights (the stepper's URL form: one {"W", "b"} per layer) replaces the panel's start, in the HTML
    export as in the media ones."""
    weights = [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1], [-2]], "b": [0]}]
    (tmp_path / "w.json").write_text(json.dumps(weights))
    for given in (json.dumps(weights), f"@{tmp_path / 'w.json'}"):
        out = tmp_path / "xor.html"
        code, err = _export(capsys, tmp_path, "--lesson", "xor-relu", "--weights", given, "-o", str(out))
        assert code == 0, err
        data = unpack_page(out.read_text())["data"]
        assert data["state"]["weights"] == weights
        step = next(a for a in data["answers"] if a["path"] == "/specs/step")
        assert step["body"]["params"] == weights
