"""GET answers that stay the same for the life of an app (the op table, the lessons): validated and encoded
once through their response model, then served as those bytes with an ETag and `Cache-Control: no-cache`,
so a browser revalidates and a matching If-None-Match costs a 304 without a body. A hall of 300 pages asks
for each of them at once: this keeps that to a lookup. The encoded answers live in the app's state (a new
app, as in the tests, encodes afresh)."""

from __future__ import annotations

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

    def _answers(self, request: Request) -> dict[Hashable, tuple[bytes, str]]:
        state = request.app.state
        if not hasattr(state, "constant_answers"):
            state.constant_answers = {}
        return state.constant_answers.setdefault(id(self), {})

    def has(self, request: Request, key: Hashable = None) -> bool:
        return key in self._answers(request)

    def encoded(self, request: Request, build: Callable[[], Any], key: Hashable = None) -> tuple[bytes, str]:
        answers = self._answers(request)
        answer = answers.get(key)
        if answer is None:
            value = self._adapter.validate_python(build())
            body = self._adapter.dump_json(value, by_alias=True, exclude_none=self._exclude_none)
            answer = answers.setdefault(key, (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'))
        return answer

    def response(self, request: Request, build: Callable[[], Any], key: Hashable = None) -> Response:
        body, etag = self.encoded(request, build, key)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        asked = request.headers.get("if-none-match", "")
        if etag in (tag.strip().removeprefix("W/") for tag in asked.split(",")):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)
