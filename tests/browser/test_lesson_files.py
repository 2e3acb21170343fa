"""Lesson files in the stepper: a lessons folder's lessons in the menu (read again when a file changes), a
broken file as an error card, "Save as lesson" writing a file that opens as the same view, and "Open lesson
file…" (or a drop) showing a file the server does not have, storing nothing."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.helpers import api, header_control, open_stepper
from tests.nets.test_lesson_files import TINY
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/backprop-lesson-files")
BROKEN = TINY.replace("id: tiny", "id: intro").replace("values: {x: 2.0, y: 3.0}", "values: {x: two, y: 3.0}")
NO_FACTS = TINY.replace("id: tiny", "id: no-facts").replace("A tiny lesson", "Facts that fail") \
    .replace("  expected: 3.0\n", "  pick: nothing\n  expected: 3.0\n")
EXPR = "h = w * x; L = (h - t)**2"
VALUES = "w=0.5,x=2,t=3"


def write(path: Path, text: str) -> None:
    """Write a lesson file and move its mtime on, so a change shows even within the clock's resolution."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture(scope="module")
def folder_server(tmp_path_factory):
    """A live server showing a lessons folder (read again at every request): (its URL, the folder)."""
    import uvicorn

    from backprop_playground.app import create_app
    from backprop_playground.settings import Settings
    from tests.conftest import _free_port

    folder = tmp_path_factory.mktemp("lessons")
    write(folder / "01-tiny.md", TINY)
    data_dir = tmp_path_factory.mktemp("lesson-files-data")
    app = create_app(Settings(data_dir=data_dir, database_url=None, model_creates_per_minute=0,
                              lessons_dir=folder))
    app.state.lessons.check_every = 0  # the server looks once a second; here at every request
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the live server starts")
    yield f"http://127.0.0.1:{port}", folder
    server.should_exit = True
    thread.join(timeout=30)


def menu(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all("#lesson-select option",
                                          "os => os.map(o => [o.value, o.textContent])"))


def wait_title(page, title: str) -> None:
    page.wait_for_function("t => document.querySelector('.lesson-title')?.textContent === t", arg=title)


