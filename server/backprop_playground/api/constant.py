"""GET answers that stay the same for the life of an app (the op table, the lessons): validated and encoded
once through their response model (and gzip-compressed once), then served as those bytes, gzip where the
browser accepts it, with an ETag and `Cache-Control: no-cache`, so a browser revalidates and a matching
If-None-Match costs a 304 without a body. A hall of 300 pages asks
for each of them at once: this keeps that to a lookup. The encoded answers live in the app's state (a new
app, as in the tests, encodes afresh), by generation: answers built from what has changed since (a lessons
folder whose file was edited: its Library's version) are dropped and built again."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request, Response
from pydantic import TypeAdapter


class ConstantJson:
    """The encoded answers of one route, by key (the path's parameters; `None` for a route without)."""

    def __init__(self, model: Any, *, exclude_none: bool = False) -> None:
        self._adapter = TypeAdapter(model)
        self._exclude_none = exclude_none

    def _answers(self, request: Request,
                 generation: Hashable = None) -> dict[Hashable, tuple[bytes, str, bytes]]:
        """This route's answers of `generation`: those of an older one are dropped (what they were built from
        changed, as a lessons folder does when a file in it is edited)."""
        state = request.app.state
        if not hasattr(state, "constant_answers"):
            state.constant_answers = {}
        kept = state.constant_answers.get(id(self))
        if kept is None or kept[0] != generation:
            kept = state.constant_answers[id(self)] = (generation, {})
        return kept[1]

    def has(self, request: Request, key: Hashable = None, generation: Hashable = None) -> bool:
        return key in self._answers(request, generation)

    def encoded(self, request: Request, build: Callable[[], Any], key: Hashable = None,
                generation: Hashable = None) -> tuple[bytes, str, bytes]:
        """(the JSON, its ETag's tag, the JSON gzip-compressed)"""
        answers = self._answers(request, generation)
        answer = answers.get(key)
        if answer is None:
            value = self._adapter.validate_python(build())
            body = self._adapter.dump_json(value, by_alias=True, exclude_none=self._exclude_none)
            answer = answers.setdefault(key, (body, hashlib.sha256(body).hexdigest()[:32],
                                              gzip.compress(body, 9, mtime=0)))
        return answer

    def response(self, request: Request, build: Callable[[], Any], key: Hashable = None,
                 generation: Hashable = None) -> Response:
        body, tag, zipped = self.encoded(request, build, key, generation)
        accepts = request.headers.get("accept-encoding", "")
        use_gzip = "gzip" in accepts and "gzip;q=0" not in accepts.replace(" ", "")
        etag = f'"{tag}-gz"' if use_gzip else f'"{tag}"'  # a representation's own tag
        headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        asked = {t.strip().removeprefix("W/").strip('"').removesuffix("-gz")
                 for t in request.headers.get("if-none-match", "").split(",")}
        if tag in asked:
            return Response(status_code=304, headers=headers)
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
            return Response(zipped, media_type="application/json", headers=headers)
        return Response(body, media_type="application/json", headers=headers)
