"""A lecturer's folder of lesson files (settings lessons_dir, lessons_replace): its lessons are served after
the built-in ones, read again when a file changes, and a file that cannot be read is listed with its error."""

from __future__ import annotations

import os

from backprop_playground.nets.lessons.files import BUILTIN
from tests.api.conftest import app_client
from tests.nets.test_lesson_files import TINY

XOR = (BUILTIN / "02-xor-relu.md").read_text(encoding="utf-8")


def write(path, text: str) -> None:
    """Write a lesson file and move its mtime on, so a change shows even within the clock's resolution."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_a_folder_s_lessons_come_after_the_built_in_ones(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "01-tiny.md", TINY)
    with app_client(tmp_path, lessons_dir=folder) as client:
        listed = client.get("/api/v1/lessons").json()
        assert [lesson["id"] for lesson in listed][:2] == ["xor-linear", "xor-relu"]
        assert listed[-1] == {"id": "tiny", "title": "A tiny lesson", "slide": "Chain rule",
                              "summary": "One product."}
        lesson = client.get("/api/v1/lessons/tiny").json()
        assert lesson["text"] == "The text, $z = x y$ and $\\operatorname{softmax}$."
        facts = {fact["id"]: fact for fact in lesson["facts"]}
        assert facts["d_x"]["value"] == 3.0 and facts["d_x"]["passed"] is True
        assert facts["again"]["expected"] == 3.0 and facts["again"]["compare"] == "same_as"


def test_only_the_folder_s_lessons_with_replace(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "01-tiny.md", TINY)
    with app_client(tmp_path, lessons_dir=folder, lessons_replace=True) as client:
        assert [lesson["id"] for lesson in client.get("/api/v1/lessons").json()] == ["tiny"]
        assert client.get("/api/v1/lessons/xor-relu").status_code == 404


def test_a_changed_file_is_read_again(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "01-tiny.md", TINY)
    with app_client(tmp_path, lessons_dir=folder) as client:
        client.app.state.lessons.check_every = 0  # look at every request (the server: once a second)
        first = client.get("/api/v1/lessons")
        assert first.json()[-1]["title"] == "A tiny lesson"
        assert client.get("/api/v1/lessons/tiny").json()["title"] == "A tiny lesson"
        write(folder / "01-tiny.md", TINY.replace("title: A tiny lesson", "title: A renamed lesson")
              .replace("expected: 3.0", "expected: 4.0"))
        second = client.get("/api/v1/lessons")
        assert second.json()[-1]["title"] == "A renamed lesson"
        assert second.headers["ETag"] != first.headers["ETag"]
        lesson = client.get("/api/v1/lessons/tiny").json()
        assert lesson["title"] == "A renamed lesson"
        assert {f["id"]: f for f in lesson["facts"]}["d_x"]["passed"] is False
        write(folder / "02-more.md", TINY.replace("id: tiny", "id: more"))
        assert [lesson["id"] for lesson in client.get("/api/v1/lessons").json()][-2:] == ["tiny", "more"]
        (folder / "02-more.md").unlink()
        assert client.get("/api/v1/lessons").json()[-1]["id"] == "tiny"
        assert client.get("/api/v1/lessons/more").status_code == 404


def test_a_broken_file_is_listed_with_its_error_and_answers_422(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "03-intro.md", TINY.replace("values: {x: 2.0, y: 3.0}", "values: {x: two}"))
    message = 'panel 0: "values" must map names to numbers (or lists of numbers)'
    with app_client(tmp_path, lessons_dir=folder) as client:
        entry = client.get("/api/v1/lessons").json()[-1]
        assert entry == {"id": "intro", "title": "03-intro.md", "slide": "", "summary": message,
                         "error": {"file": "03-intro.md", "line": 10, "message": message}}
        answer = client.get("/api/v1/lessons/intro")
        assert answer.status_code == 422
        assert answer.json() == {"detail": f"the lesson file 03-intro.md cannot be shown: line 10: {message}",
                                 "error": {"file": "03-intro.md", "line": 10, "message": message}}
        assert "error" not in client.get("/api/v1/lessons").json()[0]  # a good lesson has none


def test_a_fact_that_cannot_be_computed_answers_422_with_its_line(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "tiny.md", TINY.replace("expected: 3.0", "pick: slope\n  expected: 3.0"))
    with app_client(tmp_path, lessons_dir=folder) as client:
        answer = client.get("/api/v1/lessons/tiny")
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert (error["file"], error["line"]) == ("tiny.md", 12)
        assert error["message"].startswith('fact "d_x" cannot be computed: KeyError: ')


def test_an_id_of_a_built_in_lesson_is_an_error_unless_it_replaces_it(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    clash = XOR.replace("title: One ReLU layer solves XOR", "title: My XOR")
    write(folder / "xor-relu.md", clash)
    with app_client(tmp_path, lessons_dir=folder) as client:
        client.app.state.lessons.check_every = 0
        listed = client.get("/api/v1/lessons").json()
        assert [e["title"] for e in listed if e["id"] == "xor-relu"] == ["One ReLU layer solves XOR"]
        assert listed[-1]["id"] == "xor-relu-2" and listed[-1]["error"] == {
            "file": "xor-relu.md", "line": 2,
            "message": 'the id "xor-relu" is a built-in lesson\'s: give this lesson another id, or say '
                       "replaces: true to show it in the built-in's place"}
        write(folder / "xor-relu.md", clash.replace("id: xor-relu\n", "id: xor-relu\nreplaces: true\n"))
        listed = client.get("/api/v1/lessons").json()
        assert [e["id"] for e in listed][1] == "xor-relu" and listed[1]["title"] == "My XOR"
        assert len(listed) == 16 and client.get("/api/v1/lessons/xor-relu").json()["title"] == "My XOR"
        write(folder / "xor-relu.md", clash.replace("id: xor-relu\n", "id: my-xor\nreplaces: xor-relu\n"))
        listed = client.get("/api/v1/lessons").json()
        assert [e["id"] for e in listed][1] == "my-xor" and "xor-relu" not in [e["id"] for e in listed]
        write(folder / "xor-relu.md", clash.replace("id: xor-relu\n", "id: my-xor\nreplaces: xor-reul\n"))
        error = client.get("/api/v1/lessons").json()[-1]["error"]
        assert error["line"] == 3 and error["message"].startswith(
            '"replaces": there is no built-in lesson "xor-reul" (they are: backprop-on-graph, ')


def test_a_folder_s_lesson_exports_as_a_page(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder / "01-tiny.md", TINY)
    write(folder / "02-broken.md", TINY.replace("id: tiny", "id: broken").replace("title: A", "title: ["))
    with app_client(tmp_path, lessons_dir=folder) as client:
        page = client.get("/api/v1/export", params={"lesson": "tiny"})
        assert page.status_code == 200 and "A tiny lesson" in page.text
        assert page.headers["content-disposition"] == 'attachment; filename="tiny.html"'
        broken = client.get("/api/v1/export", params={"lesson": "broken"})
        assert broken.status_code == 422 and broken.json()["detail"].startswith(
            "the lesson file 02-broken.md cannot be shown: line 4: YAML: ")


def test_serve_takes_the_folder_from_its_options_or_the_environment(tmp_path, monkeypatch):
    from backprop_playground.cli import _lessons_problem, build_parser
    from backprop_playground.settings import Settings

    args = build_parser().parse_args(["serve", "--lessons", str(tmp_path), "--lessons-replace"])
    assert (args.lessons, args.lessons_replace) == (str(tmp_path), True)
    monkeypatch.setenv("BACKPROP_LESSONS_DIR", str(tmp_path))
    monkeypatch.setenv("BACKPROP_LESSONS_REPLACE", "true")
    settings = Settings()
    assert (settings.lessons_dir, settings.lessons_replace) == (tmp_path, True)
    assert _lessons_problem(settings) is None
    missing = Settings(lessons_dir=tmp_path / "missing")
    assert _lessons_problem(missing) == (f"the lessons folder {tmp_path / 'missing'} is not a directory "
                                         "(--lessons, BACKPROP_LESSONS_DIR)")
    monkeypatch.delenv("BACKPROP_LESSONS_DIR")
    assert _lessons_problem(Settings()) == ("--lessons-replace (BACKPROP_LESSONS_REPLACE) needs a lessons "
                                            "folder: --lessons DIR")