def nodes(page) -> dict[str, tuple]:
    """Every node drawn: its label, value and gradient (as the graph's attributes hold them), by id."""
    return {key: tuple(value) for key, value in page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('g.node[data-node-id]')].map(g => [
            g.dataset.nodeId, [g.querySelector('text')?.textContent ?? '', g.dataset.value ?? null,
                               g.dataset.grad ?? null]]))""").items()}


def at_last_step(page) -> None:
    page.wait_for_function("""() => {
        const [k, n] = document.querySelector('.controls .count').textContent.split('/').map(Number);
        return n > 0 && k === n;
    }""")
    page.wait_for_function("() => !document.querySelector('.particle')")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_folder_lesson_is_in_the_menu_opens_and_follows_its_file(page, folder_server):
    base, folder = folder_server
    write(folder / "01-tiny.md", TINY)
    open_stepper(page, base + "/")
    assert menu(page)["tiny"] == "A tiny lesson"
    page.select_option("#lesson-select", "tiny")
    wait_title(page, "A tiny lesson")
    assert page.locator(".facts li").count() == 2
    assert page.locator(".facts .fact-ok").count() == 2
    write(folder / "01-tiny.md", TINY.replace("title: A tiny lesson", "title: A renamed lesson"))
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function("() => [...document.querySelectorAll('#lesson-select option')]"
                           ".some(o => o.value === 'tiny' && o.textContent === 'A renamed lesson')")
    wait_title(page, "A renamed lesson")
    # broken on the next save: after a reload the menu says so, and the page shows where
    write(folder / "01-tiny.md", TINY.replace("source: z = x*y", "source: z = x*"))
    try:
        page.reload()
        page.wait_for_function("() => [...document.querySelectorAll('#lesson-select option')]"
                               ".some(o => o.textContent === '⚠ 01-tiny.md (cannot be shown)')")
        page.locator("#lesson-panel .lesson-error").wait_for()
        assert "01-tiny.md:" in page.locator("#lesson-panel .lesson-error").text_content()
        # the browser logs the 422 answer for the broken lesson: expected here, any other error is not
        page.console_errors[:] = [e for e in page.console_errors if "status of 422" not in e]
    finally:
        write(folder / "01-tiny.md", TINY)


@pytest.mark.parametrize("viewport", [(1280, 720), (390, 844)])
def test_a_broken_file_is_an_error_card_and_the_page_goes_on(browser, folder_server, viewport):
    base, folder = folder_server
    write(folder / "03-intro.md", BROKEN)
    write(folder / "04-no-facts.md", NO_FACTS)
    broken = next(entry for entry in api(base, "GET", "/lessons") if entry.get("error"))
    error = broken["error"]
    assert error["file"] == "03-intro.md"
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    try:
        open_stepper(page, base + "/")
        assert menu(page)[broken["id"]] == "⚠ 03-intro.md (cannot be shown)"
        page.select_option("#lesson-select", broken["id"])
        card = page.locator("#lesson-panel .lesson-error")
        card.wait_for(state="attached")  # on a phone the lesson panel is a sheet, hidden until asked for
        expected = f"03-intro.md:{error['line']}: panel 0: \"values\" must map names to numbers"
        assert expected in card.text_content()
        note = page.locator("#graph-note")
        assert note.is_visible() and "No graph" in note.inner_text()
        if page.locator("#toggle-side").get_attribute("aria-expanded") != "true":
            page.click("#toggle-side")  # on a phone the lesson panel is a sheet
        card.wait_for(state="visible")
        shoot(page, f"error-card-{viewport[0]}x{viewport[1]}")
        if viewport[0] < 600:
            page.keyboard.press("Escape")
        # a lesson whose facts cannot be computed is a card too, naming the fact
        page.select_option("#lesson-select", "no-facts")
        page.wait_for_function("() => document.querySelector('#lesson-panel .lesson-error')?.textContent"
                               ".includes('04-no-facts.md:')")
        assert 'fact "d_x"' in card.text_content()
        # the page goes on working: another lesson opens with its graph
        page.select_option("#lesson-select", "tiny")
        page.wait_for_selector("#lesson-panel .lesson-title:not(.lesson-error *)", state="attached")
        page.wait_for_selector("g.node[data-node-id]")
        assert not note.is_visible() and card.count() == 0
    finally:
        context.close()
        (folder / "03-intro.md").unlink()
        (folder / "04-no-facts.md").unlink()


def test_save_as_lesson_downloads_a_file_that_opens_as_the_same_view(page, folder_server, tmp_path):
    base, folder = folder_server
    open_stepper(page, f"{base}/?expr={quote(EXPR)}&values={quote(VALUES)}&step=9999")
    at_last_step(page)
    shown = nodes(page)
    assert any(grad for _, _, grad in shown.values())
    with page.expect_download() as download:
        header_control(page, "#save-lesson").click()
    saved = download.value
    assert saved.suggested_filename == "my-expression.md"
    target = folder / "05-saved.md"
    saved.save_as(target)
    os.utime(target, ns=(target.stat().st_mtime_ns + 2_000_000_000,) * 2)
    text = target.read_text(encoding="utf-8")
    assert f"source: {EXPR}" in text and "Write here what this example shows." in text
    try:
        open_stepper(page, base + "/")
        assert menu(page)["my-expression"] == "My expression"
        open_stepper(page, f"{base}/?lesson=my-expression&step=9999")
        at_last_step(page)
        assert nodes(page) == shown
        assert page.locator(".facts li").count() == 4 and page.locator(".facts .fact-ok").count() == 4
    finally:
        target.unlink()


@pytest.mark.parametrize("viewport", [(1280, 720), (390, 844)])
def test_open_lesson_file_shows_it_without_storing_it(browser, folder_server, viewport):
    base, _ = folder_server
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    opened = TINY.replace("id: tiny", "id: from-disk").replace("title: A tiny lesson", "title: From my disk")
    try:
        open_stepper(page, base + "/?lesson=tiny")
        before = {node: label for node, (label, _, _) in nodes(page).items()}
        page.set_input_files("#lesson-file", files=[
            {"name": "06-disk.md", "mimeType": "text/markdown", "buffer": opened.encode()}])
        wait_title(page, "From my disk")
        origin = page.locator(".lesson-origin")
        assert "06-disk.md" in origin.inner_text() and "not stored" in origin.inner_text()
        assert page.locator(".facts .fact-ok").count() == 2
        page.wait_for_selector("g.node[data-node-id]")
        assert {node: label for node, (label, _, _) in nodes(page).items()} == before
        params = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
        assert "lesson" not in params
        assert "from-disk" not in [entry["id"] for entry in api(base, "GET", "/lessons")]
        shoot(page, f"opened-file-{viewport[0]}x{viewport[1]}")
        # a broken file opened the same way: its error card, with the line
        page.set_input_files("#lesson-file", files=[
            {"name": "07-broken.md", "mimeType": "text/markdown", "buffer": BROKEN.encode()}])
        card = page.locator("#lesson-panel .lesson-error")
        card.wait_for()
        assert "07-broken.md:" in card.text_content()
        assert '"values" must map names to numbers' in card.text_content()
        # dropped onto the page, a good file opens again
        page.evaluate("""text => {
            const data = new DataTransfer();
            data.items.add(new File([text], '08-dropped.md', { type: 'text/markdown' }));
            for (const type of ['dragover', 'drop']) {
                const event = new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true });
                document.body.dispatchEvent(event);
            }
        }""", opened.replace("From my disk", "Dropped here"))
        wait_title(page, "Dropped here")
        assert "08-dropped.md" in page.locator(".lesson-origin").inner_text()
        assert not errors, errors
    finally:
        context.close()

