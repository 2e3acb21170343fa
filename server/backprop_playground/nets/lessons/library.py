"""The lessons one server shows: the built-in ones, a lecturer's folder of lesson files, or both.

A folder's lessons come after the built-ins, in file-name order. A folder lesson whose id is a built-in's is
an error unless its front matter says `replaces: true` (or `replaces: <the built-in's id>`): it then takes
that lesson's place. With `replace` set only the folder's lessons are shown. A file that cannot be read is
listed as an entry with its `error` ({file, line, message}) instead of the lesson, never left out silently.
The folder is read again when a file in it changes, added or removed (checked at most once a second).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from backprop_playground.nets import lessons as _lessons
from backprop_playground.nets.lessons.files import LessonFileError, LessonSource, load_folder

SUMMARY_KEYS = ("id", "title", "slide", "summary")


class Library:
    """The lessons shown: `refresh()` (cheap; reads the folder again only when it changed) gives the
    current version, `entries()` the list, `find(id)` a lesson's source or its file's error, `get(id)` the
    lesson with its facts computed."""

    def __init__(self, folder: str | Path | None = None, replace: bool = False, check_every: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.replace = replace and self.folder is not None
        self.check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._stamps: object = None
        self.version = 0
        self._entries: list[dict] = []
        self._found: dict[str, LessonSource | LessonFileError] = {}
        self._build()

    def refresh(self) -> int:
        """Read the folder again if a lesson file in it changed since the last look (at most one look a
        `check_every` seconds); the version of what is shown (it grows with every change)."""
        if self.folder is None:
            return self.version
        with self._lock:
            now = self._clock()
            if now - self._checked >= self.check_every:
                self._checked = now
                if self._stamp() != self._stamps:
                    self._build()
                    self.version += 1
            return self.version

    def entries(self) -> list[dict]:
        """Every lesson's id, title, slide and summary, in order; an entry for a file that cannot be read
        has an `error` ({file, line, message}) besides."""
        return [dict(entry) for entry in self._entries]

    def ids(self) -> list[str]:
        return [entry["id"] for entry in self._entries]

    def find(self, lesson_id: str) -> LessonSource | LessonFileError:
        """The lesson's source, or the error of its file; KeyError if there is no such entry."""
        return self._found[lesson_id]

    def get(self, lesson_id: str) -> dict:
        """The lesson with its facts computed; LessonFileError for a broken file or a fact that cannot be
        computed, KeyError for an unknown id."""
        found = self.find(lesson_id)
        if isinstance(found, LessonFileError):
            raise found
        return _lessons.with_facts(found)

    def cached(self, lesson_id: str) -> dict | None:
        """get(lesson_id) when its facts are computed already, else None."""
        found = self.find(lesson_id)
        if isinstance(found, LessonFileError):
            raise found
        return _lessons.cached_with_facts(found)

    def _stamp(self) -> object:
        try:
            return tuple(sorted((p.name, s.st_mtime_ns, s.st_size)
                                for p in self.folder.glob("*.md") for s in [p.stat()]))
        except OSError as exc:
            return ("error", str(exc))

    def _build(self) -> None:
        shown: list[LessonSource | LessonFileError] = [] if self.replace else list(_lessons.BUILTIN_SOURCES)
        if self.folder is not None:
            self._stamps = self._stamp()
            shown += self._folder_items(shown)
        taken = {item.lesson["id"] for item in shown if isinstance(item, LessonSource)}
        entries, found = [], {}
        for item in shown:
            if isinstance(item, LessonSource):
                entry = {key: item.lesson[key] for key in SUMMARY_KEYS}
            else:
                entry = {"id": _error_id(item.file, taken), "title": Path(item.file).name, "slide": "",
                         "summary": item.message,
                         "error": {"file": Path(item.file).name, "line": item.line, "message": item.message}}
                taken.add(entry["id"])
            entries.append(entry)
            found[entry["id"]] = item
        self._entries, self._found = entries, found

    def _folder_items(self, shown: list) -> list[LessonSource | LessonFileError]:
        """The folder's lessons and errors in file-name order; a lesson that replaces a built-in is put in
        its place in `shown` instead."""
        if not self.folder.is_dir():
            return [LessonFileError(str(self.folder), 0, "the lessons folder does not exist")]
        sources, errors = load_folder(self.folder)
        builtin = {item.lesson["id"]: i for i, item in enumerate(shown)}
        items: list[LessonSource | LessonFileError] = []
        for item in sorted([*sources, *errors], key=lambda item: Path(item.file).name):
            if isinstance(item, LessonFileError):
                items.append(item)
                continue
            lesson_id, replaces = item.lesson["id"], item.replaces
            target = lesson_id if replaces is True else replaces or None
            if target is not None and target in builtin:
                if lesson_id != target and lesson_id in builtin:
                    items.append(_clash(item))
                else:
                    shown[builtin[target]] = item
            elif target is not None and not self.replace:
                known = ", ".join(sorted(builtin))
                message = f'"replaces": there is no built-in lesson "{target}" (they are: {known})'
                items.append(LessonFileError(item.file, item.replaces_line, message))
            elif lesson_id in builtin:
                items.append(_clash(item))
            else:
                items.append(item)
        return items


def _clash(source: LessonSource) -> LessonFileError:
    lesson_id = source.lesson["id"]
    return LessonFileError(source.file, source.id_line, f'the id "{lesson_id}" is a built-in lesson\'s: give '
                           "this lesson another id, or say replaces: true to show it in the built-in's place")


def _error_id(file: str, taken: set[str]) -> str:
    """An id for a file that cannot be read: its name without the number in front and the suffix."""
    base = re.sub(r"^\d+[-_ ]*", "", Path(file).stem) or Path(file).stem or "lesson"
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") or "lesson"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
